"""What every subcommand shares: argument types, file checks, reading with progress.

The progress display and Ctrl-C handling live in `core.cli.console`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from core.cli.console import Console
from core.cloud import PointCloud
from core.errors import InputError

PROG = "denselabel"


class UsageError(Exception):
    """A command-line mistake (unknown option, bad value); reported like bad input."""


class Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of exiting, so `main` returns an exit code."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message}; see '{self.prog} --help'.")


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0 (a size in metres)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1 (a point count, k)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def add_command(subparsers, name: str, summary: str, description: str = "") -> Parser:
    """Add a subcommand parser; it also accepts ``-q/--quiet`` after the command name."""
    parser = subparsers.add_parser(name, help=summary, description=description or summary)
    # SUPPRESS keeps the top-level value when the flag is not repeated here.
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no progress or step times on stderr",
    )
    return parser


def add_rotate_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--rotate Z Y X`` and ``--about origin|centroid``."""
    parser.add_argument(
        "--rotate",
        nargs=3,
        type=float,
        metavar=("Z", "Y", "X"),
        help="rotate by Euler angles in degrees (z, then y, then x) before the work",
    )
    parser.add_argument(
        "--about",
        choices=("origin", "centroid"),
        default="origin",
        help="centre of the rotation (default: origin, as the notebook does)",
    )


def require_file(path: str | Path, what: str = "file") -> Path:
    """The path, or an `InputError` saying it does not exist."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"the {what} does not exist; check the path.", path)
    if path.is_dir():
        raise InputError(f"the {what} is a folder, not a file; give a file.", path)
    return path


def read_cloud_step(console: Console, path: str | Path) -> PointCloud:
    """Read a point cloud with a progress step."""
    from core.io import read_cloud

    path = require_file(path, "point cloud file")
    with console.step(f"reading {path.name}") as progress:
        return read_cloud(path, progress=progress, cancel=console.cancel)


def rotated(console: Console, cloud: PointCloud, angles, about: str) -> PointCloud:
    """`cloud` rotated by ``angles = (z, y, x)`` degrees, or `cloud` itself without angles."""
    if not angles:
        return cloud
    from core.rotate import rotate

    z, y, x = angles
    with console.step(f"rotating by z={z:g} y={y:g} x={x:g} degrees"):
        return cloud.with_xyz(rotate(cloud.xyz, z, y, x, about=about))


def write_index_map(path: str | Path, index_map: np.ndarray) -> None:
    """Save the index map as ``.npy`` int32 (one entry per full point), atomically."""
    from core.atomic import atomic_write

    with atomic_write(path, "wb") as handle:
        np.save(handle, np.asarray(index_map, dtype=np.int32))


def read_index_map(path: str | Path, n_full: int) -> np.ndarray:
    """Load an index map saved by ``denselabel downsample --map`` and check it fits the cloud.

    Returns
    -------
    (n_full,) int64
        Row of the sample point standing for each full point.
    """
    path = require_file(path, "index map")
    try:
        index_map = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot read the index map as .npy ({exc}); give the file written by --map.", path
        ) from exc
    if index_map.ndim != 1 or not np.issubdtype(index_map.dtype, np.integer):
        raise InputError(
            f"the index map must be a 1-D integer array, found {index_map.dtype} "
            f"{index_map.shape}; give the file written by --map.",
            path,
        )
    if len(index_map) != n_full:
        raise InputError(
            f"the index map has {len(index_map):,} entries but the cloud has {n_full:,} "
            "points; use the map written when this cloud was downsampled.",
            path,
        )
    if len(index_map) and index_map.min() < 0:
        raise InputError("the index map holds negative rows; give the file written by --map.", path)
    return index_map.astype(np.int64, copy=False)
