"""Scale: a generated LAZ of 20M (and, opt-in, 200M) points end to end, and tiles on Dask.

End to end is what a user runs on a file too big to hold: ``denselabel downsample
--stream`` at 5 cm (index map to disk), then ``denselabel upsample --stream --method
voxel`` writing the labels (.npy) and the labeled LAZ, chunk by chunk. Each command runs
in its own process, so its peak memory is the kernel's maximum resident set size of
that process (``wait4``), everything included. At 20M the in-memory commands run too,
as the reference. The tiles case runs ``denselabel batch`` downsample + upsample over 16
LAZ tiles with 1 and then 2 Dask worker processes.

The 200M case takes about a quarter of an hour and 3 GB of disk: it runs only with
``DENSELABEL_BENCH_200M=1`` (or ``python -m bench.bench_scale --points 200M``).
Clouds are made with the scene generator (`core.scene.make_scene`), a chunk at a time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import laspy
import numpy as np

from bench.common import markdown_table
from core.io import peek_point_count
from core.scene import make_scene

VOXEL = "0.05"
#: Points generated and compressed per step when writing a big LAZ.
GENERATE_CHUNK = 5_000_000


def write_scene_laz(path: Path, n_points: int, *, seed: int = 0, shift=(0.0, 0.0, 0.0)) -> float:
    """A LAZ of `n_points` scene points (rooms drawn `GENERATE_CHUNK` at a time); seconds."""
    start = time.perf_counter()
    header = laspy.LasHeader(point_format=7, version="1.4")
    header.scales = np.full(3, 1e-4)
    # Off the 5 cm grid: the room's walls and floor lie on whole metres, and a plane exactly
    # on a voxel border splits into two layers of voxels (any grid anchor has such planes).
    header.offsets = np.array([500_000.013, 4_000_000.027, 0.019]) + np.asarray(shift)
    with laspy.open(path, mode="w", header=header, laz_backend=laspy.LazBackend.LazrsParallel) as w:
        for part, begin in enumerate(range(0, n_points, GENERATE_CHUNK)):
            cloud = make_scene(min(GENERATE_CHUNK, n_points - begin), seed=seed * 1000 + part)
            points = laspy.ScaleAwarePointRecord.zeros(len(cloud), header=header)
            xyz = cloud.xyz + header.offsets
            points.x, points.y, points.z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
            assert cloud.rgb is not None and cloud.labels is not None
            rgb = cloud.rgb.astype(np.uint16) * 257
            points.red, points.green, points.blue = rgb[:, 0], rgb[:, 1], rgb[:, 2]
            points.classification = cloud.labels
            w.write_points(points)
    return time.perf_counter() - start


def run_command(argv: list[str]) -> tuple[float, int]:
    """Seconds and peak resident bytes of ``denselabel ARGV`` in a new process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "-q", *argv], stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"denselabel {' '.join(argv)} failed ({process.returncode})")
    return time.perf_counter() - start, usage.ru_maxrss * 1024


def end_to_end(folder: Path, n_points: int, stream: bool = True) -> list[str]:
    """One table row: downsample at 5 cm + carry back through the map, streamed or not."""
    laz = folder / f"scene{n_points}.laz"
    if not laz.exists():
        write_scene_laz(laz, n_points)
    way = ["--stream"] if stream else ["--memory-budget", "1000"]
    sample, index_map = folder / "sample.ply", folder / "map.npy"
    down = ["downsample", str(laz), "-o", str(sample), "--method", "voxel-mean"]
    t_down, m_down = run_command([*down, "--voxel-size", VOXEL, "--map", str(index_map), *way])
    n_sample = int(peek_point_count(sample) or 0)
    np.save(folder / "labels.npy", (np.arange(n_sample) % 5).astype(np.uint8))
    up = ["upsample", str(laz), "--labels", str(folder / "labels.npy"), "--map", str(index_map)]
    up += ["--method", "voxel", "-o", str(folder / "full.npy")]
    up += ["--cloud-output", str(folder / "labeled.laz"), *way]
    t_up, m_up = run_command(up)
    total = t_down + t_up
    return [
        f"{n_points / 1e6:,.0f}M",
        "streamed" if stream else "in memory",
        f"{n_sample:,}",
        f"{t_down:.1f} s",
        f"{t_up:.1f} s",
        f"{total:.1f} s",
        f"{n_points / total / 1e6:.2f} M/s",
        f"{max(m_down, m_up) / 2**30:.2f} GB",
    ]


def tiles_on_dask(folder: Path, n_tiles: int, tile_points: int) -> list[list[str]]:
    """Rows for 1 and 2 workers: batch downsample + upsample over `n_tiles` LAZ tiles."""
    tiles = folder / "tiles"
    tiles.mkdir(exist_ok=True)
    side = int(np.ceil(np.sqrt(n_tiles)))
    for i in range(n_tiles):
        path = tiles / f"tile{i:02d}.laz"
        if not path.exists():
            write_scene_laz(
                path, tile_points, seed=i, shift=(6.5 * (i % side), 5.5 * (i // side), 0)
            )
    rows, times = [], {}
    for workers in (1, 2):
        out = folder / f"out{workers}"
        out.mkdir(exist_ok=True)
        common = ["--workers", str(workers), "--state", str(out / "state.json")]
        down = ["batch", "downsample", str(tiles), *common, "--", "--method", "voxel-mean"]
        down += ["--voxel-size", VOXEL, "-o", f"{out}/{{stem}}.ply", "--map", f"{out}/{{stem}}.npy"]
        t_down, _ = run_command(down)
        for i in range(n_tiles):
            n_sample = int(np.load(out / f"tile{i:02d}.npy", mmap_mode="r").max()) + 1
            np.save(out / f"tile{i:02d}.labels.npy", (np.arange(n_sample) % 5).astype(np.uint8))
        common[-1] = str(out / "state-up.json")
        up = ["batch", "upsample", str(tiles), *common, "--", "--method", "voxel"]
        up += ["--labels", f"{out}/{{stem}}.labels.npy", "--map", f"{out}/{{stem}}.npy"]
        up += ["-o", f"{out}/{{stem}}.full.npy"]
        t_up, _ = run_command(up)
        times[workers] = t_down + t_up
        rows.append(
            [f"{n_tiles} x {tile_points / 1e6:g}M", str(workers), f"{t_down:.1f} s",
             f"{t_up:.1f} s", f"{times[workers]:.1f} s", f"{times[1] / times[workers]:.2f}x"]
        )  # fmt: skip
    return rows


def run(points: list[int] | None = None, tiles: tuple[int, int] | None = (16, 5_000_000)) -> str:
    """The tables (markdown); `points` default 20M, plus 200M with DENSELABEL_BENCH_200M=1."""
    if points is None:
        points = [20_000_000] + ([200_000_000] if os.environ.get("DENSELABEL_BENCH_200M") else [])
    header = ["points", "way", "sample", "downsample", "carry back + write", "total", "rate",
              "peak RSS"]  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="denselabel-scale-") as scratch:
        for n in points:
            folder = Path(scratch) / f"n{n}"
            folder.mkdir()
            rows.append(end_to_end(folder, n, stream=True))
            if n <= 20_000_000:
                rows.append(end_to_end(folder, n, stream=False))
            print(markdown_table(header, rows[-1:]), flush=True)
            for old in folder.iterdir():
                if old.is_file():
                    old.unlink()  # 200M: free the disk before the next case
        text = "Scale, end to end at 5 cm (each command its own process)\n\n"
        text += markdown_table(header, rows)
        if tiles is not None:
            tile_rows = tiles_on_dask(Path(scratch), *tiles)
            tile_header = ["tiles", "workers", "batch downsample", "batch upsample", "total",
                           "speed-up"]  # fmt: skip
            text += "\n\nTiles on a local Dask cluster\n\n" + markdown_table(tile_header, tile_rows)
    return text


def _count(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * scale)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", default="20M", help="comma-separated sizes, e.g. 20M,200M")
    parser.add_argument("--tiles", default="16x5M", help="N x points a tile, or 'none'")
    options = parser.parse_args()
    sizes = [_count(p) for p in options.points.split(",") if p]
    tile_case = None
    if options.tiles != "none":
        count, size = options.tiles.lower().split("x")
        tile_case = (int(count), _count(size))
    print(run(sizes, tile_case))
