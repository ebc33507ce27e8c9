"""``denselabel export PROJECT -o labeled.laz``: the full cloud of a project with its labels."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from core.atomic import refuse_overwriting_inputs
from core.cli.common import add_command
from core.cli.project_cli import project_cloud, read_project_step
from core.cloud import UNLABELED
from core.errors import InputError


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "export",
        "write a project's full cloud with its labels",
        "Write every point of the project's source cloud (or the cloud included in the "
        "project) with the project's full labels: .las/.laz classification, .ply label "
        "property, .xyz/.csv text with a label column, .pcd or .npy, in the scan's own "
        f"coordinates; points without a label get {UNLABELED}. Carry the labels back first "
        "(in the window, or with 'denselabel upsample --project').",
    )
    parser.add_argument("project", metavar="PROJECT", help="a .dlproj project file")
    parser.add_argument("-o", "--output", required=True, metavar="CLOUD", help="cloud to write")
    parser.add_argument(
        "--labels",
        choices=("full", "truth"),
        default="full",
        help="which labels to write: the carried-back ones (full, default) or the known ones",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.io import WRITE_EXTENSIONS, write_cloud

    if Path(args.output).suffix.lower() not in WRITE_EXTENSIONS:
        raise InputError(
            f"cannot write that cloud format; end -o with one of {' '.join(WRITE_EXTENSIONS)}.",
            args.output,
        )
    project = read_project_step(args.console, args.project)
    inputs = [args.project, project.source_path]
    refuse_overwriting_inputs(args.output, [p for p in inputs if p])
    labels = project.labels_full if args.labels == "full" else project.truth_full
    if labels is None:
        what = "carried-back labels" if args.labels == "full" else "known labels"
        raise InputError(
            f"the project has no {what} for the full cloud; carry the labels back in the window "
            "or with 'denselabel upsample --project', then export again.",
            args.project,
        )
    cloud = project_cloud(args.console, project, args.project)
    with args.console.step(f"writing {Path(args.output).name}") as progress:
        write_cloud(
            cloud, args.output, labels=labels, progress=progress, cancel=args.console.cancel
        )
    n_unlabeled = int(np.count_nonzero(labels == UNLABELED))
    print(f"{len(cloud):,} points written to {args.output}; {n_unlabeled:,} unlabeled")
    return 0
