"""``denselabel downsample``: a smaller cloud to label, and the index map to carry labels back."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from core.atomic import refuse_overwriting_inputs
from core.cli.common import (
    add_command,
    add_rotate_arguments,
    positive_float,
    positive_int,
    read_cloud_step,
    require_file,
    rotated,
    seed_int,
)
from core.errors import InputError
from core.methods import METHODS, VOXEL_METHODS  # not core.downsample: scipy+numba, slow start
from core.progress import CancelFn, ProgressFn, check_cancel, report
from core.stream.cli import add_stream_arguments, stream_wanted
from core.stream.cli import run_downsample as run_downsample_streamed

#: Bisection steps when choosing a voxel size for --target: 1e-5 relative precision.
STEPS_FOR_TARGET = 40


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "downsample",
        "write a downsampled cloud (and its index map) for labeling",
        "Downsample FILE and write the sample to OUT (format from OUT's extension: .xyz "
        ".txt .csv, .ply, .las .laz, .npy). With --map, also write the index map: a .npy "
        "int32 array with one entry per point of FILE, the row of the sample point that "
        "stands for it; 'denselabel upsample --method voxel' uses it to carry labels back "
        "exactly. If you rotate here, give the same --rotate to 'denselabel upsample'.",
    )
    parser.add_argument("file", metavar="FILE", help="the full point cloud")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="the sample to write")
    parser.add_argument("--method", required=True, choices=METHODS, help="how to downsample")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument(
        "--voxel-size", type=positive_float, metavar="METRES", help="voxel edge (voxel methods)"
    )
    size.add_argument(
        "--target",
        type=positive_int,
        metavar="N",
        help="points to keep (stride, random); with a voxel method, the voxel size is "
        "chosen to give about N points",
    )
    add_rotate_arguments(parser)
    parser.add_argument("--seed", type=seed_int, default=0, help="random seed (method random)")
    parser.add_argument("--map", metavar="MAP.npy", help="also write the index map here")
    add_stream_arguments(parser)
    parser.set_defaults(func=run)


def check_arguments(args: argparse.Namespace) -> None:
    """One sentence for each inconsistent combination, before any slow work."""
    if args.method not in VOXEL_METHODS and args.target is None:
        raise InputError(f"--method {args.method} needs --target N, not --voxel-size.")
    if args.map is not None and Path(args.map).suffix.lower() != ".npy":
        raise InputError("the index map is saved as .npy; give --map a name ending in .npy.")
    require_file(args.file, "point cloud file")
    refuse_overwriting_inputs(args.output, [args.file])
    if args.map is not None:
        from core.atomic import check_outputs
        from core.index_map import check_record_free, record_path

        check_outputs([args.output, args.map, record_path(args.map)], [args.file])
        check_record_free(args.map)
    _check_output_extension(args.output)


def _check_output_extension(output: str) -> None:
    from core.io import WRITE_EXTENSIONS

    suffix = Path(output).suffix.lower()
    if suffix not in WRITE_EXTENSIONS:
        raise InputError(
            f"cannot write {suffix or 'a file without extension'}; end the output name with "
            f"one of {' '.join(sorted(WRITE_EXTENSIONS))}.",
            output,
        )


def voxel_size_for_target(
    xyz: np.ndarray,
    target: int,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> float:
    """The voxel size whose occupied voxels number about `target` (within 2%).

    Geometric bisection between a voxel holding the whole cloud and one far finer than
    the point spacing; the count falls as the voxel grows (up to grid-alignment jitter).

    Parameters
    ----------
    xyz : (N, 3) float64
    target : int
        Wanted sample size, 1 <= target < N.
    """
    from core.downsample import count_voxels

    if target >= len(xyz):
        raise InputError(
            f"--target {target:,} is not below the {len(xyz):,} points of the cloud; "
            "give a smaller target."
        )
    extent = float(np.ptp(xyz, axis=0).max()) if len(xyz) else 0.0
    if extent == 0.0:
        raise InputError("all points sit at one position; there is nothing to voxelise.")
    large, small = extent * 1.01, extent / (4 * len(xyz))  # 1 voxel ... 1 point per voxel
    for step in range(STEPS_FOR_TARGET):
        check_cancel(cancel)
        report(progress, step / STEPS_FOR_TARGET, "counting voxels")
        middle = float(np.sqrt(large * small))
        count = count_voxels(xyz, middle)
        if abs(count - target) <= 0.02 * target:
            return middle
        large, small = (large, middle) if count > target else (middle, small)
    return float(np.sqrt(large * small))


def write_sample_and_map(console, args: argparse.Namespace, result) -> None:
    """The sample, its index map and the map's record: all three new files or none."""
    from core.atomic import atomic_outputs
    from core.index_map import make_record, record_path, save_map, save_record
    from core.io import read_cloud, write_cloud

    outputs = [args.output]
    if args.map is not None:
        outputs += [args.map, record_path(args.map)]
    with atomic_outputs(outputs, [args.file]) as temps:
        with console.step(f"writing {Path(args.output).name}") as progress:
            # A sample of kept points (voxel-nearest, stride, random) keeps their labels too.
            write_cloud(
                result.sample,
                temps[0],
                labels=result.sample.labels,
                progress=progress,
                cancel=console.cancel,
            )
        if args.map is not None:
            with console.step(f"writing {Path(args.map).name}"):
                save_map(temps[1], result.index_map)
                # The sample as a reader will see it (text and LAS round their coordinates).
                save_record(temps[2], make_record(result.index_map, read_cloud(temps[0])))


def run(args: argparse.Namespace) -> int:
    from core.downsample import downsample

    check_arguments(args)
    if stream_wanted(args):  # a LAS/LAZ too big to hold, or --stream
        return run_downsample_streamed(args)
    console = args.console
    cloud = read_cloud_step(console, args.file)
    cloud = rotated(console, cloud, args.rotate, args.about)
    if args.method in VOXEL_METHODS and args.voxel_size is None:
        with console.step(f"choosing a voxel size for about {args.target:,} points") as progress:
            args.voxel_size = voxel_size_for_target(
                cloud.xyz, args.target, progress=progress, cancel=console.cancel
            )
    with console.step(f"downsampling ({args.method})") as progress:
        result = downsample(
            cloud,
            args.method,
            voxel_size=args.voxel_size,
            target=args.target,
            seed=args.seed,
            progress=progress,
            cancel=console.cancel,
        )
    n_full = len(cloud)
    del cloud  # not needed for writing the sample: its memory goes back first
    write_sample_and_map(console, args, result)
    n_sample = len(result.sample)
    share = f"{100 * n_sample / max(n_full, 1):.2f}%"
    if args.voxel_size:
        share += f", voxel size {args.voxel_size:.4g} m"
    where = f"written to {args.output}" + (f"; index map in {args.map}" if args.map else "")
    print(f"{n_full:,} points -> {n_sample:,} ({share}), {where}")
    return 0
