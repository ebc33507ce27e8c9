"""COPC: a LAZ 1.4 organised as an octree of chunks, read whole or by a bounds query.

laspy's `CopcReader` decompresses only the octree nodes a query touches, so a region of
a huge survey loads without reading the rest. The file is read one octree level at a
time so progress moves and cancel is honoured between levels. Coordinates are
recentred exactly as `core.io.las` does (floor of the header's minimum corner), so a
COPC and the LAZ it came from give the same `PointCloud`.
"""

from __future__ import annotations

from pathlib import Path

import laspy
import numpy as np
from laspy.copc import Bounds, CopcReader, load_octree_for_query

from core.cloud import PointCloud
from core.errors import Cancelled, InputError
from core.io.common import RECENTRE_ABOVE, VaryingFields, rgb16_to_rgb8
from core.io.las import field_names
from core.progress import CancelFn, ProgressFn, check_cancel, report

COPC_SUFFIX = ".copc.laz"


def open_copc(path: Path) -> CopcReader:
    """laspy's COPC reader, or one sentence for a missing or non-COPC file."""
    try:
        return CopcReader.open(str(path))
    except FileNotFoundError as exc:
        raise InputError("the file does not exist; check the path.", path) from exc
    except Exception as exc:  # laspy raises many types for a file without COPC records
        raise InputError(
            f"this is not a readable COPC file ({exc}); open it as .laz instead.", path
        ) from exc


def peek_copc_count(path: str | Path) -> int:
    """Point count from the header, without reading the points."""
    with open_copc(Path(path)) as reader:
        return int(reader.header.point_count)


def las_offset(header: laspy.LasHeader) -> np.ndarray:
    """The recentring offset (3,) float64 that `core.io.las.read_las` uses for this header."""
    far = max(np.abs(header.mins).max(), np.abs(header.maxs).max()) > RECENTRE_ABOVE
    return np.floor(np.asarray(header.mins, np.float64)) if far else np.zeros(3)


def _depth(reader: CopcReader, bounds: Bounds | None) -> int:
    """Deepest octree level a query over `bounds` touches (0 for a single-node file)."""
    nodes = load_octree_for_query(
        reader.source, reader.copc_info, reader.root_page, query_bounds=bounds, level_range=None
    )
    return max((node.key.level for node in nodes), default=0)


def read_copc(
    path: str | Path,
    *,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PointCloud:
    """Read a COPC file whole, or only the points inside `bounds`.

    Parameters
    ----------
    bounds : ((2,) or (3,) float64, same) or None
        Minimum and maximum corner in the file's own (georeferenced) coordinates; 2-D
        bounds keep every height. None reads the whole file.

    Returns
    -------
    PointCloud
        As `core.io.las.read_las`: xyz float64 recentred, rgb uint8, intensity float32,
        labels = classification (None when all 0), point_fields = the other
        dimensions that vary. Points come in octree order.

    Raises
    ------
    InputError
        Not a COPC file, corrupt chunks, or malformed bounds.
    """
    path = Path(path)
    with open_copc(path) as reader:
        header = reader.header
        query = None if bounds is None else _bounds(bounds, path)
        offset = las_offset(header)
        parts = []
        try:
            depth = _depth(
                reader, None if query is None else query.ensure_3d(header.mins, header.maxs)
            )
            for level in range(depth + 1):
                check_cancel(cancel)
                report(progress, level / (depth + 1), f"Reading {path.name} (level {level})")
                parts.append(reader.query(bounds=query, level=level))
        except (InputError, Cancelled, KeyboardInterrupt):
            raise
        except Exception as exc:  # lazrs errors for corrupt chunks
            raise InputError(f"the COPC point data is corrupt ({exc}).", path) from exc
    report(progress, 1.0, f"Reading {path.name}")
    return cloud_from_records(parts, header, offset, str(path))


def _bounds(bounds, path: Path) -> Bounds:
    lo, hi = (np.asarray(b, dtype=np.float64).reshape(-1) for b in bounds)
    if lo.shape != hi.shape or lo.size not in (2, 3) or not np.all(lo <= hi):
        raise InputError(
            "the bounds must be a minimum and a maximum corner of 2 or 3 numbers, min <= max.",
            path,
        )
    return Bounds(mins=lo, maxs=hi)


def cloud_from_records(
    parts: list, header: laspy.LasHeader, offset: np.ndarray, source: str
) -> PointCloud:
    """Join laspy point records into one `PointCloud` recentred by `offset`."""
    n = sum(len(p) for p in parts)
    names = set(header.point_format.dimension_names)
    xyz = np.empty((n, 3), np.float64)
    rgb16 = np.empty((n, 3), np.uint16) if "red" in names else None
    intensity = np.empty(n, np.float32)
    classes = np.empty(n, np.uint8)
    fields = VaryingFields(n)
    kept = field_names(header)
    done = 0
    for points in parts:
        rows = slice(done, done + len(points))
        for axis, name in enumerate("xyz"):
            xyz[rows, axis] = np.asarray(points[name], dtype=np.float64) - offset[axis]
        if rgb16 is not None:
            for axis, name in enumerate(("red", "green", "blue")):
                rgb16[rows, axis] = points[name]
        intensity[rows] = points.intensity
        classes[rows] = points.classification
        for name in kept:
            fields.put(done, name, points[name])
        done += len(points)
    return PointCloud(
        xyz=xyz,
        rgb=None if rgb16 is None else rgb16_to_rgb8(rgb16),
        intensity=intensity if intensity.any() else None,
        labels=classes if classes.any() else None,
        offset=offset,
        source=source,
        point_fields=fields.result(n),
    )
