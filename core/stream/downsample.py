"""Voxel-mean downsampling of a LAS/LAZ file that does not fit in memory.

Two passes over disk, memory bounded by one chunk plus the occupied voxels:

1. read chunk by chunk, add every point to its voxel's sums (`VoxelTable`) and write
   its provisional voxel id (first-seen order) into the index map, a memory-mapped
   ``.npy`` on disk;
2. number the voxels in (ix, iy, iz) order, as `core.downsample.voxel_mean` does, and
   renumber the map on disk chunk by chunk.

The grid is global by default: voxel ``floor(absolute coordinate / voxel_size)``, so
tiles downsampled apart share voxel borders. ``origin`` anchors it elsewhere; with the
cloud's minimum corner (the in-memory path's anchor) the sample and map equal
`core.downsample.voxel_mean`'s exactly.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.atomic import atomic_path
from core.cloud import PointCloud
from core.errors import InputError
from core.progress import CancelFn, ProgressFn, chunked, report, sub_progress
from core.stream.chunks import CHUNK_POINTS, las_chunks, las_info
from core.stream.voxel_hash import VoxelTable

#: Map entries renumbered per step of the second pass (int32: 40 MB).
_RENUMBER_CHUNK = 10_000_000


@dataclass
class StreamedSample:
    """The sample of a streamed downsampling and where its index map went.

    Attributes
    ----------
    sample : PointCloud
        One point per occupied voxel (mean xyz, rgb, intensity), the full file's offset.
    n_full : int
        Points in the full file.
    map_path : Path or None
        The index map (N,) int32 ``.npy`` on disk.
    voxel_size : float
    """

    sample: PointCloud
    n_full: int
    map_path: Path | None
    voxel_size: float


def stream_voxel_mean(
    path: str | Path,
    voxel_size: float,
    map_path: str | Path | None,
    *,
    origin: np.ndarray | None = None,
    chunk_points: int = CHUNK_POINTS,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> StreamedSample:
    """Voxel-mean sample of a LAS/LAZ file, read chunk by chunk; the index map to disk.

    Parameters
    ----------
    voxel_size : float
        Voxel edge in metres.
    map_path : path or None
        Where to write the index map (atomically); None keeps it only in scratch space
        while the sample is made.
    origin : (3,) float64 or None
        Grid anchor in the cloud's recentred coordinates; None = the global grid
        (multiples of `voxel_size` in the file's absolute coordinates).
    """
    path = Path(path)
    if not np.isfinite(voxel_size) or voxel_size <= 0:
        raise InputError(f"the voxel size must be a positive number of metres, got {voxel_size}.")
    info = las_info(path)
    if info.n_points == 0:
        raise InputError("the file holds no points; choose a point cloud with points in it.", path)
    shift = info.offset if origin is None else -np.asarray(origin, np.float64)
    with _map_file(map_path) as tmp:
        index_map = np.lib.format.open_memmap(tmp, "w+", dtype=np.int32, shape=(info.n_points,))
        table, high, any_intensity = _first_pass(
            path,
            voxel_size,
            shift,
            index_map,
            chunk_points,
            sub_progress(progress, 0, 0.85),
            cancel,
        )
        order = table.lexicographic_order()
        rank = np.empty(len(order), np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        steps = chunked(
            info.n_points, _RENUMBER_CHUNK, progress, cancel, "numbering voxels", (0.85, 0.98)
        )
        for rows in steps:
            index_map[rows] = rank[index_map[rows]]
        index_map.flush()
        del index_map
    sample = _sample(table, order, info.offset, info.has_rgb, high, any_intensity, str(path))
    report(progress, 1.0, "voxel mean done")
    saved = None if map_path is None else Path(map_path)
    return StreamedSample(sample, info.n_points, saved, float(voxel_size))


@contextlib.contextmanager
def _map_file(map_path: str | Path | None) -> Iterator[Path]:
    """The map's path while it is written: beside its target, or scratch space when unsaved."""
    if map_path is not None:
        with atomic_path(map_path) as tmp:
            yield tmp
        return
    with tempfile.TemporaryDirectory(prefix="denselabel-map-") as folder:
        yield Path(folder) / "map.npy"


def _first_pass(path, voxel_size, shift, index_map, chunk_points, progress, cancel):
    """Sums per voxel and provisional ids on disk; the colour maximum and intensity flag."""
    table = VoxelTable(voxel_size, shift)
    high = 0
    any_intensity = False
    for chunk in las_chunks(
        path, chunk_points=chunk_points, progress=progress, cancel=cancel,
        message="summing points by voxel",
    ):  # fmt: skip
        m = len(chunk.xyz)
        index_map[chunk.start : chunk.start + m] = table.add(
            chunk.xyz, chunk.rgb16, chunk.intensity
        )
        if chunk.rgb16 is not None and m:
            high = max(high, int(chunk.rgb16.max()))
        any_intensity = any_intensity or bool(chunk.intensity.any())
    return table, high, any_intensity


def _sample(table, order, offset, has_rgb, high, any_intensity, source) -> PointCloud:
    """Means in (ix, iy, iz) order; colour and intensity as `core.io.las.read_las` gives them."""
    sums = table.sums[: table.size][order]
    counts = table.counts[: table.size][order]
    xyz = sums[:, 0:3] / counts[:, None]
    rgb = intensity = None
    if has_rgb:
        # read_las keeps 16-bit colour when every value is <= 255, else takes the high byte.
        columns = slice(3, 6) if high <= 255 else slice(6, 9)
        rgb = np.rint(sums[:, columns] / counts[:, None]).astype(np.uint8)
    if any_intensity:
        intensity = (sums[:, 9] / counts).astype(np.float32)
    return PointCloud(xyz=xyz, rgb=rgb, intensity=intensity, offset=offset, source=source)
