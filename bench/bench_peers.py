"""DenseLabel beside the tools a user who outgrows the notebook picks, in one run.

Peers: Open3D's ``voxel_down_sample`` and ``voxel_down_sample_and_trace`` (the
``bench`` extra: ``pip install -e .[bench]``), scipy's ``cKDTree(sample).query(full,
k=3, workers=-1)`` with a vectorised majority vote, and the CloudCompare command line
(Debian package ``cloudcompare``) for a whole read-subsample-write job, each command in
its own process with its peak resident memory. A missing peer is skipped with a note.
Scenes: the independent room of `bench.peer_scene`, the bundled `core.scene` and the
real labeled scans in ../shared/data. Run serialized with the other benchmarks::

    flock /tmp/team/bench.lock .venv/bin/python -m bench.bench_peers --sizes 1e6 5e6

``--only knn`` runs the KNN carry-back rows alone (no Open3D, no whole-process jobs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from bench.bench_core import perfect_labels
from bench.common import markdown_table, mb, measure
from bench.peer_scene import make_peer_scene
from core.cloud import PointCloud
from core.downsample import voxel_mean
from core.scene import make_scene
from core.transfer import transfer_labels_knn

DEFAULT_SIZES = (1_000_000, 5_000_000)
VOXEL = 0.013
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
#: Real labeled scans: file, labels file, voxel size giving a sample of about a quarter.
SCANS = (("brighton_small.xyz", "brighton_small.labels"), ("test55.xyz", "test55.labels"))
HEADER = ["step", "scene", "points", "peer", "peer time", "ours", "ratio", "compared"]


def majority(votes: np.ndarray) -> np.ndarray:
    """Most frequent label of each row of (n, k) votes; ties to the lowest (scikit-learn's rule)."""
    if votes.shape[1] == 3:
        a, b, c = votes[:, 0], votes[:, 1], votes[:, 2]
        lowest = np.minimum(np.minimum(a, b), c)
        return np.where((a == b) | (a == c), a, np.where(b == c, b, lowest))
    classes = int(votes.max()) + 1
    rows = np.repeat(np.arange(len(votes)), votes.shape[1])
    counts = np.bincount(rows * classes + votes.ravel(), minlength=len(votes) * classes)
    return counts.reshape(len(votes), classes).argmax(axis=1).astype(votes.dtype)


def scipy_knn(sample: np.ndarray, labels: np.ndarray, full: np.ndarray) -> np.ndarray:
    """scipy's tree used well: built on the sample, every core querying, a vectorised vote."""
    _, idx = cKDTree(sample).query(full, k=3, workers=-1)
    return majority(labels[idx])


def ratio(theirs: float, ours: float) -> str:
    return f"{theirs / max(ours, 1e-9):.1f}x"


def knn_row(scene: str, cloud: PointCloud, voxel: float) -> list[str]:
    """KNN k=3 carry-back from the voxel-mean sample labeled perfectly."""
    assert cloud.labels is not None
    down = voxel_mean(cloud, voxel)
    sample = down.sample.xyz
    labels = perfect_labels(cloud.labels, down.index_map, len(sample))
    ours = measure(lambda: transfer_labels_knn(sample, labels, cloud.xyz, k=3), repeat=3)
    theirs = measure(lambda: scipy_knn(sample, labels, cloud.xyz), repeat=2)
    differ = int(np.count_nonzero(ours.result != theirs.result))
    return [
        f"KNN k=3 carry-back, {voxel * 100:.3g} cm sample",
        scene,
        f"{len(cloud):,}",
        "scipy cKDTree + vote",
        f"{theirs.seconds:.2f} s",
        f"{ours.seconds:.3f} s",
        ratio(theirs.seconds, ours.seconds),
        f"{len(sample):,} sample points; labels differ at {differ:,} points",
    ]


def voxel_rows(scene: str, cloud: PointCloud) -> list[list[str]]:
    """Voxel mean with the full->sample map (ours) against Open3D without and with its trace."""
    ours = measure(lambda: voxel_mean(cloud, VOXEL), repeat=3)
    n_ours = len(ours.result.sample)
    base = [f"voxel mean {VOXEL * 100:.3g} cm", scene, f"{len(cloud):,}"]
    try:
        import open3d as o3d
    except ImportError as exc:
        note = f"Open3D not installed ({exc}); pip install -e .[bench]"
        return [[*base, "Open3D", "-", f"{ours.seconds:.3f} s", "-", note]]
    assert cloud.rgb is not None
    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(cloud.xyz))
    pcd.colors = o3d.utility.Vector3dVector(cloud.rgb / 255.0)
    plain = measure(lambda: pcd.voxel_down_sample(VOXEL), repeat=2)
    lo, hi = pcd.get_min_bound(), pcd.get_max_bound()
    traced = measure(lambda: pcd.voxel_down_sample_and_trace(VOXEL, lo, hi), repeat=2)
    counts = f"{n_ours:,} voxels ours (with the index map), {len(plain.result.points):,} Open3D"
    rows = [
        [*base, "Open3D voxel_down_sample", f"{plain.seconds:.2f} s", f"{ours.seconds:.3f} s"],
        [*base, "Open3D voxel_down_sample_and_trace", f"{traced.seconds:.2f} s"],
    ]
    rows[0] += [ratio(plain.seconds, ours.seconds), counts]
    rows[1] += [
        f"{ours.seconds:.3f} s",
        ratio(traced.seconds, ours.seconds),
        f"{len(traced.result[0].points):,} voxels Open3D, its trace: a list of point lists",
    ]
    return rows


def run_process(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Wall seconds, peak resident bytes and exit code of one command in its own process.

    GNU time measures the peak: a child forked from this process would count this
    process's own pages (held until its exec) in its maximum resident size.
    """
    gnu_time = GNU_TIME
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        started = time.perf_counter()
        code = subprocess.call(
            [gnu_time, "-f", "%M", "-o", report.name, *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        lines = [line for line in Path(report.name).read_text().split() if line.isdigit()]
    return seconds, int(lines[-1]) * 1024, code


GNU_TIME = "/usr/bin/time"


def write_room_text(n: int, folder: Path) -> Path:
    """The independent room as ``x,y,z,r,g,b`` text with 0.1 mm coordinates, like a scanner's."""
    from core.io.text import write_text

    xyz, rgb, _ = make_peer_scene(n)
    path = folder / f"room_{n}.xyz"
    write_text(PointCloud(xyz=np.round(xyz, 4), rgb=rgb), path)
    return path


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))


def whole_process_rows(sizes: list[int]) -> list[list[str]]:
    """Read text, subsample 1.3 cm, write text: CloudCompare's CLI and ``denselabel downsample``."""
    rows = []
    if not Path(GNU_TIME).exists():
        note = "GNU time missing (apt-get install time): whole-process memory not measured"
        return [["read text, subsample, write; whole process", "-", "-", "-", "-", "-", "-", note]]
    cloudcompare = shutil.which("CloudCompare")
    denselabel = str(Path(sys.executable).with_name("denselabel"))
    with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
        folder = Path(tmp)
        for n in sizes:
            source = write_room_text(n, folder)
            out = folder / f"ours_{n}.xyz"
            ours_cmd = [denselabel, "downsample", str(source), "-o", str(out)]
            ours_cmd += ["--method", "voxel-mean", "--voxel-size", str(VOXEL)]
            run_process(ours_cmd)  # once for the page cache and numba's on-disk cache
            t_ours, peak_ours, code = run_process(ours_cmd)
            ours = f"{t_ours:.2f} s {mb(peak_ours)}" + ("" if code == 0 else f" (exit {code})")
            base = ["read text, subsample, write; whole process", "independent room", f"{n:,}"]
            if cloudcompare is None:
                note = "CloudCompare not installed (apt-get install cloudcompare): skipped"
                rows.append([*base, "CloudCompare CLI", "-", ours, "-", note])
                continue
            cc_cmd = [cloudcompare, "-SILENT", "-NO_TIMESTAMP", "-C_EXPORT_FMT", "ASC"]
            cc_cmd += ["-O", str(source), "-SS", "SPATIAL", str(VOXEL)]
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
            t_cc, peak_cc, code_cc = run_process(cc_cmd, env)
            made = sorted(folder.glob(f"room_{n}_SPATIAL_SUBSAMPLED*"))
            n_cc = count_lines(made[0]) if made else 0
            theirs = f"{t_cc:.2f} s {mb(peak_cc)}" + ("" if code_cc == 0 else f" (exit {code_cc})")
            note = (
                f"{count_lines(out):,} points ours (voxel mean), {n_cc:,} CloudCompare (points "
                f"at least 1.3 cm apart); time {ratio(t_cc, t_ours)} faster, "
                f"memory {peak_ours / max(peak_cc, 1):.2f}x CloudCompare's"
            )
            rows.append([*base, "CloudCompare CLI -SS SPATIAL", theirs, ours, "see note", note])
            where = f"MB resident after each step, ours: {memory_stages(source, out)}"
            rows.append([*base[:2], "", "", "", "", "", where])
            for path in made:
                path.unlink()
    return rows


#: Run in a child process: resident memory after each step of ``denselabel downsample``.
STAGES_SCRIPT = """
import sys
def rss(step):
    d = dict(l.split(':', 1) for l in open('/proc/self/status'))
    print(step, int(d['VmRSS'].split()[0]) // 1024, int(d['VmHWM'].split()[0]) // 1024, flush=True)
rss('python')
import numpy as np
rss('numpy')
import numba
rss('numba imported')
from core.io import text_kernel
text_kernel.count_lines(np.zeros(8, np.uint8), 0, 8)
rss('first compiled call (LLVM)')
from core.io import read_cloud, write_cloud
cloud = read_cloud(sys.argv[1])
rss('cloud read')
from core.downsample import voxel_mean
result = voxel_mean(cloud, float(sys.argv[3]))
rss('voxel mean')
del cloud
write_cloud(result.sample, sys.argv[2])
rss('sample written (pyarrow)')
"""


def memory_stages(source: Path, out: Path) -> str:
    """Where the bytes of a whole downsample go: MB resident (and peak) after each step."""
    done = subprocess.run(
        [sys.executable, "-c", STAGES_SCRIPT, str(source), str(out), str(VOXEL)],
        capture_output=True,
        text=True,
        check=False,
    )
    steps = [line.rsplit(" ", 2) for line in done.stdout.splitlines()]
    parts, before = [], 0
    for step, now, peak in steps:
        parts.append(f"{step} +{int(now) - before} ({now}, peak {peak})")
        before = int(now)
    return "; ".join(parts) or f"failed: {done.stderr.strip()[-200:]}"


def real_scan(name: str, labels_name: str) -> PointCloud:
    from core.io import read_cloud
    from core.labels_io import read_labels

    cloud = read_cloud(DATA / name)
    cloud.labels = read_labels(DATA / labels_name, len(cloud))
    return cloud


def warm_up() -> None:
    """Load the compiled numba code once, so no step pays for it."""
    small = make_scene(20_000, seed=1)
    assert small.labels is not None
    down = voxel_mean(small, 0.05)
    transfer_labels_knn(
        down.sample.xyz, perfect_labels(small.labels, down.index_map, len(down.sample)), small.xyz
    )


def run(sizes: tuple[int, ...] | list[int] = DEFAULT_SIZES, only: str | None = None) -> str:
    """Every peer at every size (or only the `only` rows: "knn"); a markdown table."""
    from core.cli.downsample import voxel_size_for_target

    sizes = [int(n) for n in sizes]
    warm_up()
    started = time.perf_counter()
    load = os.getloadavg()[0]
    rows: list[list[str]] = []
    for n in sizes:
        xyz, rgb, labels = make_peer_scene(n)
        room = PointCloud(xyz=xyz, rgb=rgb, labels=labels)
        if only is None:
            rows += voxel_rows("independent room", room)
        rows.append(knn_row("independent room", room, VOXEL))
        del room, xyz, rgb, labels
        rows.append(knn_row("bundled scene", make_scene(n, seed=0), VOXEL))
        print("\n".join(" | ".join(r) for r in rows[-4 if only is None else -2 :]), flush=True)
    for name, labels_name in SCANS:
        if not (DATA / name).exists():
            rows.append(["KNN k=3 carry-back", name, "-", "-", "-", "-", "-", "scan missing"])
            continue
        scan = real_scan(name, labels_name)
        voxel = voxel_size_for_target(scan.xyz, len(scan) // 4)
        rows.append(knn_row(f"real scan {name}", scan, voxel))
        print(" | ".join(rows[-1]), flush=True)
    if only is None:
        rows += whole_process_rows(sizes)
    title = (
        f"Peers: Open3D, scipy, CloudCompare, {os.cpu_count()} cores, load {load:.1f} at the "
        f"start and {os.getloadavg()[0]:.1f} at the end, "
        f"total {time.perf_counter() - started:.0f} s"
    )
    return f"### {title}\n\n" + markdown_table(HEADER, rows)


def main(argv: list[str] | None = None) -> int:
    """``--sizes N [N ...]`` as every benchmark, and ``--only knn``."""
    import argparse

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=list(DEFAULT_SIZES))
    parser.add_argument("--only", choices=("knn",), help="only the KNN carry-back rows")
    args = parser.parse_args(argv)
    print(run([int(size) for size in args.sizes], args.only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
