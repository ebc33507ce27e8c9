"""A multi-frame Ground Truth job: the frames' files, their rows on disk, their labels stitched.

A sample bigger than the frame limit is split (`core.groundtruth.frames.split_frames`)
into spatial tiles with a small overlap, one frame file and one manifest line each, in
one labeling job. The record names the frames; a ``NAME.frames.npz`` beside it keeps
each frame's sample rows and, for every sample row, the frame it takes its label from
(the frame whose tile centre is nearest), so fetching needs no coordinates.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError
from core.groundtruth import output
from core.groundtruth.frames import Frame, nearest_frame, split_frames, stitch_by_owner
from core.groundtruth.record import JobRecord
from core.progress import CancelFn, ProgressFn, check_cancel, report

#: Metres of the neighbouring tiles each frame also shows (context near a frame's edge).
DEFAULT_OVERLAP = 0.25
ROWS_SUFFIX = ".frames.npz"


def plan_frames(
    xyz: np.ndarray, frame_points: int, overlap: float, cancel: CancelFn | None = None
) -> list[Frame] | None:
    """The frames of a sample, or None when it fits in one (a single-frame job, as before).

    Parameters
    ----------
    xyz : (M, 3) float64
        The sample's points.
    frame_points : int
        The most points a frame may hold, overlap included.
    overlap : float
        Metres of neighbouring tiles each frame also shows.
    cancel : callable, optional
        Raises `Cancelled` between tiles when it turns True.
    """
    if frame_points < 1 or overlap < 0:
        raise InputError("the points a frame must be at least 1 and the overlap >= 0 m.")
    if len(xyz) <= frame_points:
        return None
    return split_frames(xyz, frame_points, overlap, cancel)


def count_frames(
    xyz: np.ndarray,
    frame_points: int,
    overlap: float = DEFAULT_OVERLAP,
    cancel: CancelFn | None = None,
) -> list[int]:
    """The points of each frame the sample will make (one entry when it fits in one)."""
    frames = plan_frames(xyz, frame_points, overlap, cancel)
    return [len(xyz)] if frames is None else [len(f.rows) for f in frames]


def frame_file_names(name: str, suffix: str, n_frames: int) -> list[str]:
    """``NAME_001.bin`` ... ``NAME_NNN.bin``: the frames' files, in manifest order."""
    width = max(3, len(str(n_frames)))
    return [f"{name}_{k + 1:0{width}d}{suffix}" for k in range(n_frames)]


def fill_record(
    rec: JobRecord, frames: list[Frame], names: list[str], shift: np.ndarray, overlap: float
) -> None:
    """Name the frames in `rec` (their boxes in frame coordinates: sample minus `shift`)."""
    rec.frames = [
        {
            "path": path,
            "n_points": int(len(frame.rows)),
            "lo": [float(v) for v in frame.lo - shift],
            "hi": [float(v) for v in frame.hi - shift],
        }
        for path, frame in zip(names, frames, strict=True)
    ]
    rec.frame_path = names[0]
    rec.frame_overlap = float(overlap)
    rec.version = 2


def save_frame_rows(path: str | Path, frames: list[Frame], xyz: np.ndarray) -> None:
    """Write each frame's rows and each row's owning frame to `path` (an output temporary).

    Arrays: ``rows`` (sum of frame sizes,) int64, the frames' rows one after the other;
    ``counts`` (F,) int64; ``owner`` (M,) int32, the frame each sample row's label comes from.
    """
    rows = np.concatenate([f.rows for f in frames]).astype(np.int64)
    counts = np.array([len(f.rows) for f in frames], np.int64)
    owner = nearest_frame(frames, xyz)
    with open(path, "wb") as handle:
        np.savez(handle, rows=rows, counts=counts, owner=owner)


def load_frames(rec: JobRecord) -> tuple[list[Frame], np.ndarray]:
    """The frames of a multi-frame record and each sample row's owning frame.

    Everything is checked against the record: a ``.npz`` from another export, or an
    edited one, is refused with a sentence rather than stitched wrongly.

    Returns
    -------
    frames : list of Frame
        Boxes in frame coordinates.
    owner : (n_points,) int32
    """
    if not rec.frames:
        raise InputError("this is a single-frame job record; it has no frame rows.", rec.path)
    path = rec.resolve(rec.frame_rows_path)
    if path is None or not path.is_file():
        raise InputError(
            f"the frames' rows file {rec.frame_rows_path} is missing; put it back beside the "
            "record or export the sample again.",
            rec.path,
        )
    rows, counts, owner = _read_rows(path)
    expected = np.array(rec.frame_point_counts(), np.int64)
    if not np.array_equal(counts, expected) or len(owner) != rec.n_points:
        raise InputError(
            "the frames' rows do not match the job record (another export's file?); export "
            "the sample again.",
            path,
        )
    if rows.size and (rows.min() < 0 or rows.max() >= rec.n_points):
        raise InputError("the frames' rows point outside the sample; export it again.", path)
    if owner.size and (owner.min() < 0 or owner.max() >= len(counts)):
        raise InputError("the rows' frames are not frames of this job; export again.", path)
    parts = np.split(rows, np.cumsum(counts)[:-1])
    frames = [
        Frame(part, np.asarray(meta["lo"], np.float64), np.asarray(meta["hi"], np.float64))
        for part, meta in zip(parts, rec.frames, strict=True)
    ]
    return frames, owner


def _read_rows(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: np.asarray(data[key]) for key in ("rows", "counts", "owner")}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise InputError(
            f"cannot read the frames' rows ({exc}); export the sample again.", path
        ) from exc
    if any(a.ndim != 1 or a.dtype.kind not in "iu" for a in arrays.values()):
        raise InputError("the frames' rows are not 1-D integer arrays; export again.", path)
    if arrays["counts"].sum() != len(arrays["rows"]):
        raise InputError("the frames' row counts do not add up; export the sample again.", path)
    return (
        arrays["rows"].astype(np.int64),
        arrays["counts"].astype(np.int64),
        arrays["owner"].astype(np.int32),
    )


def frame_uris(rec: JobRecord) -> list[str]:
    """The s3:// address of every frame (needs the bucket and input prefix)."""
    return [f"s3://{rec.bucket}/{key}" for key in rec.frame_keys()]


def lines_by_frame(
    lines: list[dict[str, Any]], uris: list[str], manifest_uri: str
) -> list[dict[str, Any] | None]:
    """Each frame's output manifest line (by ``source-ref``), None for a frame it lacks.

    Raises
    ------
    InputError
        No line belongs to any frame of the record (another job's manifest).
    """
    by_ref = {entry.get("source-ref"): entry for entry in lines}
    found = [by_ref.get(uri) for uri in uris]
    if not any(entry is not None for entry in found):
        raise InputError(
            f"the output manifest has no line for any of the {len(uris)} frames of this record; "
            "check that the record belongs to this job.",
            manifest_uri,
        )
    return found


def _failure(entry: dict[str, Any], attribute: str | None) -> str | None:
    """Why Ground Truth gave a frame no labels (its ``failure-reason``), None if it did."""
    if attribute and attribute in entry:
        return None
    for key, value in entry.items():
        if key.endswith("-metadata") and isinstance(value, dict) and "failure-reason" in value:
            return str(value["failure-reason"])
    if not any(k.endswith("-ref") and k != "source-ref" for k in entry):
        return "not labeled"  # a stopped job's line for a frame nobody painted
    return None


def decode_frames(
    rec: JobRecord,
    frames: list[Frame],
    owner: np.ndarray,
    lines: list[dict[str, Any]],
    manifest_uri: str,
    read: Callable[[str], bytes],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> output.FetchedLabels:
    """Every frame's labels decoded (`read` gives a label file's bytes) and stitched.

    A frame the manifest lacks, or that Ground Truth could not label, is listed in
    ``missing_frames`` (numbered from 1); its points take the label of another frame
    showing them (the overlap), else stay unlabeled. A frame whose line is malformed is
    an error, as for a single frame.
    """
    classes = rec.label_classes()
    entries = lines_by_frame(lines, frame_uris(rec), manifest_uri)
    fetched = output.FetchedLabels(np.empty(0, np.uint8), np.empty(0, np.uint8), None, "", "")
    gt_parts: list[np.ndarray | None] = []
    id_parts: list[np.ndarray | None] = []
    reasons: list[str] = []
    for number, (frame, entry) in enumerate(zip(frames, entries, strict=True), start=1):
        check_cancel(cancel)
        report(progress, (number - 1) / len(frames), f"labels of frame {number} of {len(frames)}")
        reason = (
            "no line in the output manifest"
            if entry is None
            else _failure(entry, rec.label_attribute_name)
        )
        if entry is None or reason is not None:
            fetched.missing_frames.append(number)
            reasons.append(str(reason))
            gt_parts.append(None)
            id_parts.append(None)
            continue
        uri, color_map = output.label_reference(entry, rec.label_attribute_name, manifest_uri)
        gt = output.decode_label_bytes(read(uri), color_map, len(frame.rows), uri)
        fetched.frame_label_uris.append(uri)
        fetched.color_map = fetched.color_map or color_map
        ids, unmatched = output.gt_to_class_ids(gt, color_map, classes)
        fetched.unmatched += [name for name in unmatched if name not in fetched.unmatched]
        gt_parts.append(gt)
        id_parts.append(ids)
    if len(fetched.missing_frames) == len(frames):
        raise InputError(
            f"Ground Truth produced no labels for any of the {len(frames)} frames "
            f"({reasons[0]}); check the job's worker results and submit a new job.",
            manifest_uri,
        )
    fetched.labels_sample = stitch_by_owner(frames, id_parts, owner)
    fetched.gt_index = stitch_by_owner(frames, gt_parts, owner)
    fetched.label_uri = fetched.frame_label_uris[0]
    fetched.output_manifest_uri = manifest_uri
    fetched.n_frames = len(frames)
    report(progress, 1.0, "labels stitched")
    return fetched
