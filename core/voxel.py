"""Grouping points by voxel without a dense grid, and a grid search for nearest points.

A voxel is a cube of edge `voxel_size` anchored at the cloud's minimum corner: point
``p`` lies in voxel ``floor((p - min) / voxel_size)`` per axis, so a point exactly on a
boundary belongs to the voxel above it. The three integer indices are packed into one
int64 key. Keys are bucketed by their high bits (a counting sort) and each bucket is
numbered through a small table that stays in the CPU cache: O(N) with sequential
memory access (a hash table over all keys was 5x slower: one cache miss per point).
Memory grows with the points and the occupied voxels, never with the empty ones
(``binned_statistic_dd`` in the AWS notebook allocates every bin of the bounding box:
5.5 GB at 1M points and 1.3 cm).

The end of the module holds the k-nearest search on a grid of cells that
`core.transfer` uses: its cells are sized to the sample, a few per sample point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from core.errors import InputError

#: Buckets of 2**16 consecutive keys: the per-bucket table (256 kB) stays in cache.
_SHIFT = 16


@dataclass
class VoxelGroups:
    """Occupied voxels of a cloud, in ascending key order.

    Attributes
    ----------
    ids : (N,) int32
        Row of each point's voxel in `keys`.
    keys : (M,) int64
        Packed voxel indices ``(ix * ny + iy) * nz + iz``, ascending.
    counts : (M,) int64
        Points per voxel.
    """

    ids: np.ndarray
    keys: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)


def grid_shape(xyz: np.ndarray, voxel_size: float) -> tuple[np.ndarray, tuple[int, int, int]]:
    """The grid's minimum corner (3,) float64 and its number of voxels per axis."""
    if not np.isfinite(voxel_size) or voxel_size <= 0:
        raise InputError(
            f"the voxel size must be a positive number of metres, got {voxel_size}; "
            "give a size such as 0.05."
        )
    if len(xyz) == 0:
        raise InputError("the cloud has no points; load a cloud with points first.")
    lo, hi = corners(xyz)
    return lo, grid_dims(lo, hi, voxel_size)


def grid_dims(lo: np.ndarray, hi: np.ndarray, voxel_size: float) -> tuple[int, int, int]:
    """Voxels per axis of the grid from corner `lo` (3,) to `hi` (3,); InputError if too many."""
    if not np.isfinite(voxel_size) or voxel_size <= 0:
        raise InputError(
            f"the voxel size must be a positive number of metres, got {voxel_size}; "
            "give a size such as 0.05."
        )
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise InputError("the cloud has NaN or infinite coordinates; clean the file first.")
    with np.errstate(over="ignore"):  # a tiny voxel size: told below as such
        span = np.floor((hi - lo) / voxel_size)
    if not np.all(np.isfinite(span)) or float(np.prod(span + 1)) >= 2.0**62:
        raise InputError(
            f"the voxel size {voxel_size:g} m is too small for a cloud this large (the grid "
            "would need more cells than can be counted); use a larger voxel size."
        )
    dims = (int(span[0]) + 1, int(span[1]) + 1, int(span[2]) + 1)
    if dims[0] * dims[1] * dims[2] >= 2**62:
        raise InputError(
            f"the voxel size {voxel_size} m is too small for a cloud this large; use a larger one."
        )
    return dims


def corners(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum corner (3,) float64 of (N, 3) points, in one pass.

    ``xyz.min(axis=0)`` walks an (N, 3) array with a stride and takes 0.7 s at 20M points.
    """
    return _corners(np.ascontiguousarray(xyz, dtype=np.float64))


@numba.njit(cache=True, nogil=True)
def _corners(xyz):  # pragma: no cover - compiled
    lo = xyz[0].copy()
    hi = xyz[0].copy()
    for i in range(1, xyz.shape[0]):
        for a in range(3):
            v = xyz[i, a]
            # NaN fails both tests; grid_shape catches it through the non-finite span.
            if v < lo[a]:
                lo[a] = v
            elif v > hi[a]:
                hi[a] = v
            elif v != v:
                lo[a] = v
    return lo, hi


@numba.njit(cache=True, nogil=True)
def _keys(xyz, lo, voxel_size, ny, nz):  # pragma: no cover - compiled
    # Serial on purpose: it is memory-bound, and threads only contend on a shared machine.
    n = xyz.shape[0]
    keys = np.empty(n, np.int64)
    for i in range(n):
        ix = np.int64(np.floor((xyz[i, 0] - lo[0]) / voxel_size))
        iy = np.int64(np.floor((xyz[i, 1] - lo[1]) / voxel_size))
        iz = np.int64(np.floor((xyz[i, 2] - lo[2]) / voxel_size))
        keys[i] = (ix * ny + iy) * nz + iz
    return keys


@numba.njit(cache=True, nogil=True, inline="always")
def _key(xyz, i, lo, voxel_size, ny, nz):  # pragma: no cover - compiled
    ix = np.int64(np.floor((xyz[i, 0] - lo[0]) / voxel_size))
    iy = np.int64(np.floor((xyz[i, 1] - lo[1]) / voxel_size))
    iz = np.int64(np.floor((xyz[i, 2] - lo[2]) / voxel_size))
    return (ix * ny + iy) * nz + iz


@numba.njit(cache=True, nogil=True)
def _scatter_points(xyz, lo, voxel_size, ny, nz, shift, n_buckets):  # pragma: no cover
    """Counting sort of the points by their key's high bits: buckets of 2**shift keys.

    The keys are computed twice rather than stored (8 bytes a point saved), and each
    bucket keeps only its points' low 16 bits: a point's place tells its bucket.
    """
    n = xyz.shape[0]
    starts = np.zeros(n_buckets + 1, np.int64)
    for i in range(n):
        starts[(_key(xyz, i, lo, voxel_size, ny, nz) >> shift) + 1] += 1
    for b in range(n_buckets):
        starts[b + 1] += starts[b]
    fill = starts[:-1].copy()
    low_bits = np.empty(n, np.uint16)
    order = np.empty(n, np.int32)
    mask = (1 << shift) - 1
    for i in range(n):
        key = _key(xyz, i, lo, voxel_size, ny, nz)
        b = key >> shift
        low_bits[fill[b]] = key & mask
        order[fill[b]] = i
        fill[b] += 1
    return starts, low_bits, order


@numba.njit(cache=True, nogil=True)
def _group_buckets(starts, low_bits, order, shift):  # pragma: no cover - compiled
    """Number the distinct keys in ascending order, one cache-sized bucket at a time."""
    n = low_bits.shape[0]
    table = np.full(1 << shift, -1, np.int32)
    touched = np.empty(1 << shift, np.int64)
    ids = np.empty(n, np.int32)
    uniq = np.empty(1024, np.int64)
    m = 0
    for b in range(starts.shape[0] - 1):
        lo, hi = starts[b], starts[b + 1]
        base = np.int64(b) << shift
        t = 0
        for j in range(lo, hi):
            off = low_bits[j]
            if table[off] < 0:
                table[off] = 0
                touched[t] = off
                t += 1
        offsets = np.sort(touched[:t])
        if m + t > uniq.shape[0]:
            grown = np.empty(max(2 * uniq.shape[0], m + t), np.int64)
            grown[:m] = uniq[:m]
            uniq = grown
        for r in range(t):
            table[offsets[r]] = m + r
            uniq[m + r] = base + offsets[r]
        for j in range(lo, hi):
            ids[order[j]] = table[low_bits[j]]
        for r in range(t):
            table[offsets[r]] = -1
        m += t
    return ids, uniq[:m].copy()


@numba.njit(cache=True, nogil=True)
def _sum_rows(ids, values, m):  # pragma: no cover - compiled
    n, c = values.shape
    sums = np.zeros((m, c), np.float64)
    for i in range(n):
        g = ids[i]
        for j in range(c):
            sums[g, j] += values[i, j]
    return sums


@numba.njit(cache=True, nogil=True)
def _nearest_to(ids, xyz, centres):  # pragma: no cover - compiled
    m = centres.shape[0]
    best = np.full(m, np.inf)
    pick = np.zeros(m, np.int64)
    for i in range(xyz.shape[0]):
        g = ids[i]
        dx = xyz[i, 0] - centres[g, 0]
        dy = xyz[i, 1] - centres[g, 1]
        dz = xyz[i, 2] - centres[g, 2]
        d = dx * dx + dy * dy + dz * dz
        # Strict '<' keeps the lowest index on ties, so the choice is deterministic.
        if d < best[g]:
            best[g] = d
            pick[g] = i
    return pick


def voxel_keys(xyz: np.ndarray, voxel_size: float) -> np.ndarray:
    """Packed voxel key (N,) int64 of every point (see the module docstring)."""
    xyz = np.ascontiguousarray(xyz, dtype=np.float64)
    lo, dims = grid_shape(xyz, voxel_size)
    return _keys(xyz, lo, float(voxel_size), dims[1], dims[2])


def group_voxels(xyz: np.ndarray, voxel_size: float) -> VoxelGroups:
    """Group (N, 3) points by voxel; voxels numbered in ascending key order."""
    xyz = np.ascontiguousarray(xyz, dtype=np.float64)
    lo, dims = grid_shape(xyz, voxel_size)
    top = (dims[0] * dims[1] * dims[2] - 1) >> _SHIFT
    if top < max(len(xyz), 1 << 20):
        starts, low_bits, order = _scatter_points(
            xyz, lo, float(voxel_size), dims[1], dims[2], _SHIFT, top + 1
        )
        ids, uniq = _group_buckets(starts, low_bits, order, _SHIFT)
        del starts, low_bits, order
    else:
        # Keys spread over a huge range (fine voxels, vast extent): sort them instead.
        keys = _keys(xyz, lo, float(voxel_size), dims[1], dims[2])
        uniq, inverse = np.unique(keys, return_inverse=True)
        ids = inverse.astype(np.int32).reshape(-1)
    counts = np.bincount(ids, minlength=len(uniq)).astype(np.int64, copy=False)
    return VoxelGroups(ids=ids, keys=uniq, counts=counts)


def count_voxels(xyz: np.ndarray, voxel_size: float) -> int:
    """Number of occupied voxels of edge `voxel_size` (a preview of the sample size)."""
    return len(group_voxels(xyz, voxel_size).keys)


def voxel_sums(groups: VoxelGroups, values: np.ndarray) -> np.ndarray:
    """Per-voxel sums (M, C) float64 of (N, C) or (N,) values."""
    values = np.ascontiguousarray(values)
    flat = values.ndim == 1
    sums = _sum_rows(groups.ids, values.reshape(len(values), -1), len(groups))
    return sums[:, 0] if flat else sums


def voxel_means(groups: VoxelGroups, values: np.ndarray) -> np.ndarray:
    """Per-voxel means (M, C) or (M,) float64 of (N, C) or (N,) values."""
    sums = voxel_sums(groups, values)
    # In place: a second (M, C) array would be the biggest temporary of a voxel mean.
    sums /= groups.counts if sums.ndim == 1 else groups.counts[:, None]
    return sums


def voxel_mean_colours(groups: VoxelGroups, rgb: np.ndarray) -> np.ndarray:
    """Per-voxel mean colour (M, 3) uint8, rounded half to even.

    The same values as ``np.rint(voxel_means(groups, rgb)).astype(np.uint8)`` without
    its two (M, 3) float64 temporaries (116 MB at 2.4M voxels).
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    # 32-bit sums cannot overflow below 2**24 points (255 * 2**24 < 2**32).
    wide = np.uint32 if groups.counts.max(initial=0) < 2**24 else np.uint64
    sums = np.zeros((len(groups), 3), wide)
    return _mean_colours(groups.ids, rgb, groups.counts, sums)


@numba.njit(cache=True, nogil=True)
def _mean_colours(ids, rgb, counts, sums):  # pragma: no cover - compiled
    m = counts.shape[0]
    # Integer sums are exact, so dividing them equals dividing float64 sums.
    for i in range(ids.shape[0]):
        g = ids[i]
        for j in range(3):
            sums[g, j] += rgb[i, j]
    out = np.empty((m, 3), np.uint8)
    for g in range(m):
        for j in range(3):
            out[g, j] = np.uint8(np.rint(np.float64(sums[g, j]) / counts[g]))
    return out


def nearest_to_centres(groups: VoxelGroups, xyz: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index (M,) int64 of the point of each voxel closest to that voxel's centre (M, 3)."""
    xyz = np.ascontiguousarray(xyz, dtype=np.float64)
    return _nearest_to(groups.ids, xyz, np.ascontiguousarray(centres))


# Exact k-nearest-neighbour search on a dense grid of cells, ring by ring around a
# point's cell. core.transfer uses it for the points near class boundaries.

#: Rings searched before handing a point to a tree (a ring costs (2r + 1)^2 cells).
_MAX_RINGS = 6


@numba.njit(cache=True, nogil=True)
def cell_of(v, lo, h):  # pragma: no cover - compiled
    """Index of the cell of edge h (from lo) holding coordinate v."""
    return np.int64(np.floor((v - lo) / h))


@numba.njit(cache=True, nogil=True)
def offer(d2, p, best_d, best_i, cnt, k):  # pragma: no cover - compiled
    """Insert candidate p at squared distance d2 into the sorted k best; return the count."""
    if cnt < k or d2 < best_d[k - 1]:
        j = min(cnt, k - 1)
        while j > 0 and best_d[j - 1] > d2:
            best_d[j] = best_d[j - 1]
            best_i[j] = best_i[j - 1]
            j -= 1
        best_d[j] = d2
        best_i[j] = p
        cnt = min(cnt + 1, k)
    return cnt


@numba.njit(cache=True, nogil=True)
def ring_search(
    px, py, pz, pts, starts, lo, h, dims, k, max_d2, r, best_d, best_i, cnt
):  # pragma: no cover
    """Continue an exact k-nearest search from ring `r` of cells around the point's cell.

    Returns the number found, or -2 when the neighbours are too far for rings (use a tree).
    """
    nx, ny, nz = dims[0], dims[1], dims[2]
    cx, cy, cz = cell_of(px, lo[0], h), cell_of(py, lo[1], h), cell_of(pz, lo[2], h)
    # Start at the first ring that touches the grid; stop once a ring covers the grid.
    r = max(r, -cx, cx - nx + 1, -cy, cy - ny + 1, -cz, cz - nz + 1)
    r_max = max(cx, nx - 1 - cx, cy, ny - 1 - cy, cz, nz - 1 - cz)
    r_first = r
    while r <= r_max:
        # Far neighbours cost (2r + 1)^2 cells a ring: a tree is cheaper there.
        if r > r_first + _MAX_RINGS:
            return -2
        for ix in range(max(cx - r, 0), min(cx + r, nx - 1) + 1):
            for iy in range(max(cy - r, 0), min(cy + r, ny - 1) + 1):
                shell = abs(ix - cx) == r or abs(iy - cy) == r
                base = (ix * ny + iy) * nz
                for iz in range(max(cz - r, 0), min(cz + r, nz - 1) + 1):
                    if not shell and abs(iz - cz) != r:
                        continue
                    for p in range(starts[base + iz], starts[base + iz + 1]):
                        d2 = (pts[p, 0] - px) ** 2 + (pts[p, 1] - py) ** 2
                        d2 += (pts[p, 2] - pz) ** 2
                        if d2 <= max_d2:
                            cnt = offer(d2, p, best_d, best_i, cnt, k)
        gap = cube_gap(px, py, pz, cx, cy, cz, r, lo, h)
        if gap * gap > max_d2 or (cnt == k and best_d[k - 1] <= gap * gap):
            break
        r += 1
    return cnt


@numba.njit(cache=True, nogil=True, inline="always")
def cube_gap(px, py, pz, cx, cy, cz, r, lo, h):  # pragma: no cover - compiled
    """Distance from the point to the outside of the cube of cells c - r .. c + r."""
    return min(
        min(px - (lo[0] + (cx - r) * h), lo[0] + (cx + r + 1) * h - px),
        min(py - (lo[1] + (cy - r) * h), lo[1] + (cy + r + 1) * h - py),
        min(pz - (lo[2] + (cz - r) * h), lo[2] + (cz + r + 1) * h - pz),
    )


@numba.njit(parallel=True, cache=True, nogil=True)
def ring_knn(queries, pts, starts, lo, h, dims, k, max_d2, out_d2, out_i):  # pragma: no cover
    """Exact k nearest of each query by rings of cells; rows left at -2 gave up."""
    for q in numba.prange(queries.shape[0]):
        best_d, best_i = out_d2[q], out_i[q]
        best_d[:] = np.inf
        best_i[:] = -1
        px, py, pz = queries[q, 0], queries[q, 1], queries[q, 2]
        if ring_search(px, py, pz, pts, starts, lo, h, dims, k, max_d2, 0, best_d, best_i, 0) < 0:
            best_i[:] = -2
