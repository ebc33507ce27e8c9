"""``denselabel gt``: the options and messages of multi-frame jobs.

A sample bigger than ``--frame-points`` (default 500,000, AWS's recommendation) is
exported as several frames, one manifest line each, in one labeling job; ``gt fetch``
stitches their labels back into sample order.
"""

from __future__ import annotations

import argparse
import sys

from core.cli.common import finite_float, positive_int


def overlap_metres(text: str) -> float:
    """An argparse type: metres of overlap, >= 0."""
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected metres >= 0, got {text!r}")
    return value


def add_frame_arguments(parser: argparse.ArgumentParser) -> None:
    """``--frame-points`` and ``--frame-overlap`` (export, and submit from a sample)."""
    from core.groundtruth.frames import DEFAULT_FRAME_POINTS
    from core.groundtruth.multiframe import DEFAULT_OVERLAP

    parser.add_argument(
        "--frame-points",
        type=positive_int,
        default=DEFAULT_FRAME_POINTS,
        metavar="N",
        help="the most points a frame holds; a bigger sample becomes several frames in one "
        f"job (default: {DEFAULT_FRAME_POINTS:,}, AWS's recommendation)",
    )
    parser.add_argument(
        "--frame-overlap",
        type=overlap_metres,
        default=DEFAULT_OVERLAP,
        metavar="M",
        help=f"metres of the neighbouring tiles each frame also shows (default: {DEFAULT_OVERLAP})",
    )


def frame_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of plan_export / export_frame for the frame options."""
    return {"frame_points": args.frame_points, "frame_overlap": args.frame_overlap}


def say_frames(rec) -> None:
    """On stderr, how many frames the export made (nothing for a single frame)."""
    if rec.n_frames > 1:
        counts = rec.frame_point_counts()
        print(
            f"denselabel: {rec.n_points:,} sample points in {rec.n_frames} frames of "
            f"{min(counts):,} to {max(counts):,} points (overlap {rec.frame_overlap:g} m), "
            "one labeling job",
            file=sys.stderr,
        )


def say_fetched(fetched) -> None:
    """On stderr, the frames stitched and any frame that came back without labels."""
    if fetched.n_frames > 1:
        print(
            f"denselabel: labels of {fetched.n_frames} frames stitched in sample order "
            "(overlap: the frame whose tile centre is nearest)",
            file=sys.stderr,
        )
    if fetched.missing_frames:
        numbers = ", ".join(str(n) for n in fetched.missing_frames)
        print(
            f"denselabel: warning: frames {numbers} have no labels (not labeled or failed); "
            "their points are unlabeled.",
            file=sys.stderr,
        )
