"""Saving and opening a project against plain ``np.savez``/``np.load`` of the same arrays.

A 20M-point room (core.scene), voxel-nearest sample at 2 cm, sample labels, full labels,
label origins and known labels; the source cloud is referred to, not included, unless
the row says so. Ours writes through a temporary file with an fsync before the rename
(a power cut keeps one whole file); ``np.savez`` does neither. "snapshot" is what the
window does on the UI thread before an autosave (gui/project_io.snapshot). Run::

    flock /tmp/team/bench.lock .venv/bin/python -m bench.bench_project --sizes 20e6
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import main_with_sizes, markdown_table, mb, measure
from core.downsample import downsample
from core.project import ORIGIN_CARRIED, Project
from core.project_file import load_project, save_project
from core.scene import make_scene

DEFAULT_SIZES = (20_000_000,)
HEADER = ["step", "points", "np.savez/np.load", "peak", "ours", "ours peak", "ratio", "file"]


def make_project(n: int, include_cloud: bool) -> Project:
    cloud = make_scene(n, seed=0)
    down = downsample(cloud, "voxel-nearest", voxel_size=0.02)
    labels_sample = down.sample.labels
    assert labels_sample is not None
    labels_full = labels_sample[down.index_map]
    return Project(
        source_path="room.ply",
        n_points=n,
        sample=down.sample,
        index_map=down.index_map,
        labels_sample=labels_sample,
        labels_full=labels_full,
        label_origin=np.full(n, ORIGIN_CARRIED, np.uint8),
        truth_full=cloud.labels,
        cloud=cloud if include_cloud else None,
    )


def plain_arrays(project: Project) -> dict[str, np.ndarray]:
    arrays = {
        "index_map": project.index_map,
        "labels_sample": project.labels_sample,
        "labels_full": project.labels_full,
        "label_origin": project.label_origin,
        "truth_full": project.truth_full,
    }
    for prefix, cloud in (("sample", project.sample), ("cloud", project.cloud)):
        if cloud is not None:
            arrays[f"{prefix}_xyz"] = cloud.xyz
            arrays[f"{prefix}_rgb"] = cloud.rgb
    return {k: v for k, v in arrays.items() if v is not None}


def bench_one(n: int, include_cloud: bool, folder: Path) -> list[list[str]]:
    project = make_project(n, include_cloud)
    ours, theirs = folder / "room.dlproj", folder / "room.npz"
    arrays = plain_arrays(project)
    ref_save = measure(lambda: np.savez(theirs, **arrays), repeat=2)  # type: ignore[arg-type]
    our_save = measure(lambda: save_project(ours, project), repeat=2)
    ref_open = measure(lambda: dict(np.load(theirs)), repeat=2)
    our_open = measure(lambda: load_project(ours), repeat=2)
    what = " (cloud included)" if include_cloud else ""
    sample = f"{len(project.sample):,}-point sample" if project.sample is not None else ""
    rows = []
    for step, ref, mine in (("save", ref_save, our_save), ("open", ref_open, our_open)):
        rows.append([
            f"{step}{what}, {sample}", f"{n:,}", f"{ref.seconds:.2f} s", mb(ref.peak_bytes),
            f"{mine.seconds:.2f} s", mb(mine.peak_bytes), f"{mine.seconds / ref.seconds:.2f}x",
            f"{mb(os.path.getsize(ours))} (npz {mb(os.path.getsize(theirs))})",
        ])  # fmt: skip
    if not include_cloud:
        rows.append(bench_snapshot(project, n))
    return rows


def bench_snapshot(project: Project, n: int) -> list[str]:
    """The UI thread's part of an autosave: the session as a project, arrays by reference."""
    from core.cloud import PointCloud
    from gui.project_io import Extras, snapshot
    from gui.session import SessionState

    full = PointCloud(xyz=np.zeros((n, 3)))
    state = SessionState(
        cloud=full, path="room.ply", sample=project.sample, index_map=project.index_map,
        labels_sample=project.labels_sample, labels_full=project.labels_full,
        truth_full=project.truth_full,
    )  # fmt: skip
    # What Recovery.autosave does before handing over to the worker: the snapshot and the
    # summary shown by the restore question.
    taken = measure(
        lambda: snapshot(state, Extras(), None, include_cloud=False).summary(), repeat=3
    )
    return [
        "snapshot on the UI thread (autosave)", f"{n:,}", "", "",
        f"{1000 * taken.seconds:.0f} ms", mb(taken.peak_bytes), "", "",
    ]  # fmt: skip


def run(sizes: tuple[int, ...] | list[int] = DEFAULT_SIZES) -> str:
    started = time.perf_counter()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("DENSELABEL_BENCH_TMP")) as folder:
        for n in sizes:
            for include_cloud in (False, True):
                rows += bench_one(int(n), include_cloud, Path(folder))
                for row in rows[-3 if not include_cloud else -2 :]:
                    print(" | ".join(row), flush=True)
    title = (
        f"Projects: save and open, synthetic room, {os.cpu_count()} cores, "
        f"total {time.perf_counter() - started:.0f} s"
    )
    return f"### {title}\n\n" + markdown_table(HEADER, rows)


def main(argv: list[str] | None = None) -> int:
    return main_with_sizes(run, __doc__, DEFAULT_SIZES, argv)


if __name__ == "__main__":
    raise SystemExit(main())
