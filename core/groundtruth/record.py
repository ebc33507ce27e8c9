"""The local job record: a JSON file next to the exported frame (or frames).

It holds everything needed to follow a job and fetch its labels days later (from the GUI
or ``denselabel gt status|fetch RECORD``). It never holds a secret: no keys, no tokens.

A sample bigger than one frame is exported as several (`frames`: each frame's file and
point count; `frame_rows_path`: a ``.npz`` beside the record with each frame's sample
rows). Version 2 records have them; version 1 records are single-frame and still load.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import atomic_write
from core.classes import LabelClass
from core.errors import InputError

RECORD_SUFFIX = ".gt.json"
RECORD_VERSION = 2
#: The version a single-frame record is written with, so older DenseLabels still read it.
SINGLE_FRAME_VERSION = 1
_REQUIRED = ("frame_format", "n_points", "offset", "origin", "classes", "timestamp", "created")


@dataclass
class JobRecord:
    """What we exported and submitted. Paths are absolute; `offset` is (3,) float.

    Attributes
    ----------
    frame_path : str
        The exported frame (its points are in label order).
    offset : list of 3 float
        Add it to frame coordinates to get the original file's coordinates.
    classes : list of dict
        ``{"id", "name", "color"}`` in label-config order (Ground Truth index i = entry i).
    n_points : int
        Points of the sample (of the one frame, when there is one).
    frames : list of dict or None
        ``{"path", "n_points", "lo", "hi"}`` per frame of a multi-frame job (lo, hi: the
        tile's box in frame coordinates); None for a single-frame job (`frame_path`).
    frame_rows_path : str or None
        The ``.npz`` of each frame's sample rows and each row's owning frame.
    frame_points : int or None
        The most points a frame could hold when it was exported (the user's setting).
    """

    frame_path: str
    frame_format: str
    n_points: int
    offset: list[float]
    origin: str
    classes: list[dict[str, Any]]
    timestamp: float
    created: str
    label_config_path: str = ""
    sample_path: str | None = None
    index_map_path: str | None = None
    job_name: str | None = None
    region: str | None = None
    bucket: str | None = None
    input_prefix: str | None = None
    output_prefix: str | None = None
    label_attribute_name: str | None = None
    role_arn: str | None = None
    workteam_arn: str | None = None
    job_arn: str | None = None
    submitted: str | None = None
    frames: list[dict[str, Any]] | None = None
    frame_rows_path: str | None = None
    frame_overlap: float = 0.0
    frame_points: int | None = None
    version: int = SINGLE_FRAME_VERSION
    path: str | None = field(default=None, compare=False)

    def label_classes(self) -> list[LabelClass]:
        """The class list as `LabelClass` objects, in Ground Truth label order."""
        return [LabelClass(int(c["id"]), str(c["name"]), tuple(c["color"])) for c in self.classes]

    @property
    def frame_key(self) -> str:
        """S3 key of the (first) frame (needs `input_prefix`)."""
        return self.frame_keys()[0]

    @property
    def n_frames(self) -> int:
        return len(self.frames) if self.frames else 1

    def frame_files(self) -> list[str]:
        """The exported frame files as the record names them, in manifest order."""
        return [str(f["path"]) for f in self.frames] if self.frames else [self.frame_path]

    def frame_point_counts(self) -> list[int]:
        """Points of each frame, in manifest order."""
        return [int(f["n_points"]) for f in self.frames] if self.frames else [self.n_points]

    def frame_keys(self) -> list[str]:
        """S3 keys of the frames (needs `input_prefix`)."""
        return [f"{self.input_prefix}/{Path(name).name}" for name in self.frame_files()]

    @property
    def manifest_key(self) -> str:
        return f"{self.input_prefix}/dataset.manifest"

    @property
    def label_config_key(self) -> str:
        return f"{self.input_prefix}/label_config.json"

    def output_manifest_key(self) -> str:
        """Where Ground Truth writes the output manifest for this job."""
        return f"{self.output_prefix}/{self.job_name}/manifests/output/output.manifest"

    def resolve(self, value: str | None) -> Path | None:
        """A path from the record, made absolute against the record's folder if relative."""
        if not value:
            return None
        p = Path(value)
        if not p.is_absolute() and self.path:
            p = Path(self.path).parent / p
        return p


def record_path_for(frame_path: str | Path) -> Path:
    """The record's path for a frame: ``frame.bin`` -> ``frame.gt.json`` beside it."""
    frame_path = Path(frame_path)
    return frame_path.with_name(frame_path.stem + RECORD_SUFFIX)


def save_record(rec: JobRecord, path: str | Path | None = None) -> Path:
    """Write `rec` as JSON (atomically) to `path` or `rec.path`; returns the path."""
    target = Path(path or rec.path or record_path_for(rec.frame_path))
    data = asdict(rec)
    data.pop("path")
    data["offset"] = [float(v) for v in np.asarray(rec.offset, dtype=float)]
    with atomic_write(target, "w") as handle:
        json.dump(data, handle, indent=1)
        handle.write("\n")
    rec.path = str(target)
    return target


def load_record(path: str | Path) -> JobRecord:
    """Read a job record written by `save_record`; InputError if it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"cannot read the Ground Truth job record ({exc}); give the {RECORD_SUFFIX} file "
            "written by 'denselabel gt export'.",
            path,
        ) from exc
    return record_from_dict(data, path)


def record_from_dict(data: Any, path: str | Path) -> JobRecord:
    """A job record from its JSON form (a file's, or a project's copy), checked first.

    `path` is where it came from, named in the sentence when it is not a record; it is
    also the folder relative paths in the record are resolved against.
    """
    path = Path(path)
    known = {f.name for f in fields(JobRecord)} - {"path"}
    if not isinstance(data, dict) or "frame_path" not in data:
        raise InputError(
            f"this is not a Ground Truth job record; give the {RECORD_SUFFIX} file written by "
            "'denselabel gt export'.",
            path,
        )
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise InputError(
            f"the job record lacks {', '.join(missing)}; export the frame again.", path
        )
    _check_types(data, path)
    rec = JobRecord(**{k: v for k, v in data.items() if k in known})
    rec.path = str(path)
    return rec


_TEXT_FIELDS = ("frame_path", "frame_format", "origin", "created")
_OPTIONAL_TEXT = (
    "label_config_path", "sample_path", "index_map_path", "job_name", "region", "bucket",
    "input_prefix", "output_prefix", "label_attribute_name", "role_arn", "workteam_arn",
    "job_arn", "submitted", "frame_rows_path",
)  # fmt: skip


def _check_types(data: dict[str, Any], path: Path) -> None:
    """Every field of the right type and shape before any use (an edited record is untrusted)."""

    def refuse(key: str, wanted: str) -> None:
        raise InputError(
            f"must be {wanted}, found {json.dumps(data.get(key))[:40]}; fix the field or "
            "export the frame again.",
            path,
            field=key,
        )

    version = data.get("version", RECORD_VERSION)
    if not _is_int(version) or version > RECORD_VERSION:
        raise InputError(
            f"the job record has version {version!r}, newer than this DenseLabel reads "
            f"({RECORD_VERSION}); update DenseLabel.",
            path,
            field="version",
        )
    for key in _TEXT_FIELDS:
        if not isinstance(data[key], str) or not data[key]:
            refuse(key, "text")
    for key in _OPTIONAL_TEXT:
        if data.get(key) is not None and not isinstance(data[key], str):
            refuse(key, "text or null")
    if not _is_int(data["n_points"]) or data["n_points"] < 1:
        refuse("n_points", "a whole number of points of at least 1")
    offset = data["offset"]
    if not isinstance(offset, list) or len(offset) != 3 or not all(map(_is_finite, offset)):
        refuse("offset", "a list of 3 finite numbers")
    if not _is_finite(data["timestamp"]):
        refuse("timestamp", "a number (seconds since 1970)")
    classes = data["classes"]
    if not isinstance(classes, list) or not all(map(_is_class, classes)):
        refuse("classes", 'a list of {"id": INT, "name": TEXT, "color": [R, G, B]}')
    if "frame_overlap" in data and not (
        _is_finite(data["frame_overlap"]) and data["frame_overlap"] >= 0
    ):
        refuse("frame_overlap", "a number of metres >= 0")
    limit = data.get("frame_points")
    if limit is not None and not (_is_int(limit) and limit >= 1):
        refuse("frame_points", "a whole number of points of at least 1, or null")
    frames = data.get("frames")
    if frames is None:
        return
    if not isinstance(frames, list) or not frames or not all(map(_is_frame, frames)):
        refuse("frames", 'a list of {"path": TEXT, "n_points": INT, "lo": [3], "hi": [3]}')
    if not data.get("frame_rows_path"):
        refuse("frame_rows_path", "the .npz of the frames' rows (a multi-frame record)")


def _is_frame(item: Any) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str) or not item["path"]:
        return False
    corners = [item.get("lo"), item.get("hi")]
    boxes_ok = all(isinstance(c, list) and len(c) == 3 and all(map(_is_finite, c)) for c in corners)
    return _is_int(item.get("n_points")) and item["n_points"] >= 1 and boxes_ok


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


def _is_class(item: Any) -> bool:
    if not isinstance(item, dict) or not _is_int(item.get("id")):
        return False
    color = item.get("color")
    colour_ok = (
        isinstance(color, list)
        and len(color) == 3
        and all(_is_int(c) and 0 <= c <= 255 for c in color)
    )
    return isinstance(item.get("name"), str) and colour_ok
