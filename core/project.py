"""A labeling session as data: what a project file (.dlproj) holds, and its source check.

The project refers to the source cloud by path and fingerprint instead of copying it
(unless the user asks to include it), so a project stays small next to a 20M-point scan.
Reading and writing the file is in `core.project_file`; this module stays free of I/O
beyond the fingerprint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.classes import LabelClass
from core.cloud import UNLABELED, PointCloud

PROJECT_SUFFIX = ".dlproj"

#: Label origin per full point (`Project.label_origin`).
ORIGIN_NONE, ORIGIN_CARRIED, ORIGIN_HAND = 0, 1, 2

# The header identifies the format and often the point count; the spread blocks catch an
# edit anywhere in the file without reading gigabytes.
_HEADER_BYTES = 64 * 1024
_SAMPLE_BLOCKS = 32
_BLOCK_BYTES = 4096


@dataclass
class Project:
    """Everything needed to carry on a labeling session.

    Settings are plain JSON-ready dicts (the window's dataclasses live in gui/), arrays
    are numpy arrays. N is the full cloud's point count, M the sample's.

    Attributes
    ----------
    source_path : str or None
        The full cloud's file; None for a generated scene (then `cloud` is included).
    source_fingerprint : dict or None
        `fingerprint_file` of the source when it was saved.
    n_points : int
        N; checked against the source when it is read again.
    rotation : dict
        ``{"z", "y", "x", "about"}``, degrees and "origin" | "centroid".
    downsample : dict
        The downsample panel's settings (method, voxel_size, target, seed).
    sample : PointCloud or None
        M points, in the frame of `sample_rotation`.
    index_map : (N,) int32 or int64 or None
        Sample row of each full point.
    sample_settings, sample_rotation : dict or None
        How the sample was made, and the rotation it was computed at.
    classes : list of LabelClass
    labels_sample : (M,) uint8 or uint16 or None
    labels_full : (N,) uint8 or uint16 or None
    label_origin : (N,) uint8 or None
        `ORIGIN_NONE`, `ORIGIN_CARRIED` or `ORIGIN_HAND` per full point.
    edit_history : dict of str to ndarray
        The label edit log as arrays (see core/labeling); empty when there is none.
    transfer : dict
        Carry-back settings (method, k, weights, max_distance).
    truth_full : (N,) uint8 or uint16 or None
        Known labels for scoring.
    groundtruth_job : dict or None
        The Ground Truth job record (core.groundtruth.record.JobRecord as a dict).
    camera : dict or None
        position, focal_point, view_up (3 floats each), view_angle, parallel,
        parallel_scale.
    display : dict
        The view's display settings.
    cloud : PointCloud or None
        The full cloud itself, only when the user chose "include the cloud".
    saved_at : float
        Unix time of the save (filled by `save_project`).
    extra : dict
        JSON-ready keys for later additions; kept through a load and save.
    """

    source_path: str | None = None
    source_fingerprint: dict[str, Any] | None = None
    n_points: int = 0
    rotation: dict[str, Any] = field(default_factory=dict)
    downsample: dict[str, Any] = field(default_factory=dict)
    sample: PointCloud | None = None
    index_map: np.ndarray | None = None
    sample_settings: dict[str, Any] | None = None
    sample_rotation: dict[str, Any] | None = None
    classes: list[LabelClass] = field(default_factory=list)
    labels_sample: np.ndarray | None = None
    labels_full: np.ndarray | None = None
    label_origin: np.ndarray | None = None
    edit_history: dict[str, np.ndarray] = field(default_factory=dict)
    transfer: dict[str, Any] = field(default_factory=dict)
    truth_full: np.ndarray | None = None
    groundtruth_job: dict[str, Any] | None = None
    camera: dict[str, Any] | None = None
    display: dict[str, Any] = field(default_factory=dict)
    cloud: PointCloud | None = None
    saved_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> list[str]:
        """What the project holds, one short phrase each, for dialogs and `denselabel info`."""
        name = Path(self.source_path).name if self.source_path else "a generated cloud"
        parts = [f"{name} ({self.n_points:,} points)"]
        if self.cloud is not None:
            parts.append("the cloud itself")
        if self.sample is not None:
            parts.append(f"a sample of {len(self.sample):,} points")
        if self.labels_sample is not None:
            n = int(np.count_nonzero(self.labels_sample != UNLABELED))
            parts.append(f"{n:,} labeled sample points")
        if self.labels_full is not None:
            n = int(np.count_nonzero(self.labels_full != UNLABELED))
            parts.append(f"labels for {n:,} full points")
        if self.classes:
            parts.append(f"{len(self.classes)} classes")
        return parts


def fingerprint_file(path: str | Path) -> dict[str, Any]:
    """Size, mtime and hashes of the header and of blocks spread over the file.

    Reads at most 64 KiB + 32 x 4 KiB, so it takes milliseconds on any size.

    Returns
    -------
    dict
        ``{"size": int, "mtime": float, "header": hex str, "sample": hex str}``.
    """
    path = Path(path)
    stat = path.stat()
    size = stat.st_size
    spread = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        header = hashlib.blake2b(handle.read(_HEADER_BYTES), digest_size=16).hexdigest()
        if size > _BLOCK_BYTES:
            for start in np.linspace(0, size - _BLOCK_BYTES, _SAMPLE_BLOCKS).astype(np.int64):
                handle.seek(int(start))
                spread.update(handle.read(_BLOCK_BYTES))
    return {"size": size, "mtime": stat.st_mtime, "header": header, "sample": spread.hexdigest()}


def check_source(project: Project) -> str | None:
    """None if the source cloud is where the project says and unchanged; else one sentence.

    A different mtime alone is not a change (a copy keeps the bytes); size and hashes are.
    A project with the cloud included never needs its source.
    """
    if project.cloud is not None:
        return None
    if not project.source_path:
        return "the project names no source cloud and does not include one; it cannot be opened."
    path = Path(project.source_path)
    if not path.is_file():
        return (
            f"the source cloud {path.name} is no longer at {path.parent}; it was moved or deleted."
        )
    saved = project.source_fingerprint
    if not saved:
        return None  # nothing to compare with (a hand-made project)
    try:
        now = fingerprint_file(path)
    except OSError as exc:
        return f"the source cloud {path} cannot be read ({exc.strerror or exc}); check it."
    if any(now.get(key) != saved.get(key) for key in ("size", "header", "sample")):
        return (
            f"the source cloud {path.name} changed since the project was saved (its size or "
            "contents differ)."
        )
    return None
