"""``denselabel upsample --project P``: carry a project's sample labels back in a script."""

from __future__ import annotations

import argparse

import numpy as np

from core.atomic import refuse_overwriting_inputs
from core.cli.common import rotated, write_labels_outputs
from core.cli.project_cli import project_cloud, read_project_step
from core.cloud import UNLABELED, in_frame_of
from core.errors import InputError


def run_project(args: argparse.Namespace) -> int:
    """The project's source (or included) cloud, sample, map and rotation; then as usual."""
    from core.cli.upsample import _transfer

    if args.file is not None or args.map is not None or args.sample is not None:
        raise InputError(
            "--project replaces FILE, --map and --sample; give either the project or the files."
        )
    if args.output is None:
        raise InputError("upsample needs -o/--output LABELS, the labels file to write.")
    outputs = [args.output] + ([args.cloud_output] if args.cloud_output else [])
    for output in outputs:  # before the slow reading; the source is checked when writing
        refuse_overwriting_inputs(output, [args.project] + ([args.labels] if args.labels else []))
    console = args.console
    project = read_project_step(console, args.project)
    if project.sample is None or project.index_map is None:
        raise InputError(
            "the project has no sample yet; downsample in the window and save the project.",
            args.project,
        )
    original = project_cloud(console, project, args.project)
    frame = project.sample_rotation or project.rotation or {}
    angles = [float(frame.get(axis, 0.0)) for axis in ("z", "y", "x")]
    full = rotated(console, original, angles if any(angles) else None, frame.get("about", "origin"))
    sample = in_frame_of(project.sample, full)
    labels_sample = _sample_labels(args, project, len(sample))
    _settings_from_project(args, project)
    labels_full = _transfer(console, args, full, sample, labels_sample, project.index_map)
    # Labels and labeled cloud as one group: both new files or neither (core.atomic).
    inputs = [args.project, args.labels, project.source_path]
    write_labels_outputs(console, args.output, labels_full, args.cloud_output, original, inputs)
    n_unlabeled = int(np.count_nonzero(labels_full == UNLABELED))
    print(
        f"{len(labels_full):,} labels written to {args.output} ({args.method}); "
        f"{n_unlabeled:,} unlabeled"
    )
    return 0


def _sample_labels(args: argparse.Namespace, project, n_sample: int) -> np.ndarray:
    if args.labels is not None:
        from core.labels_import import read_sample_labels

        return read_sample_labels(args.labels, n_sample).labels
    if project.labels_sample is None:
        raise InputError(
            "the project has no sample labels; label the sample (or give --labels FILE).",
            args.project,
        )
    return project.labels_sample


def _settings_from_project(args: argparse.Namespace, project) -> None:
    """Without --method, carry back the way the window was set to."""
    if args.method is None:
        transfer = project.transfer or {}
        args.method = str(transfer.get("method", "auto"))
        args.k = int(transfer.get("k", args.k))
        args.weights = str(transfer.get("weights", args.weights))
        args.max_distance = transfer.get("max_distance", args.max_distance)
    settings = project.sample_settings or {}
    if args.voxel_size is None and str(settings.get("method", "")).startswith("voxel"):
        args.voxel_size = float(settings["voxel_size"])
