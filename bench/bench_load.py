"""Loading x,y,z,r,g,b text: the notebook's ``np.loadtxt`` against our reader.

Run serialized with the other benchmarks::

    flock /tmp/team/bench.lock .venv/bin/python -m bench.bench_load --sizes 1e6 5e6 20e6

Synthetic scenes are written once to /tmp like the real files (4 decimals, comma
separated, e.g. ``9.8600,24.4600,163.3600,25,32,49``) and reused by later runs.
"""

from __future__ import annotations

import argparse
import os
from functools import partial
from pathlib import Path

import numba
import numpy as np

from bench.common import markdown_table, mb, measure
from core.io import read_cloud

SCRATCH = Path("/tmp")
DEFAULT_SIZES = (1_000_000, 5_000_000, 20_000_000)


@numba.njit(cache=True)
def _format_lines(xyz, rgb, out):  # pragma: no cover - compiled
    """Write ``x,y,z,r,g,b\\n`` lines (4 decimals) into `out`; return bytes used."""
    o = 0
    for row in range(xyz.shape[0]):
        for axis in range(3):
            value = int(round(xyz[row, axis] * 10000.0))
            if value < 0:
                out[o] = 45
                o += 1
                value = -value
            whole, frac = value // 10000, value % 10000
            digits = np.empty(20, np.uint8)
            n = 0
            while True:
                digits[n] = 48 + whole % 10
                whole //= 10
                n += 1
                if whole == 0:
                    break
            for k in range(n - 1, -1, -1):
                out[o] = digits[k]
                o += 1
            out[o] = 46
            for k in range(4):
                out[o + 4 - k] = 48 + frac % 10
                frac //= 10
            o += 5
            out[o] = 44
            o += 1
        for channel in range(3):
            value = int(rgb[row, channel])
            if value >= 100:
                out[o] = 48 + value // 100
                o += 1
            if value >= 10:
                out[o] = 48 + (value // 10) % 10
                o += 1
            out[o] = 48 + value % 10
            o += 1
            out[o] = 44 if channel < 2 else 10
            o += 1
    return o


def scene_text(n_points: int) -> Path:
    """The synthetic scene of `n_points` as text in /tmp (written on first use)."""
    path = SCRATCH / f"denselabel_bench_{n_points}.xyz"
    if path.exists():
        return path
    from core.scene import make_scene

    cloud = make_scene(n_points, seed=0)
    assert cloud.rgb is not None
    tmp = path.with_suffix(".part")
    with tmp.open("wb") as handle:
        for start in range(0, n_points, 1_000_000):
            rows = slice(start, min(start + 1_000_000, n_points))
            out = np.empty((rows.stop - rows.start) * 64, np.uint8)
            used = _format_lines(cloud.xyz[rows] + cloud.offset, cloud.rgb[rows], out)
            handle.write(out[:used].tobytes())
    tmp.replace(path)
    return path


def run(sizes: tuple[int, ...] | list[int] = DEFAULT_SIZES) -> str:
    """Time both loaders on each size; return a markdown table."""
    read_cloud(scene_text(1000))  # compile/load the parser once, as an app start does
    load = os.getloadavg()[0]
    rows = []
    for n_points in sizes:
        path = scene_text(int(n_points))
        # Best of three runs each: the first touch of fresh memory on this VM costs up to
        # 1 s per GB, and whichever step ran first in the process would pay it alone.
        notebook = measure(partial(np.loadtxt, path, delimiter=","), repeat=3)
        assert notebook.result.shape == (n_points, 6)
        del notebook.result
        ours = measure(partial(read_cloud, path), repeat=3)
        assert len(ours.result) == n_points
        del ours.result
        rows.append(
            [
                f"{int(n_points) / 1e6:g}M",
                f"{path.stat().st_size / 2**20:,.0f} MB",
                f"{notebook.seconds:.2f}",
                f"{ours.seconds:.3f}",
                f"{notebook.seconds / ours.seconds:.1f}x",
                f"{ours.seconds / int(n_points) * 1e9:.0f}",
                mb(notebook.peak_bytes),
                mb(ours.peak_bytes),
            ]
        )
    header = ["points", "file", "loadtxt s", "ours s", "ratio", "ours ns/line"]
    header += ["loadtxt peak", "ours peak"]
    title = f"Text load, {os.cpu_count()} cores, load average {load:.1f} at the start, "
    title += f"{os.getloadavg()[0]:.1f} at the end"
    return f"### {title}\n\n" + markdown_table(header, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=list(DEFAULT_SIZES))
    args = parser.parse_args(argv)
    print(run([int(s) for s in args.sizes]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
