"""Export a (downsampled) cloud as one Ground Truth frame, its label config and a job record.

Nothing here touches AWS. The manifest line needs the frame's S3 address, so it is made at
upload time by `manifest_line`.
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


def _colours(sample: PointCloud, rows: slice) -> np.ndarray:
    # Ground Truth needs r, g, b for xyzrgb; a cloud without colour shows its intensity as grey.
    if sample.rgb is not None:
        return sample.rgb[rows].astype(np.float32)
    n = rows.stop - rows.start
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
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write `sample` as a Ground Truth frame file (atomically).

    ``binary/xyzrgb``: 24-byte little-endian float32 records x, y, z, r, g, b.
    ``text/xyz`` / ``text/xyzrgb``: one point a line, values separated by spaces.
    Coordinates are ``sample.xyz - shift`` in metres; colours 0..255.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown frame format {fmt!r}; use one of {', '.join(FORMATS)}.")
    shift = np.zeros(3) if shift is None else np.asarray(shift, dtype=np.float64)
    n = len(sample)
    with atomic_write(path, "wb") as handle:
        for rows in chunked(n, _CHUNK, progress, cancel, "writing the frame"):
            xyz = sample.xyz[rows] - shift
            if fmt == "text/xyz":
                np.savetxt(handle, xyz, fmt="%.4f")
                continue
            rgb = _colours(sample, rows)
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
) -> JobRecord:
    """The record `export_frame` would write, without writing anything (for dry runs)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown frame format {fmt!r}; use one of {', '.join(FORMATS)}.")
    out_dir = Path(out_dir).resolve()
    frame = out_dir / f"{name}{frame_suffix(fmt)}"
    offset = sample.offset + frame_shift(sample, origin)
    now = time.time()
    rec = JobRecord(
        frame_path=frame.name,
        frame_format=fmt,
        n_points=len(sample),
        offset=[float(v) for v in offset],
        origin=origin,
        classes=[{"id": c.id, "name": c.name, "color": list(c.color)} for c in classes],
        timestamp=round(now, 6),
        created=datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        label_config_path=f"{name}.label_config.json",
        sample_path=str(Path(sample_path).resolve()) if sample_path else None,
        index_map_path=str(index_map_path) if index_map_path else None,
    )
    rec.path = str(record_path_for(frame))
    return rec


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
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    inputs: Sequence[str | Path] = (),
) -> JobRecord:
    """Write the frame, its label config, the index map (if given) and the job record.

    Parameters
    ----------
    sample : PointCloud
        The downsampled cloud; its point order is the label order.
    index_map : (M,) int array or None
        Row of the sample standing for each full-cloud point; saved as
        ``NAME.index_map.npy`` so fetched labels can be carried to every point later.

    inputs : sequence of path
        Files the export was made from (the input index map): never written over.

    Returns
    -------
    JobRecord
        Saved as ``NAME.gt.json`` beside the frame (`rec.path`).
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
    rec = plan_export(
        sample,
        out_dir,
        classes,
        fmt=fmt,
        origin=origin,
        name=name,
        sample_path=sample_path,
        index_map_path=index_map_path,
    )
    frame = out_dir / rec.frame_path
    outputs = [frame, out_dir / rec.label_config_path, Path(str(rec.path))]
    if index_map is not None:
        map_path = out_dir / f"{name}.index_map.npy"
        outputs += [map_path, record_path(map_path)]
        check_record_free(map_path)
    # All files of the export or none: a failure or Ctrl-C keeps an earlier export whole.
    with atomic_outputs(outputs, [sample_path, *inputs]) as temps:
        shift = np.asarray(rec.offset) - sample.offset
        part = sub_progress(progress, 0.0, 0.9)
        write_frame(sample, temps[0], fmt, shift, progress=part, cancel=cancel)
        config = label_config(classes, short_instruction, full_instruction)
        with open(temps[1], "w", encoding="utf-8") as handle:
            json.dump(config, handle, indent=1)
        if index_map is not None:
            save_map(temps[3], index_map)
            save_map_record(temps[4], make_record(index_map, sample))
            rec.index_map_path = f"{name}.index_map.npy"
        final = rec.path
        save_record(rec, temps[2])
        rec.path = final
    report(progress, 1.0, "exported")
    return rec
