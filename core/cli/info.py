"""``denselabel info FILE [--json]``: what is in a point cloud file."""

from __future__ import annotations

import argparse
import json

import numpy as np

from core.cli.common import add_command, read_cloud_step
from core.cloud import UNLABELED, PointCloud
from core.project import PROJECT_SUFFIX


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "info",
        "points, bounds, fields and label counts of a point cloud file",
        "Print the number of points, the bounds in the file's coordinates, the fields "
        "present and, when the file carries labels, the number of points per label "
        f"({UNLABELED} = unlabeled).",
    )
    parser.add_argument(
        "file",
        metavar="FILE",
        help="a point cloud (.xyz .txt .csv .pts .ply .las .laz .pcd .npy) or a .dlproj project",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(func=run)


def describe(cloud: PointCloud) -> dict:
    """A JSON-ready summary of `cloud`.

    Bounds are in the file's coordinates (the recentring offset added back).
    """
    lo, hi = cloud.bounds()
    summary: dict = {
        "file": cloud.source,
        "points": int(cloud.n_points),
        "bounds": {"min": (lo + cloud.offset).tolist(), "max": (hi + cloud.offset).tolist()},
        "size": (hi - lo).tolist(),
        "offset": cloud.offset.tolist(),
        "fields": cloud.fields(),
        "label_counts": None,
    }
    if cloud.labels is not None:
        values, counts = np.unique(cloud.labels, return_counts=True)
        summary["label_counts"] = {str(int(v)): int(c) for v, c in zip(values, counts, strict=True)}
    return summary


def run(args: argparse.Namespace) -> int:
    if args.file.lower().endswith(PROJECT_SUFFIX):
        from core.cli.project_cli import run_info

        return run_info(args)
    cloud = read_cloud_step(args.console, args.file)
    summary = describe(cloud)
    summary["file"] = args.file
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print(format_summary(summary))
    return 0


def format_summary(summary: dict) -> str:
    """The summary as aligned text lines."""
    lo, hi, size = summary["bounds"]["min"], summary["bounds"]["max"], summary["size"]
    lines = [
        f"file    {summary['file']}",
        f"points  {summary['points']:,}",
        "bounds  min " + " ".join(f"{v:.3f}" for v in lo),
        "        max " + " ".join(f"{v:.3f}" for v in hi),
        "size    " + " x ".join(f"{v:.3f}" for v in size) + " m",
        "fields  " + ", ".join(summary["fields"]),
    ]
    counts = summary["label_counts"]
    if counts:
        total = max(summary["points"], 1)
        lines.append(f"labels  {'label':<15} {'points':>12} {'share':>7}")
        for label, count in counts.items():
            name = f"{label} (unlabeled)" if int(label) == UNLABELED else label
            lines.append(f"        {name:<15} {count:>12,} {100 * count / total:6.2f}%")
    return "\n".join(lines)
