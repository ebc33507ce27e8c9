"""What every subcommand shares: argument types, file checks, reading with progress.

The progress display and Ctrl-C handling live in `core.cli.console`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
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


#: The smallest size in metres a command accepts: finer grids overflow the voxel keys.
SMALLEST_SIZE = 1e-6


def finite_float(text: str) -> float:
    """An argparse type: a finite number (an angle in degrees, a coordinate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite size in metres, at least `SMALLEST_SIZE`."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    if value < SMALLEST_SIZE:
        raise argparse.ArgumentTypeError(
            f"{text!r} is below {SMALLEST_SIZE:g} m, finer than any scanner; give a larger size"
        )
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


def seed_int(text: str) -> int:
    """An argparse type: a random seed, a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {text!r}")
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
        type=finite_float,
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
    if not str(path):
        raise InputError(f"the {what} name is empty; give the path of a file.")
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
    from core.atomic import atomic_path
    from core.index_map import save_map

    with atomic_path(path) as tmp:
        save_map(tmp, index_map)


def read_index_map(path: str | Path, n_full: int) -> np.ndarray:
    """Load an index map saved by ``denselabel downsample --map`` and check it fits the cloud.

    Returns
    -------
    (n_full,) int64
        Row of the sample point standing for each full point.
    """
    from core.index_map import load_index_map

    return load_index_map(path, n_full)


def write_labels_outputs(
    console: Console,
    labels_path: str | Path,
    labels: np.ndarray,
    cloud_path: str | Path | None = None,
    cloud: PointCloud | None = None,
    inputs: Sequence[str | Path | None] = (),
) -> None:
    """Write the labels and, if asked, the labeled cloud: both new files or neither.

    Every output is checked before any is written; a failure in the second (labels
    beyond what LAS holds) or Ctrl-C leaves the old files as they were.
    """
    from core.atomic import atomic_outputs
    from core.io import write_cloud
    from core.labels_io import write_labels

    outputs = [labels_path] + ([cloud_path] if cloud_path is not None else [])
    with atomic_outputs(outputs, inputs) as temps:
        with console.step(f"writing {Path(labels_path).name}"):
            write_labels(temps[0], labels)
        if cloud_path is not None and cloud is not None:
            with console.step(f"writing {Path(cloud_path).name}") as progress:
                write_cloud(
                    cloud, temps[1], labels=labels, progress=progress, cancel=console.cancel
                )
