"""Index maps on disk: ``MAP.npy`` (one sample row per full point) and its record ``MAP.json``.

The record names the sample the map belongs to (its point count and a hash of its
coordinates), so a sample and a map from two different runs are refused with a sentence
instead of carrying labels to the wrong points. Maps without a record (older files, other
tools) still load; they are only checked against the point counts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from core.cloud import PointCloud
from core.errors import InputError

RECORD_KIND = "denselabel index map record"
#: Rows a map may point at: written as int32.
MAX_ROWS = 2**31 - 1
_REMEDY = "give the map written by 'denselabel downsample --map' for this cloud."


def record_path(map_path: str | Path) -> Path:
    """``scan_map.npy`` -> ``scan_map.json`` beside it."""
    return Path(map_path).with_suffix(".json")


def check_record_free(map_path: str | Path) -> None:
    """Refuse to replace a ``MAP.json`` that is not an index map record (someone's file)."""
    path = record_path(map_path)
    if not path.is_file():
        return
    try:
        kind = json.loads(path.read_text(encoding="utf-8")).get("kind")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        kind = None
    if kind != RECORD_KIND:
        raise InputError(
            f"the index map's record would replace {path.name}, which is another file; move "
            "it or give the map another name.",
            path,
        )


def sample_hash(sample: PointCloud) -> str:
    """SHA-256 of the sample's coordinates as the file gives them (offset added back)."""
    xyz = np.ascontiguousarray(np.asarray(sample.xyz, np.float64) + sample.offset)
    return hashlib.sha256(xyz.tobytes()).hexdigest()


def make_record(index_map: np.ndarray, sample: PointCloud) -> dict[str, Any]:
    """The record of `index_map` (full -> sample rows) for `sample` as read from its file."""
    return {
        "kind": RECORD_KIND,
        "version": 1,
        "full_points": int(len(index_map)),
        "sample_points": int(len(sample)),
        "sample_xyz_sha256": sample_hash(sample),
    }


def save_map(path: str | Path, index_map: np.ndarray) -> None:
    """Write the map as int32 ``.npy`` to `path` (a temporary of an output group)."""
    with open(path, "wb") as handle:
        np.save(handle, np.asarray(index_map, dtype=np.int32))


def save_record(path: str | Path, record: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1)
        handle.write("\n")


def load_index_map(path: str | Path, n_full: int | None = None) -> np.ndarray:
    """Read an index map: a plain 1-D integer ``.npy``, never pickled, rows >= 0.

    Returns
    -------
    (N,) int64
        Row of the sample point standing for each full point.

    Raises
    ------
    InputError
        Not a .npy, pickled, not 1-D integers, negative or oversized rows, or a length
        other than `n_full`.
    """
    from core.io.npy import load_npy

    path = Path(path)
    if not path.is_file():
        raise InputError("the index map does not exist; check the path.", path)
    index_map = load_npy(path, "index map (one integer a point)", mmap=False)
    if index_map.ndim != 1 or index_map.dtype.kind not in "iu":
        raise InputError(
            f"the index map must be a 1-D integer array, found {index_map.dtype} "
            f"{index_map.shape}; {_REMEDY}",
            path,
        )
    if n_full is not None and len(index_map) != n_full:
        raise InputError(
            f"the index map has {len(index_map):,} entries but the cloud has {n_full:,} "
            "points; use the map written when this cloud was downsampled.",
            path,
        )
    if len(index_map) and (index_map.min() < 0 or index_map.max() > MAX_ROWS):
        raise InputError(f"the index map holds rows below 0 or above {MAX_ROWS:,}; {_REMEDY}", path)
    return index_map.astype(np.int64, copy=False)


def check_pair(map_path: str | Path, index_map: np.ndarray, sample: PointCloud) -> None:
    """Refuse a sample and a map that do not belong together.

    Parameters
    ----------
    sample : PointCloud
        As read from its file (before any rotation or change of frame).
    """
    map_path = Path(map_path)
    if len(index_map) and int(index_map.max()) >= len(sample):
        raise InputError(
            f"the index map points at sample row {int(index_map.max()):,} but the sample "
            f"{Path(sample.source or 'sample').name} has {len(sample):,} points; give the "
            "sample and map from one downsample run.",
            map_path,
        )
    record = _read_record(map_path)
    if record is None:
        return
    if record["sample_points"] != len(sample) or record["sample_xyz_sha256"] != sample_hash(sample):
        raise InputError(
            f"the index map was made for another sample ({record['sample_points']:,} points) "
            f"than {Path(sample.source or 'the sample').name} ({len(sample):,} points); give "
            "the sample and map from one downsample run.",
            map_path,
        )


def _read_record(map_path: Path) -> dict[str, Any] | None:
    """The map's record, or None when there is none (a map from another tool)."""
    path = record_path(map_path)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"cannot read the index map's record ({exc}); delete it or downsample again.", path
        ) from exc
    valid = (
        isinstance(record, dict)
        and isinstance(record.get("sample_points"), int)
        and isinstance(record.get("sample_xyz_sha256"), str)
    )
    if not valid:
        raise InputError(
            "the index map's record lacks sample_points or sample_xyz_sha256; delete it or "
            "downsample again.",
            path,
        )
    return record
