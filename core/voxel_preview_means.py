"""The voxel-mean pass of `core.voxel_preview`: one cache line of sums a voxel.

`core.voxel_preview_kernels` keeps each voxel's sums in four arrays (xyz, colour,
intensity, count), so every point touched four cache lines at random, wrote its voxel
and rank for the index map, and scanned its slab twice (once to find its end). Here a
voxel's eight sums share one 64-byte row, a slab's end is found by a binary search on the
sorted x, and the voxel of each point (for the index map) is written only when asked
for: "Use this sample" runs the pass again with it. On the 20M room at 1-5 cm it took
0.34-0.52 of the older pass's time, both on two cores in one process (load 2-2.6).

Same voxels, order, counts and colours as `core.voxel`: every cell is
``floor((p - lo) / voxel_size)``, a voxel's points are summed in sorted order as there.
"""

from __future__ import annotations

import numba
import numpy as np

from core.voxel_preview_kernels import _DEBRUIJN, _DEBRUIJN_MUL, _cell

#: Slots of a voxel's row of sums.
_X, _R, _I, _COUNT = 0, 3, 6, 7
_STAMP = np.int64(-(1 << 32))
#: Points whose cells are found before they are summed (the cells stay in L1).
_BLOCK = 2048
_NUMBER = np.int64((1 << 32) - 1)


def mean_outputs(n, n_chunks, with_rgb, with_inten, with_map):
    """What `voxel_means` fills: m (n_chunks,) int64 voxels per chunk; means (N, 3)
    float64, colours (N, 3) uint8, intensities (N,) float32 at rows starts[c]:starts[c] +
    m[c]; and, when `with_map`, each sorted point's voxel as met and the met voxels'
    ranks (N,) int32 (see `core.voxel_preview_kernels.new_outputs`)."""
    return (
        np.zeros(n_chunks, np.int64),
        np.empty((n, 3), np.float64),
        np.empty((n if with_rgb else 0, 3), np.uint8),
        np.empty(n if with_inten else 0, np.float32),
        np.empty(n if with_map else 0, np.int32),
        np.empty(n if with_map else 0, np.int32),
    )


@numba.njit(parallel=True, cache=True, nogil=True)
def voxel_means(
    xyz, rgb, inten, lo, voxel_size, nz, cross, starts, workers, outputs, first, last
):  # pragma: no cover - compiled
    """Voxel means of chunks first:last of slabs into `outputs` (see `mean_outputs`).

    `cross` = ny * nz: a table of that many cells a worker (the caller keeps it small).
    """
    for w in numba.prange(workers):  # one table a worker, each takes every workers-th chunk
        table = np.full(cross, -1, np.int64)
        bitmap = np.zeros((cross + 63) // 64, np.uint64)
        sums = np.empty((16, 8), np.float64)
        keys = np.empty(16, np.int64)
        for c in range(first + w, last, workers):
            s, end, out = starts[c], starts[c + 1], starts[c]
            while s < end:
                ix = _cell(xyz[s, 0], lo[0], voxel_size)
                e = _slab_end(xyz, s, end, ix, lo[0], voxel_size)
                if e - s > keys.shape[0]:
                    sums = np.empty((2 * (e - s), 8), np.float64)
                    keys = np.empty(2 * (e - s), np.int64)
                grid = (lo, voxel_size, nz)
                t = _sum_slab(
                    xyz, rgb, inten, s, e, grid, table, bitmap, sums, keys, out - starts[c], outputs
                )
                _write_ranked(t, keys, table, bitmap, sums, starts[c], out, outputs)
                out += t
                s = e
            outputs[0][c] = out - starts[c]


@numba.njit(cache=True, nogil=True, inline="always")
def _slab_end(xyz, s, end, ix, lo, voxel_size):  # pragma: no cover - compiled
    """First row after s (at most `end`) whose x-cell is past `ix`: x is sorted and the
    cell of x never decreases with it, so gallop then bisect (a few reads a slab)."""
    a, step = s, 1  # cell(a) == ix throughout
    b = min(s + step, end)
    while b < end and _cell(xyz[b, 0], lo, voxel_size) == ix:
        a, step = b, step * 2
        b = min(s + step, end)
    if b == end and _cell(xyz[end - 1, 0], lo, voxel_size) == ix:
        return end
    while b - a > 1:  # cell(b) > ix
        mid = (a + b) // 2
        if _cell(xyz[mid, 0], lo, voxel_size) == ix:
            a = mid
        else:
            b = mid
    return b


@numba.njit(cache=True, nogil=True, inline="always")
def _sum_slab(
    xyz, rgb, inten, s, e, grid, table, bitmap, sums, keys, first, outputs
):  # pragma: no cover - compiled
    """Sum slab s:e by (iy, iz) cell, numbering voxels as met; returns how many.

    The cells of a block of points are found first, then the block is summed: two short
    loops ran 15-20% faster than one (the divisions overlap instead of waiting on the
    table), and a division was faster here than `_fast_cell`'s product and its check.
    """
    lo, voxel_size, nz = grid
    met = outputs[4]
    with_rgb, with_inten, with_map = rgb.shape[0] > 0, inten.shape[0] > 0, met.shape[0] > 0
    stamp = np.int64(s) << 32  # table entries of other slabs read as free: never cleared
    cells = np.empty(_BLOCK, np.int64)
    t = 0
    for block in range(s, e, _BLOCK):
        stop = min(block + _BLOCK, e)
        for j in range(block, stop):
            cells[j - block] = _cell(xyz[j, 1], lo[1], voxel_size) * nz + _cell(
                xyz[j, 2], lo[2], voxel_size
            )
        for j in range(block, stop):
            key = cells[j - block]
            entry = table[key]
            if entry & _STAMP == stamp:
                u = entry & _NUMBER
            else:
                u = t
                t += 1
                table[key] = stamp | u
                keys[u] = key
                bitmap[key >> 6] |= np.uint64(1) << np.uint64(key & 63)
                for a in range(8):
                    sums[u, a] = 0.0
            for a in range(3):
                sums[u, _X + a] += xyz[j, a]
            if with_rgb:
                for a in range(3):
                    sums[u, _R + a] += rgb[j, a]
            if with_inten:
                sums[u, _I] += inten[j]
            sums[u, _COUNT] += 1.0
            if with_map:
                met[j] = first + u
    return t


@numba.njit(cache=True, nogil=True, inline="always")
def _write_ranked(t, keys, table, bitmap, sums, chunk_start, out, outputs):  # pragma: no cover
    """The slab's voxels in ascending (iy, iz), so ascending key (as core.voxel), from the
    bitmap of its occupied cells; clears the bitmap."""
    means, colours, intensity, rank = outputs[1], outputs[2], outputs[3], outputs[5]
    low, high = keys[0] >> 6, keys[0] >> 6
    for u in range(t):
        low = min(low, keys[u] >> 6)
        high = max(high, keys[u] >> 6)
    first = out - chunk_start
    r = 0
    for word_at in range(low, high + 1):
        word = bitmap[word_at]
        while word:
            lowest = word & (~word + np.uint64(1))
            bit = _DEBRUIJN[(lowest * _DEBRUIJN_MUL) >> np.uint64(58)]
            u = table[(word_at << 6) + bit] & _NUMBER
            q, n = out + r, sums[u, _COUNT]
            for a in range(3):
                means[q, a] = sums[u, _X + a] / n
            if colours.shape[0] > 0:
                for a in range(3):
                    colours[q, a] = np.uint8(np.rint(sums[u, _R + a] / n))
            if intensity.shape[0] > 0:
                intensity[q] = np.float32(sums[u, _I] / n)
            if rank.shape[0] > 0:
                rank[chunk_start + first + u] = first + r
            r += 1
            word ^= lowest
        bitmap[word_at] = 0
