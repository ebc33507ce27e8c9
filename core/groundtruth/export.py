"""Export a (downsampled) cloud as Ground Truth frames, its label config and a job record.

A sample of at most `frame_points` points is one frame (``NAME.bin``); a bigger one is
split into spatial tiles with a small overlap, one frame each (``NAME_001.bin`` ...,
see core/groundtruth/multiframe.py). Nothing here touches AWS. The manifest lines need
the frames' S3 addresses, so they are made at upload time by `manifest_line`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core.atomic import atomic_outputs, atomic_write
from core.classes import LabelClass
from core.cloud import PointCloud
from core.errors import InputError
from core.groundtruth import multiframe
from core.groundtruth.frames import DEFAULT_FRAME_POINTS, Frame
from core.groundtruth.labelconfig import check_classes, label_config
from core.groundtruth.record import JobRecord, record_path_for, save_record
from core.index_map import check_record_free, make_record, record_path, save_map
from core.index_map import save_record as save_map_record
from core.progress import CancelFn, ProgressFn, chunked, report, sub_progress

FORMATS: tuple[str, ...] = ("binary/xyzrgb", "text/xyz", "text/xyzrgb")
DEFAULT_FORMAT = "binary/xyzrgb"
ORIGINS = ("centre", "minimum")
_CHUNK = 200_000


def frame_suffix(fmt: str) -> str:
    """File suffix for a frame format: ``.bin`` for binary, ``.txt`` for text."""
    return ".bin" if fmt.startswith("binary/") else ".txt"


def frame_shift(sample: PointCloud, origin: str = "centre") -> np.ndarray:
    """The (3,) float64 amount subtracted from `sample.xyz` so float32 keeps millimetres."""
    lo, hi = sample.bounds()
    if origin not in ORIGINS:
        raise InputError(f"unknown origin {origin!r}; use one of {', '.join(ORIGINS)}.")
    return np.asarray(lo if origin == "minimum" else (lo + hi) / 2.0, dtype=np.float64)


def _colours(sample: PointCloud, rows: slice | np.ndarray, n: int) -> np.ndarray:
    # Ground Truth needs r, g, b for xyzrgb; a cloud without colour shows its intensity as grey
    # (scaled over the whole sample, so the frames of one job show the same grey).
    if sample.rgb is not None:
        return sample.rgb[rows].astype(np.float32)
    if sample.intensity is not None:
        inten = sample.intensity
        lo, hi = float(inten.min()), float(inten.max())
        grey = (inten[rows] - lo) / (hi - lo or 1.0) * 255.0
        return np.repeat(grey.astype(np.float32)[:, None], 3, axis=1)
    return np.full((n, 3), 128.0, dtype=np.float32)


def write_frame(
    sample: PointCloud,
    path: str | Path,
    fmt: str = DEFAULT_FORMAT,
    shift: np.ndarray | None = None,
    *,
    rows: np.ndarray | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write `sample` (or its `rows`, in that order) as a Ground Truth frame file (atomically).

    ``binary/xyzrgb``: 24-byte little-endian float32 records x, y, z, r, g, b.
    ``text/xyz`` / ``text/xyzrgb``: one point a line, values separated by spaces.
    Coordinates are ``sample.xyz - shift`` in metres; colours 0..255.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown frame format {fmt!r}; use one of {', '.join(FORMATS)}.")
    shift = np.zeros(3) if shift is None else np.asarray(shift, dtype=np.float64)
    n = len(sample) if rows is None else len(rows)
    with atomic_write(path, "wb") as handle:
        for part in chunked(n, _CHUNK, progress, cancel, "writing the frame"):
            pick = part if rows is None else rows[part]
            xyz = sample.xyz[pick] - shift
            if fmt == "text/xyz":
                np.savetxt(handle, xyz, fmt="%.4f")
                continue
            rgb = _colours(sample, pick, len(xyz))
            if fmt == "text/xyzrgb":
                values = np.column_stack([xyz, rgb])
                np.savetxt(handle, values, fmt=["%.4f"] * 3 + ["%d"] * 3)
            else:
                handle.write(np.column_stack([xyz, rgb]).astype("<f4").tobytes())


def manifest_line(source_ref: str, fmt: str, timestamp: float) -> str:
    """One input manifest line (JSON, with a trailing newline) for the frame at `source_ref`."""
    entry = {
        "source-ref": source_ref,
        "source-ref-metadata": {"format": fmt, "unix-timestamp": float(timestamp)},
    }
    return json.dumps(entry) + "\n"


def plan_export(
    sample: PointCloud,
    out_dir: str | Path,
    classes: list[LabelClass],
    *,
    fmt: str = DEFAULT_FORMAT,
    origin: str = "centre",
    name: str = "frame",
    sample_path: str | Path | None = None,
    index_map_path: str | Path | None = None,
    frame_points: int = DEFAULT_FRAME_POINTS,
    frame_overlap: float = multiframe.DEFAULT_OVERLAP,
) -> JobRecord:
    """The record `export_frame` would write, without writing anything (for dry runs)."""
    rec, _ = _plan(
        sample, out_dir, classes, fmt, origin, name, sample_path, index_map_path,
        frame_points, frame_overlap,
    )  # fmt: skip
    return rec


def _plan(
    sample, out_dir, classes, fmt, origin, name, sample_path, index_map_path,
    frame_points, frame_overlap,
) -> tuple[JobRecord, list[Frame] | None]:  # fmt: skip
    """The record and, for a sample bigger than one frame, its frames (rows in sample order)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown frame format {fmt!r}; use one of {', '.join(FORMATS)}.")
    out_dir = Path(out_dir).resolve()
    frame = out_dir / f"{name}{frame_suffix(fmt)}"
    shift = frame_shift(sample, origin)
    now = time.time()
    rec = JobRecord(
        frame_path=frame.name,
        frame_format=fmt,
        n_points=len(sample),
        offset=[float(v) for v in sample.offset + shift],
        origin=origin,
        classes=[{"id": c.id, "name": c.name, "color": list(c.color)} for c in classes],
        timestamp=round(now, 6),
        created=datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        label_config_path=f"{name}.label_config.json",
        sample_path=str(Path(sample_path).resolve()) if sample_path else None,
        index_map_path=str(index_map_path) if index_map_path else None,
    )
    rec.path = str(record_path_for(frame))
    rec.frame_points = frame_points
    frames = multiframe.plan_frames(sample.xyz, frame_points, frame_overlap)
    if frames is not None:
        names = multiframe.frame_file_names(name, frame_suffix(fmt), len(frames))
        multiframe.fill_record(rec, frames, names, shift, frame_overlap)
        rec.frame_rows_path = f"{name}{multiframe.ROWS_SUFFIX}"
    return rec, frames


def export_frame(
    sample: PointCloud,
    out_dir: str | Path,
    classes: list[LabelClass],
    *,
    fmt: str = DEFAULT_FORMAT,
    origin: str = "centre",
    name: str = "frame",
    sample_path: str | Path | None = None,
    index_map: np.ndarray | None = None,
    index_map_path: str | Path | None = None,
    short_instruction: str | None = None,
    full_instruction: str | None = None,
    frame_points: int = DEFAULT_FRAME_POINTS,
    frame_overlap: float = multiframe.DEFAULT_OVERLAP,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    inputs: Sequence[str | Path] = (),
) -> JobRecord:
    """Write the frame(s), the label config, the index map (if given) and the job record.

    Parameters
    ----------
    sample : PointCloud
        The downsampled cloud; its point order is the label order.
    index_map : (M,) int array or None
        Row of the sample standing for each full-cloud point; saved as
        ``NAME.index_map.npy`` so fetched labels can be carried to every point later.
    frame_points : int
        The most points a frame may hold; a bigger sample becomes several frames
        (spatial tiles, each showing `frame_overlap` metres of its neighbours).
    inputs : sequence of path
        Files the export was made from (the input index map): never written over.

    Returns
    -------
    JobRecord
        Saved as ``NAME.gt.json`` beside the frames (`rec.path`).
    """
    problems = check_classes(classes, short_instruction, full_instruction)
    if problems:
        raise InputError(" ".join(problems))
    if len(sample) == 0:
        raise InputError("the cloud has no points; load or downsample a cloud first.")
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise InputError(f"the folder {out_dir} does not exist; create it or choose another.")
    if index_map is not None:
        index_map_path = out_dir / f"{name}.index_map.npy"
    rec, frames = _plan(
        sample, out_dir, classes, fmt, origin, name, sample_path, index_map_path,
        frame_points, frame_overlap,
    )  # fmt: skip
    outputs = {"record": Path(str(rec.path)), "config": out_dir / rec.label_config_path}
    outputs |= {f"frame{k}": out_dir / path for k, path in enumerate(rec.frame_files())}
    if frames is not None:
        outputs["rows"] = out_dir / str(rec.frame_rows_path)
    if index_map is not None:
        outputs["map"] = out_dir / f"{name}.index_map.npy"
        outputs["map_record"] = record_path(outputs["map"])
        check_record_free(outputs["map"])
    # All files of the export or none: a failure or Ctrl-C keeps an earlier export whole.
    with atomic_outputs(list(outputs.values()), [sample_path, *inputs]) as paths:
        temps = dict(zip(outputs, paths, strict=True))
        _write_frames(sample, rec, frames, temps, progress, cancel)
        config = label_config(classes, short_instruction, full_instruction)
        with open(temps["config"], "w", encoding="utf-8") as handle:
            json.dump(config, handle, indent=1)
        if index_map is not None:
            save_map(temps["map"], index_map)
            save_map_record(temps["map_record"], make_record(index_map, sample))
            rec.index_map_path = f"{name}.index_map.npy"
        final = rec.path
        save_record(rec, temps["record"])
        rec.path = final
    report(progress, 1.0, "exported")
    return rec


def _write_frames(
    sample: PointCloud,
    rec: JobRecord,
    frames: list[Frame] | None,
    temps: dict[str, Path],
    progress: ProgressFn | None,
    cancel: CancelFn | None,
) -> None:
    """Every frame file (and, for several frames, their rows) into the group's temporaries."""
    shift = np.asarray(rec.offset) - sample.offset
    if frames is None:
        part = sub_progress(progress, 0.0, 0.9)
        write_frame(sample, temps["frame0"], rec.frame_format, shift, progress=part, cancel=cancel)
        return
    total = sum(len(f.rows) for f in frames)
    done = 0
    for k, frame in enumerate(frames):
        lo, hi = 0.9 * done / total, 0.9 * (done + len(frame.rows)) / total
        part = sub_progress(progress, lo, hi)
        write_frame(
            sample, temps[f"frame{k}"], rec.frame_format, shift, rows=frame.rows,
            progress=part, cancel=cancel,
        )  # fmt: skip
        done += len(frame.rows)
    multiframe.save_frame_rows(temps["rows"], frames, sample.xyz)
