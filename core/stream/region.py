"""Every point of a file inside a box, read without holding the rest.

COPC: only the octree nodes the box touches are decompressed. LAS/LAZ: the file is read
chunk by chunk and each chunk filtered. Either way the box test is the same float test
on recentred coordinates (``lo <= p <= hi``, as `core.metrics.crop_tile`), so a COPC
and a LAZ of the same points give the same region.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from laspy.copc import Bounds

from core.errors import InputError
from core.io.copc import cloud_from_records, las_offset
from core.progress import CancelFn, ProgressFn
from core.stream.chunks import CHUNK_POINTS, las_chunks, las_info
from core.stream.overview import FileView, copc_nodes, is_copc, open_copc, read_nodes


def read_region(
    path: str | Path,
    lo: np.ndarray,
    hi: np.ndarray,
    max_points: int,
    *,
    chunk_points: int = CHUNK_POINTS,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> FileView:
    """The file's points inside the box ``lo <= p <= hi``, at full density.

    Parameters
    ----------
    lo, hi : (3,) float64
        Box corners in the file's recentred frame (the coordinates `core.io.read_cloud`
        gives: absolute minus `PointCloud.offset`).
    max_points : int
        The most points the region may hold; a box holding more is refused (memory).

    Raises
    ------
    InputError
        A box with min above max, a region of more than `max_points` points, or an
        unreadable file.
    """
    path = Path(path)
    lo = np.asarray(lo, np.float64).reshape(3)
    hi = np.asarray(hi, np.float64).reshape(3)
    if np.any(lo > hi):
        raise InputError("the box's minimum corner is above its maximum; swap them.", path)
    if is_copc(path):
        return _copc_region(path, lo, hi, max_points, progress, cancel)
    info = las_info(path)
    parts, rows, held = [], [], 0
    for chunk in las_chunks(
        path, chunk_points=chunk_points, progress=progress, cancel=cancel,
        message=f"reading the box from {path.name}",
    ):  # fmt: skip
        inside = np.flatnonzero(_inside(chunk.xyz, lo, hi))
        held = _check_size(held + len(inside), max_points, path)
        parts.append(_copy_records(chunk.points, inside))
        rows.append(chunk.start + inside)
    cloud = cloud_from_records(parts, info.header, info.offset, str(path))
    return FileView(cloud, _joined(rows), info.n_points, "inside the box")


def _copc_region(path: Path, lo, hi, max_points: int, progress, cancel) -> FileView:
    with open_copc(path) as reader:
        header = reader.header
        offset = las_offset(header)
        # Nodes whose cube meets the box, padded a few grid steps so a point on the box's
        # face is never in a node left out; the exact test below decides.
        pad = 2 * np.asarray(header.scales, np.float64)
        bounds = Bounds(mins=lo + offset - pad, maxs=hi + offset + pad)
        nodes, starts = copc_nodes(reader, bounds)
        nodes = sorted(nodes, key=lambda node: node.offset)
        parts, rows, held = [], [], 0
        for points, node_rows in read_nodes(reader, nodes, starts, path, progress, cancel):
            xyz = np.column_stack(
                [np.asarray(points[a], np.float64) - offset[i] for i, a in enumerate("xyz")]
            )
            inside = np.flatnonzero(_inside(xyz, lo, hi))
            held = _check_size(held + len(inside), max_points, path)
            parts.append(_copy_records(points, inside))
            rows.append(node_rows[inside])
    cloud = cloud_from_records(parts, header, offset, str(path))
    # Nodes in byte order are in file order, so the rows are increasing as for LAS.
    return FileView(cloud, _joined(rows), int(header.point_count), "inside the box")


def _inside(xyz: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    keep = np.ones(len(xyz), bool)
    for axis in range(3):
        keep &= (xyz[:, axis] >= lo[axis]) & (xyz[:, axis] <= hi[axis])
    return keep


def _copy_records(points, rows: np.ndarray):
    out = points[rows] if len(rows) else points[:0]
    out.array = out.array.copy()  # no view into the chunk's buffer
    return out


def _check_size(n: int, max_points: int, path: Path) -> int:
    if n > max_points:
        raise InputError(
            f"the box holds more than {max_points:,} points, more than the window holds at "
            "once; draw a smaller box.",
            path,
        )
    return n


def _joined(rows: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64)
