"""The exact voxel downsample at any voxel size, fast, from a cloud prepared once.

A live preview recomputes the voxel downsample at every step of a slider. Grouping points
by voxel from scratch (`core.voxel.group_voxels`) scatters every point into buckets first.
Here the cloud is prepared once (per cloud and rotation): its points are sorted along x.
The voxel column ``ix = floor((x - min) / size)`` never decreases as x grows, for any size,
so every voxel size's x-slabs are runs of the sorted points: no scatter. Each slab is
grouped by ``(iy, iz)`` through a table of its cross-section's cells (a hash table when
that is too big), numbered in ascending key order, and chunks of slabs run on two workers.
Voxel-mean runs `core.voxel_preview_means` (a voxel's sums in one cache line, no per-point
output); voxel-nearest and the hash table `core.voxel_preview_kernels`.

The result is the voxel downsample itself, not an estimate: the same voxels in the same
(ascending key) order, the same counts, colours and intensities, means equal up to the
order of summation (1e-15 relative; voxel-nearest sums in the cloud's row order, as core,
so its nearest points are core's to the last tie). The full->sample index map is made
only when asked for ("Use this sample"); for voxel-mean the pass runs again then, writing
each point's voxel.

Memory: the sorted copy costs 31 bytes a point (xyz float64, rgb, int32 order; 4 more
with intensity) while the cloud is previewed. A voxel-mean preview reserves 31 bytes a
point of address space but fills only its voxels' rows (untouched pages of a large array
take no memory); the index map adds 8 bytes a point (each point's voxel and its rank),
which voxel-nearest fills as it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from core.cloud import PointCloud
from core.errors import InputError
from core.progress import CancelFn, ProgressFn, check_cancel, report
from core.voxel import corners, grid_dims
from core.voxel_preview_kernels import (
    chunk_starts,
    index_map,
    new_outputs,
    sort_by_x,
    voxel_chunks,
)
from core.voxel_preview_means import mean_outputs, voxel_means

#: Chunks of slabs, dealt round-robin to the workers so they share the work evenly, a
#: few per compiled call: a newer slider step stops a stale preview within a quarter of it.
_CHUNKS = 16
_CHUNKS_PER_CALL = 4
#: Slabs whose (iy, iz) cross-section has at most this many cells are grouped through a
#: table indexed by cell (8 bytes a cell per thread); larger ones through a hash table.
_DIRECT_CELLS = 1 << 20


@dataclass
class PreparedCloud:
    """A cloud's points sorted along x, for exact voxel downsamples at any size.

    Attributes
    ----------
    cloud : PointCloud
        The cloud as prepared (already rotated), whose rows the index map refers to.
    order : (N,) int64
        Row in `cloud` of each sorted point.
    xyz : (N, 3) float64
        ``cloud.xyz[order]``.
    rgb : (N, 3) uint8 or None
        ``cloud.rgb[order]``.
    intensity : (N,) float32 or None
        ``cloud.intensity[order]``.
    lo, hi : (3,) float64
        Minimum and maximum corner (the voxel grid is anchored at `lo`).
    """

    cloud: PointCloud
    order: np.ndarray
    xyz: np.ndarray
    rgb: np.ndarray | None
    intensity: np.ndarray | None
    lo: np.ndarray
    hi: np.ndarray

    @property
    def nbytes(self) -> int:
        """Memory held besides the cloud itself."""
        arrays = (self.order, self.xyz, self.rgb, self.intensity)
        return sum(a.nbytes for a in arrays if a is not None)


@dataclass
class VoxelPreview:
    """One exact voxel downsample of a `PreparedCloud`.

    Attributes
    ----------
    sample : PointCloud
        What `core.downsample.downsample` makes for this method and size.
    method : str
        "voxel-mean" or "voxel-nearest".
    voxel_size : float
        Edge in metres.
    met : tuple of two (N,) int32, or None
        Voxel of each sorted point as its chunk met them, and their ranks in the chunk;
        None until the index map is asked for (voxel-mean finds them again then).
    prepared : PreparedCloud
        What it was made from.
    chunk_starts, chunk_offsets : (C + 1,) int64
        First sorted point and first sample row of each chunk of slabs.
    """

    sample: PointCloud
    method: str
    voxel_size: float
    met: tuple[np.ndarray, np.ndarray] | None
    prepared: PreparedCloud
    chunk_starts: np.ndarray
    chunk_offsets: np.ndarray

    def index_map(self, cancel: CancelFn | None = None) -> np.ndarray:
        """Sample row (N,) int32 of every point of the prepared cloud, in its own order."""
        if self.met is None:  # the same pass again, now writing each point's voxel
            p, vs = self.prepared, self.voxel_size
            dims = grid_dims(p.lo, p.hi, vs)
            outputs = _means(p, vs, dims, self.chunk_starts, True, cancel)
            self.met = (outputs[4], outputs[5])
        met, rank = self.met
        return index_map(met, rank, self.prepared.order, self.chunk_starts, self.chunk_offsets)


def prepare(
    cloud: PointCloud, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> PreparedCloud:
    """Sort `cloud`'s points along x, once per cloud and rotation (0.9-2.6 s at 5M points on
    the busy 2-core machine)."""
    if len(cloud) == 0:
        raise InputError("the cloud has no points; load a cloud with points first.")
    report(progress, 0.0, "preparing the preview: sorting the points")
    xyz = np.ascontiguousarray(cloud.xyz, dtype=np.float64)
    lo, hi = corners(xyz)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise InputError("the cloud has NaN or infinite coordinates; clean the file first.")
    order = sort_by_x(xyz, lo[0], hi[0])
    check_cancel(cancel)
    report(progress, 0.6, "preparing the preview: gathering the points")
    sorted_xyz = _gather(xyz, order)
    rgb = None if cloud.rgb is None else _gather(cloud.rgb, order)
    intensity = None if cloud.intensity is None else cloud.intensity[order]
    report(progress, 1.0, "preview prepared")
    return PreparedCloud(cloud, order, sorted_xyz, rgb, intensity, lo, hi)


def voxel_preview(
    prepared: PreparedCloud,
    method: str,
    voxel_size: float,
    cancel: CancelFn | None = None,
) -> VoxelPreview:
    """The voxel-mean or voxel-nearest downsample of the prepared cloud at `voxel_size`."""
    if method not in ("voxel-mean", "voxel-nearest"):
        raise InputError(f"the fast preview serves the voxel methods, not {method!r}.")
    dims = grid_dims(prepared.lo, prepared.hi, voxel_size)
    check_cancel(cancel)
    vs, nearest = float(voxel_size), method == "voxel-nearest"
    starts = chunk_starts(prepared.xyz, prepared.lo, vs, _CHUNKS)
    cross = dims[1] * dims[2] if dims[1] * dims[2] <= _DIRECT_CELLS else 0
    if nearest or cross == 0:
        m, means, colours, intensity, met, rank, pick = _group(
            prepared, vs, dims, starts, cross, nearest, cancel
        )
        found: tuple[np.ndarray, np.ndarray] | None = (met, rank)
    else:  # the voxel-mean pass alone: each point's voxel waits for the index map
        m, means, colours, intensity, _, _ = _means(prepared, vs, dims, starts, False, cancel)
        found = None
    check_cancel(cancel)
    offsets = np.zeros(len(m) + 1, np.int64)
    np.cumsum(m, out=offsets[1:])
    cloud = prepared.cloud
    if nearest:
        sample = cloud.subset(prepared.order[_kept(pick, starts, m)])
        return VoxelPreview(sample, method, vs, found, prepared, starts, offsets)
    sample = PointCloud(
        xyz=_kept(means, starts, m),
        rgb=_kept(colours, starts, m) if prepared.rgb is not None else None,
        intensity=_kept(intensity, starts, m) if prepared.intensity is not None else None,
        offset=cloud.offset,
        source=cloud.source,
    )
    return VoxelPreview(sample, method, vs, found, prepared, starts, offsets)


def _columns(prepared: PreparedCloud) -> tuple[np.ndarray, np.ndarray]:
    """Colours and intensities of the sorted points, empty arrays when the cloud has none."""
    rgb = prepared.rgb if prepared.rgb is not None else np.zeros((0, 3), np.uint8)
    inten = prepared.intensity if prepared.intensity is not None else np.zeros(0, np.float32)
    return rgb, inten


def _means(
    prepared: PreparedCloud,
    vs: float,
    dims: tuple[int, int, int],
    starts: np.ndarray,
    with_map: bool,
    cancel: CancelFn | None,
) -> tuple[np.ndarray, ...]:
    """`core.voxel_preview_means.voxel_means` over every chunk, cancel checked between calls."""
    rgb, inten = _columns(prepared)
    outputs = mean_outputs(len(prepared.xyz), _CHUNKS, len(rgb) > 0, len(inten) > 0, with_map)
    workers = numba.get_num_threads()
    # The index map's pass runs in the background once the slider rests: a chunk a worker
    # per call, so a new slider step stops it within an eighth.
    per_call = workers if with_map else _CHUNKS_PER_CALL
    for first in range(0, _CHUNKS, per_call):
        check_cancel(cancel)
        last = min(first + per_call, _CHUNKS)
        args = (prepared.lo, vs, dims[2], dims[1] * dims[2], starts, workers, outputs)
        voxel_means(prepared.xyz, rgb, inten, *args, first, last)
    return outputs


def _group(
    prepared: PreparedCloud,
    vs: float,
    dims: tuple[int, int, int],
    starts: np.ndarray,
    cross: int,
    nearest: bool,
    cancel: CancelFn | None,
) -> tuple[np.ndarray, ...]:
    """`core.voxel_preview_kernels.voxel_chunks` (voxel-nearest, or a cross-section too
    big for a table) over every chunk, cancel checked between calls."""
    xyz = prepared.xyz
    rgb, inten = _columns(prepared)
    outputs = new_outputs(len(xyz), _CHUNKS, len(rgb) > 0, len(inten) > 0, nearest)
    workers = numba.get_num_threads()
    for first in range(0, _CHUNKS, _CHUNKS_PER_CALL):  # cancel is checked between calls
        check_cancel(cancel)
        last = min(first + _CHUNKS_PER_CALL, _CHUNKS)
        args = (prepared.lo, vs, dims[2], cross, starts, workers, outputs, first, last)
        voxel_chunks(xyz, prepared.order, rgb, inten, *args)
    return outputs


def _kept(rows: np.ndarray, starts: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Chunk c's voxels sit at rows starts[c]:starts[c] + m[c]: those, in order."""
    return np.concatenate([rows[s : s + k] for s, k in zip(starts[:-1], m, strict=True)])


@numba.njit(parallel=True, cache=True, nogil=True)
def _gather(values, order):  # pragma: no cover - compiled
    out = np.empty((order.shape[0], values.shape[1]), values.dtype)
    for i in numba.prange(order.shape[0]):
        for j in range(values.shape[1]):
            out[i, j] = values[order[i], j]
    return out
