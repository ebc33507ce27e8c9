"""The streaming path of ``denselabel downsample`` and ``upsample`` for LAS/LAZ files.

A LAS/LAZ input takes it with ``--stream``, or on its own when the in-memory path
would need more than the memory budget (``--memory-budget GB``, else the
``DENSELABEL_MEMORY_BUDGET`` environment variable, else 40% of the machine's memory).
The commands keep their options and their summary line; what streaming cannot do
(``--rotate``, ``--target``, methods other than voxel-mean / voxel / knn) is refused
with one sentence before any work.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from core.cli.console import Console
from core.cloud import PointCloud, in_frame_of
from core.errors import InputError

#: Bytes a point costs the in-memory voxel path (xyz, colour, keys, sort buffers, map).
BYTES_PER_POINT = 64
STREAM_SUFFIXES = (".las", ".laz")


def add_stream_arguments(parser: argparse.ArgumentParser) -> None:
    """``--stream`` and ``--memory-budget GB`` for a command that can stream LAS/LAZ."""
    parser.add_argument(
        "--stream",
        action="store_true",
        help="LAS/LAZ: read and write chunk by chunk, with the index map on disk "
        "(taken by itself when the file would not fit in --memory-budget)",
    )
    parser.add_argument(
        "--memory-budget",
        type=float,
        metavar="GB",
        help="memory the in-memory path may use before streaming (default 40%% of RAM)",
    )


def memory_budget(args: argparse.Namespace) -> float:
    """Bytes the in-memory path may use."""
    given = getattr(args, "memory_budget", None) or os.environ.get("DENSELABEL_MEMORY_BUDGET")
    if given:
        try:
            return float(given) * 1e9
        except ValueError:
            raise InputError(
                f"DENSELABEL_MEMORY_BUDGET must be a number of gigabytes, got {given!r}."
            ) from None
    return 0.4 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def stream_wanted(args: argparse.Namespace) -> bool:
    """True when this command should take the streaming path for ``args.file``."""
    from core.io import format_suffix, peek_point_count

    is_las = format_suffix(args.file) in STREAM_SUFFIXES
    if getattr(args, "stream", False):
        if not is_las:
            raise InputError("--stream reads LAS/LAZ files; convert the cloud to .laz.", args.file)
        return True
    if not is_las:
        return False
    n = peek_point_count(args.file) or 0
    return n * BYTES_PER_POINT > memory_budget(args)


def run_downsample(args: argparse.Namespace) -> int:
    """``denselabel downsample`` streamed: voxel mean on the global grid, map to disk."""
    from core.io import write_cloud
    from core.stream.downsample import stream_voxel_mean

    if args.method != "voxel-mean" or args.voxel_size is None:
        raise InputError("a streamed downsample uses --method voxel-mean with --voxel-size.")
    _refuse_rotation(args)
    console: Console = args.console
    with console.step(f"downsampling {Path(args.file).name} chunk by chunk") as progress:
        result = stream_voxel_mean(
            args.file, args.voxel_size, args.map, progress=progress, cancel=console.cancel
        )
    with console.step(f"writing {Path(args.output).name}") as progress:
        write_cloud(result.sample, args.output, progress=progress, cancel=console.cancel)
    n_full, n_sample = result.n_full, len(result.sample)
    share = f"{100 * n_sample / max(n_full, 1):.2f}%, voxel size {args.voxel_size:.4g} m"
    where = f"written to {args.output}" + (f"; index map in {args.map}" if args.map else "")
    print(f"{n_full:,} points -> {n_sample:,} ({share}, streamed), {where}")
    return 0


def run_upsample(args: argparse.Namespace) -> int:
    """``denselabel upsample`` streamed: labels through the on-disk map (or knn), chunk by chunk."""
    from core.labels_import import read_sample_labels
    from core.stream.chunks import las_info
    from core.stream.upsample import map_rows, open_index_map, stream_carry_back

    _refuse_rotation(args)
    console: Console = args.console
    info = las_info(args.file)
    index_map = open_index_map(args.map, info.n_points) if args.map else None
    sample = None
    if args.method == "knn":
        if args.sample is None:
            raise InputError("a streamed knn carry-back needs --sample SAMPLE.")
        sample = _sample_in_frame(console, args.sample, info.offset)
    n_sample = len(sample) if sample is not None else map_rows(index_map)  # type: ignore[arg-type]
    labels_sample = read_sample_labels(args.labels, n_sample).labels
    with console.step(f"carrying labels back chunk by chunk ({args.method})") as progress:
        n, n_unlabeled = stream_carry_back(
            args.file, labels_sample, method=args.method, index_map=index_map, sample=sample,
            labels_output=args.output, cloud_output=args.cloud_output, k=args.k,
            weights=args.weights, max_distance=args.max_distance,
            progress=progress, cancel=console.cancel,
        )  # fmt: skip
    print(
        f"{n:,} labels written to {args.output} ({args.method}, streamed); "
        f"{n_unlabeled:,} unlabeled"
    )
    return 0


def _sample_in_frame(console: Console, path: str, offset: np.ndarray) -> PointCloud:
    from core.cli.common import read_cloud_step

    frame = PointCloud(xyz=np.zeros((0, 3)), offset=offset)
    return in_frame_of(read_cloud_step(console, path), frame)


def _refuse_rotation(args: argparse.Namespace) -> None:
    if getattr(args, "rotate", None):
        raise InputError(
            "a streamed step cannot rotate; drop --rotate, or add --memory-budget to hold it."
        )


__all__ = ["add_stream_arguments", "run_downsample", "run_upsample", "stream_wanted"]
