"""``denselabel upsample``: carry the sample's labels back to every point of the full cloud."""

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
    read_index_map,
    require_file,
    rotated,
    write_labels_outputs,
)
from core.cli.console import Console
from core.cloud import UNLABELED, PointCloud, in_frame_of
from core.errors import InputError
from core.stream.cli import add_stream_arguments, stream_wanted
from core.stream.cli import run_upsample as run_upsample_streamed

METHODS = ("voxel", "knn", "auto")


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "upsample",
        "carry the sample's labels back to every point of the full cloud",
        "Give every point of FILE a label from SAMPLE_LABELS (the labels of the downsampled "
        f"cloud; .npy or text with one integer a line, {UNLABELED} = unlabeled). "
        "--method voxel copies each point's sample label through the index map (--map; "
        "exact and instant); knn votes among the k nearest sample points (--sample, or "
        "sample positions rebuilt from --map as voxel means); auto (needs --map, uses "
        "--sample if given) chooses its settings from the labeled sample. IMPORTANT: if the "
        "sample was made with --rotate, give the same --rotate (and --about) here, so the "
        "full points are rotated into the sample's frame before the neighbour search.",
    )
    parser.add_argument("file", metavar="FILE", nargs="?", help="the full point cloud")
    parser.add_argument(
        "--project",
        metavar="PROJECT",
        help="a .dlproj project instead of FILE, --map and --sample: its source cloud, sample, "
        "index map, rotation and sample labels (--labels overrides them); without --method, "
        "its transfer settings",
    )
    parser.add_argument(
        "--labels",
        metavar="SAMPLE_LABELS",
        help="labels of the sample points: .npy, text one a line, Ground Truth .zlib or "
        "output manifest, or a labeled sample cloud (.las/.laz classification, .ply label)",
    )
    parser.add_argument("--map", metavar="MAP.npy", help="index map from 'downsample --map'")
    parser.add_argument("--sample", metavar="SAMPLE", help="the downsampled cloud file")
    parser.add_argument("--method", choices=METHODS, help="how to carry labels")
    parser.add_argument("--k", type=positive_int, default=3, help="neighbours for knn (3)")
    parser.add_argument(
        "--weights", choices=("uniform", "distance"), default="uniform", help="knn vote weights"
    )
    parser.add_argument(
        "--max-distance",
        type=positive_float,
        metavar="METRES",
        help=f"knn: points farther than this from every labeled sample point get {UNLABELED}",
    )
    parser.add_argument(
        "--voxel-size",
        type=positive_float,
        metavar="METRES",
        help="auto: the voxel size the sample was made with (estimated from --map if omitted)",
    )
    add_rotate_arguments(parser)
    parser.add_argument("-o", "--output", metavar="LABELS", help="labels to write (required)")
    parser.add_argument(
        "--cloud-output",
        metavar="CLOUD",
        help="also write FILE with the labels (.las/.laz classification, .ply label "
        "property, .xyz/.csv text with a label column, .npy), in FILE's own coordinates",
    )
    add_stream_arguments(parser)
    parser.set_defaults(func=run)


def check_arguments(args: argparse.Namespace) -> None:
    """One sentence for each missing or clashing input, before any slow work."""
    needed = {"FILE": args.file, "--labels": args.labels, "--method": args.method}
    missing = [name for name, value in needed.items() if value is None]
    if missing or args.output is None:
        missing += ["-o/--output"] if args.output is None else []
        raise InputError(
            f"upsample needs {', '.join(missing)} (or --project PROJECT instead of the files); "
            "see 'denselabel upsample --help'."
        )
    if args.method in ("voxel", "auto") and args.map is None:
        raise InputError(
            f"--method {args.method} needs --map MAP.npy from 'denselabel downsample'."
        )
    if args.method == "knn" and args.map is None and args.sample is None:
        raise InputError("--method knn needs --sample SAMPLE (or --map MAP.npy).")
    for path, what in [
        (args.file, "point cloud file"),
        (args.labels, "labels file"),
        (args.map, "index map"),
        (args.sample, "sample file"),
    ]:
        if path is not None:
            require_file(path, what)
    inputs = [args.file, args.labels, args.map, args.sample]
    refuse_overwriting_inputs(args.output, inputs)
    if args.cloud_output is not None:
        from core.io import WRITE_EXTENSIONS

        refuse_overwriting_inputs(args.cloud_output, [*inputs, args.output])
        if Path(args.cloud_output).suffix.lower() not in WRITE_EXTENSIONS:
            raise InputError(
                f"cannot write that cloud format; end --cloud-output with one of "
                f"{' '.join(WRITE_EXTENSIONS)}.",
                args.cloud_output,
            )


def run(args: argparse.Namespace) -> int:
    if args.project is not None:
        from core.cli.upsample_project import run_project

        return run_project(args)
    check_arguments(args)
    if stream_wanted(args):  # a LAS/LAZ too big to hold, or --stream
        return run_upsample_streamed(args)
    console: Console = args.console
    original = read_cloud_step(console, args.file)
    full = rotated(console, original, args.rotate, args.about)
    index_map = read_index_map(args.map, len(full)) if args.map is not None else None
    sample = _sample_cloud(console, args, full, index_map)
    labels_sample = _read_sample_labels(args, sample, index_map)
    labels_full = _transfer(console, args, full, sample, labels_sample, index_map)
    # The unrotated cloud: the labeled export keeps the scan's own coordinates.
    inputs = [args.file, args.labels, args.map, args.sample]
    write_labels_outputs(console, args.output, labels_full, args.cloud_output, original, inputs)
    n_unlabeled = int(np.count_nonzero(labels_full == UNLABELED))
    print(
        f"{len(labels_full):,} labels written to {args.output} ({args.method}); "
        f"{n_unlabeled:,} unlabeled"
    )
    return 0


def _sample_cloud(
    console: Console, args: argparse.Namespace, full: PointCloud, index_map
) -> PointCloud | None:
    """The sample in the full cloud's frame: read from --sample, or rebuilt from the map."""
    if args.sample is not None:
        as_read = read_cloud_step(console, args.sample)
        if index_map is not None:
            from core.index_map import check_pair

            check_pair(args.map, index_map, as_read)  # before any change of frame
        return in_frame_of(as_read, full)
    if args.method == "voxel":
        return None  # the map alone is enough
    with console.step("rebuilding sample positions from the index map"):
        return sample_from_index_map(full, index_map)


def sample_from_index_map(full: PointCloud, index_map: np.ndarray) -> PointCloud:
    """The mean position (and colour) of the full points sharing each sample row.

    Parameters
    ----------
    full : PointCloud
        N points.
    index_map : (N,) int
        Sample row of each full point.

    Returns
    -------
    PointCloud
        ``index_map.max() + 1`` points in `full`'s frame, no labels.
    """
    from core.voxel import VoxelGroups, voxel_means

    n_sample = int(index_map.max()) + 1 if len(index_map) else 0
    counts = np.bincount(index_map, minlength=n_sample)
    # The map already numbers the groups; a row no point maps to stays at 0, not NaN.
    groups = VoxelGroups(
        ids=index_map.astype(np.int32),
        keys=np.arange(n_sample, dtype=np.int64),
        counts=np.maximum(counts, 1),
    )
    rgb = None if full.rgb is None else np.rint(voxel_means(groups, full.rgb))
    xyz = voxel_means(groups, full.xyz)
    return PointCloud(xyz=xyz, rgb=rgb, offset=full.offset.copy(), source="voxel means")


def _read_sample_labels(args, sample: PointCloud | None, index_map) -> np.ndarray:
    """Labels of the sample points from any labels file (npy, text, GT, labeled cloud)."""
    from core.labels_import import read_sample_labels

    if sample is not None:
        n_sample = len(sample)
    else:
        n_sample = int(index_map.max()) + 1 if len(index_map) else 0
    return read_sample_labels(args.labels, n_sample).labels


_STEP_TITLES = {
    "voxel": "carrying labels through the index map",
    "knn": "carrying labels by {k}-nearest neighbours",
    "auto": "carrying labels (auto)",
}


def _transfer(console: Console, args, full, sample, labels_sample, index_map) -> np.ndarray:
    from core.carry_back import carry_back

    with console.step(_STEP_TITLES[args.method].format(k=args.k)) as progress:
        labels_full, report = carry_back(
            args.method, full, sample, labels_sample, index_map,
            k=args.k, weights=args.weights, max_distance=args.max_distance,
            voxel_size=args.voxel_size, progress=progress, cancel=console.cancel,
        )  # fmt: skip
    if args.method == "auto" and not console.quiet:
        size = report.get("voxel_size")
        where = f" at voxel size {size:.4g} m" if isinstance(size, float) else ""
        print(f"auto chose {report.get('chosen', '?')}{where}", file=console.stream)
    return labels_full
