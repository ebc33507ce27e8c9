"""Compiled loops of `core.voxel_preview`: sort along x once, then group slab by slab.

Every voxel index is computed exactly as `core.voxel` computes it,
``int64(floor((p - lo) / voxel_size))``, so the voxels are the same to the last point.
Chunks of consecutive slabs run in parallel; a voxel never spans two slabs, so two
threads never write the same voxel.
"""

from __future__ import annotations

import numba
import numpy as np

#: Segments of the x-sort shorter than this are sorted by insertion (no allocation).
_INSERTION = 24
#: Fibonacci hashing: multiply by 2**64 / golden ratio, keep the top bits.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: A table entry: the slab's first row in the high 32 bits (a stamp: entries of other slabs
#: read as free, so tables are never cleared), the voxel's number in the slab below.
_STAMP = np.int64(-(1 << 32))
_NUMBER = np.int64((1 << 32) - 1)
#: The index of a word's lowest set bit: multiply the bit by a de Bruijn number, look up.
_DEBRUIJN_MUL = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN = np.zeros(64, np.int64)
for _i in range(64):
    _DEBRUIJN[(((1 << _i) * 0x03F79D71B4CB0A89) % 2**64) >> 58] = _i


@numba.njit(cache=True, nogil=True)
def sort_by_x(xyz, lo, hi):  # pragma: no cover - compiled
    """Rows (N,) int32 of `xyz` in ascending x: a counting sort into N/4 buckets of x, then
    each bucket sorted (the bucket of x grows with x, so the result is sorted)."""
    n = xyz.shape[0]
    n_buckets = max(n // 4, 1)
    scale = n_buckets / (hi - lo) if hi > lo else 0.0
    bucket = np.empty(n, np.int32)
    starts = np.zeros(n_buckets + 1, np.int64)
    for i in range(n):
        b = min(np.int64((xyz[i, 0] - lo) * scale), n_buckets - 1)
        bucket[i] = b
        starts[b + 1] += 1
    for b in range(n_buckets):
        starts[b + 1] += starts[b]
    fill = starts[:-1].copy()
    order = np.empty(n, np.int32)
    xs = np.empty(n, np.float64)
    for i in range(n):
        b = bucket[i]
        order[fill[b]] = i
        xs[fill[b]] = xyz[i, 0]
        fill[b] += 1
    for b in range(n_buckets):
        s, e = starts[b], starts[b + 1]
        if e - s <= _INSERTION:
            for j in range(s + 1, e):
                v, r = xs[j], order[j]
                k = j - 1
                while k >= s and xs[k] > v:
                    xs[k + 1] = xs[k]
                    order[k + 1] = order[k]
                    k -= 1
                xs[k + 1] = v
                order[k + 1] = r
        else:
            within = np.argsort(xs[s:e])
            order[s:e] = order[s:e][within]
    return order


@numba.njit(cache=True, nogil=True, inline="always")
def _cell(v, lo, voxel_size):  # pragma: no cover - compiled
    return np.int64(np.floor((v - lo) / voxel_size))


@numba.njit(cache=True, nogil=True, inline="always")
def _fast_cell(v, lo, voxel_size, inverse):  # pragma: no cover - compiled
    """`_cell` with a multiplication: a product within 4.5e-16 relative of the quotient
    floors the same unless the quotient is that close to an integer, where it divides."""
    r = (v - lo) * inverse
    f = np.floor(r)
    tol = 1e-14 * r + 1e-300
    if r - f <= tol or f + 1.0 - r <= tol:
        return _cell(v, lo, voxel_size)
    return np.int64(f)


@numba.njit(cache=True, nogil=True)
def chunk_starts(xyz, lo, voxel_size, n_chunks):  # pragma: no cover - compiled
    """First sorted row (n_chunks + 1,) int64 of each chunk, each at a slab's start."""
    n = xyz.shape[0]
    out = np.empty(n_chunks + 1, np.int64)
    out[0] = 0
    out[n_chunks] = n
    for c in range(1, n_chunks):
        p = max(n * c // n_chunks, out[c - 1])
        if p >= n:
            out[c] = n
            continue
        ix = _cell(xyz[p, 0], lo[0], voxel_size)
        a, b = out[c - 1], p  # the slab of row p starts in [a, p]
        while a < b:
            mid = (a + b) // 2
            if _cell(xyz[mid, 0], lo[0], voxel_size) < ix:
                a = mid + 1
            else:
                b = mid
        out[c] = a
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _probe(keys, table, stamp, key, bits):  # pragma: no cover - compiled
    """Slot of `key` in an open-addressing table of 2**bits slots (free: another stamp)."""
    mask = (1 << bits) - 1
    slot = np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(64 - bits))
    while table[slot] & _STAMP == stamp and keys[slot] != key:
        slot = (slot + 1) & mask
    keys[slot] = key
    return slot


@numba.njit(cache=True, nogil=True)
def _table_bits(size):  # pragma: no cover - compiled
    bits = 4
    while (1 << bits) < 2 * size:
        bits += 1
    return bits


def new_outputs(n, n_chunks, with_rgb, with_inten, nearest):
    """What `voxel_chunks` fills: chunk c's voxels at rows ``starts[c]:starts[c] + m[c]``
    (a chunk has no more voxels than points), in ascending key order.

    m (n_chunks,) int64; means (N, 3) float64; mean colours (N, 3) uint8; mean intensities
    (N,) float32; each sorted point's voxel in the order its chunk met them (N,) int32; the
    rank of each met voxel in its chunk, at row starts[c] + met (N,) int32; and when
    `nearest` the sorted row (N,) int64 of each voxel's point nearest its mean.
    """
    return (
        np.zeros(n_chunks, np.int64),
        np.empty((n, 3), np.float64),
        np.empty((n if with_rgb else 0, 3), np.uint8),
        np.empty(n if with_inten else 0, np.float32),
        np.empty(n, np.int32),
        np.empty(n, np.int32),
        np.empty(n if nearest else 0, np.int64),
    )


@numba.njit(parallel=True, cache=True, nogil=True)
def voxel_chunks(
    xyz, order, rgb, inten, lo, voxel_size, nz, cross, starts, workers, outputs, first, last
):  # pragma: no cover - compiled
    """Group chunks first:last of slabs into `outputs` (see `new_outputs`).

    `cross` is ny * nz when a table of that many cells per worker is small enough to index
    by (iy, iz) directly, else 0 (an open-addressing table sized to each slab). Nearest
    points (when asked for) tie to the lowest row, as `core.voxel.nearest_to_centres`.
    """
    # One iteration per worker, each taking every workers-th chunk, so that each owns
    # one table (numba.get_thread_id would keep the function from being cached).
    for w in numba.prange(workers):
        grid = (lo, voxel_size, 1.0 / voxel_size, nz, cross)
        _worker(xyz, order, rgb, inten, grid, starts, first + w, last, workers, outputs)


@numba.njit(cache=True, nogil=True)
def _scratch(size):  # pragma: no cover - compiled
    """Per-slab sums by voxel in the order met: xyz, colour, intensity, count; and keys."""
    return (
        np.empty((size, 3), np.float64),
        np.empty((size, 3), np.int64),
        np.empty(size, np.float64),
        np.empty(size, np.int64),
        np.empty(size, np.int64),
        np.empty(size, np.int64),
    )


@numba.njit(cache=True, nogil=True)
def _worker(xyz, order, rgb, inten, grid, starts, w, last, workers, outputs):  # pragma: no cover
    lo, voxel_size, inverse, nz, cross = grid
    m = outputs[0]
    # Per (iy, iz) cell (direct) or slot (hash): the slab's first row (a stamp) << 32 | the
    # voxel's number in the slab; and a bitmap of the occupied cells, read in key order.
    table = np.full(cross, -1, np.int64)
    bitmap = np.zeros((cross + 63) // 64, np.uint64)
    keys = np.empty(1, np.int64)  # the hash table's keys, when not direct
    work = _scratch(16)
    for c in range(w, last, workers):
        s, end, out = starts[c], starts[c + 1], starts[c]
        while s < end:
            ix = _cell(xyz[s, 0], lo[0], voxel_size)
            e = s + 1
            while e < end and _fast_cell(xyz[e, 0], lo[0], voxel_size, inverse) == ix:
                e += 1
            if e - s > work[0].shape[0]:
                work = _scratch(2 * (e - s))
            bits = _table_bits(e - s)
            if cross == 0 and (1 << bits) > keys.shape[0]:
                keys = np.empty(1 << bits, np.int64)
                table = np.full(1 << bits, -1, np.int64)
            first = out - starts[c]  # the slab's first voxel, counted in its chunk
            t = _sum_slab(
                xyz, rgb, inten, s, e, grid, table, bitmap, keys, bits, work, first, outputs
            )
            ranked = _rank_slab(t, grid, table, bitmap, work)
            _write_slab(ranked, t, starts[c], out, first, work, outputs)
            if nearest_wanted(outputs):
                _nearest(xyz, order, s, e, t, out, first, work, outputs)
            out += t
            s = e
        m[c] = out - starts[c]


@numba.njit(cache=True, nogil=True, inline="always")
def nearest_wanted(outputs):  # pragma: no cover - compiled
    return outputs[6].shape[0] > 0


@numba.njit(cache=True, nogil=True, inline="always")
def _sum_slab(
    xyz, rgb, inten, s, e, grid, table, bitmap, keys, bits, work, first, outputs
):  # pragma: no cover - compiled
    """Sum the slab s:e's points by voxel, numbering voxels as met; returns how many."""
    lo, voxel_size, inverse, nz, cross = grid
    acc_xyz, acc_rgb, acc_i, count, new_keys = work[0], work[1], work[2], work[3], work[4]
    met = outputs[4]
    with_rgb, with_inten = rgb.shape[0] > 0, inten.shape[0] > 0
    stamp = np.int64(s) << 32
    t = 0
    for j in range(s, e):
        iy = _fast_cell(xyz[j, 1], lo[1], voxel_size, inverse)
        iz = _fast_cell(xyz[j, 2], lo[2], voxel_size, inverse)
        key = iy * nz + iz
        slot = key if cross > 0 else _probe(keys, table, stamp, key, bits)
        entry = table[slot]
        if entry & _STAMP == stamp:
            u = entry & _NUMBER
        else:
            u = t
            t += 1
            table[slot] = stamp | u
            new_keys[u] = key
            if cross > 0:
                bitmap[key >> 6] |= np.uint64(1) << np.uint64(key & 63)
            count[u] = 0
            acc_xyz[u, 0] = acc_xyz[u, 1] = acc_xyz[u, 2] = 0.0
            acc_rgb[u, 0] = acc_rgb[u, 1] = acc_rgb[u, 2] = 0
            acc_i[u] = 0.0
        count[u] += 1
        for a in range(3):
            acc_xyz[u, a] += xyz[j, a]
        if with_rgb:
            for a in range(3):
                acc_rgb[u, a] += rgb[j, a]
        if with_inten:
            acc_i[u] += inten[j]
        met[j] = first + u
    return t


@numba.njit(cache=True, nogil=True, inline="always")
def _rank_slab(t, grid, table, bitmap, work):  # pragma: no cover - compiled
    """The slab's voxels (as met) in ascending (iy, iz), so ascending keys (as core.voxel)."""
    cross = grid[4]
    new_keys = work[4]
    if cross == 0:
        return np.argsort(new_keys[:t])
    ranked = np.empty(t, np.int64)
    low, high = new_keys[0] >> 6, new_keys[0] >> 6
    for u in range(t):
        low = min(low, new_keys[u] >> 6)
        high = max(high, new_keys[u] >> 6)
    r = 0
    for word_at in range(low, high + 1):
        word = bitmap[word_at]
        while word:
            lowest = word & (~word + np.uint64(1))
            bit = _DEBRUIJN[(lowest * _DEBRUIJN_MUL) >> np.uint64(58)]
            ranked[r] = table[(word_at << 6) + bit] & _NUMBER
            r += 1
            word ^= lowest
        bitmap[word_at] = 0
    return ranked


@numba.njit(cache=True, nogil=True, inline="always")
def _write_slab(ranked, t, chunk_start, out, first, work, outputs):  # pragma: no cover
    acc_xyz, acc_rgb, acc_i, count, rank_of = work[0], work[1], work[2], work[3], work[5]
    means, colours, intensity, rank = outputs[1], outputs[2], outputs[3], outputs[5]
    for r in range(t):
        u = ranked[r]
        rank_of[u] = r
        rank[chunk_start + first + u] = first + r
        q = out + r
        for a in range(3):
            means[q, a] = acc_xyz[u, a] / count[u]
        if colours.shape[0] > 0:
            for a in range(3):
                colours[q, a] = np.uint8(np.rint(np.float64(acc_rgb[u, a]) / count[u]))
        if intensity.shape[0] > 0:
            intensity[q] = np.float32(acc_i[u] / count[u])


@numba.njit(cache=True, nogil=True, inline="always")
def _nearest(xyz, order, s, e, t, out, first, work, outputs):  # pragma: no cover - compiled
    """Each voxel of the slab: its point nearest the mean, as core.voxel finds it.

    Distances to a mean near-tie on quantised coordinates, so the mean must be core's to
    the last bit: the points are summed again in the cloud's row order, as core sums them,
    and visited in that order, so ties go to the lowest row as there.
    """
    acc_xyz, count, rank_of = work[0], work[3], work[5]
    means, met, pick = outputs[1], outputs[4], outputs[6]
    in_rows = np.argsort(order[s:e]) + s
    acc_xyz[:t] = 0.0
    for j in in_rows:
        u = met[j] - first
        for a in range(3):
            acc_xyz[u, a] += xyz[j, a]
    for u in range(t):
        q = out + rank_of[u]
        for a in range(3):
            means[q, a] = acc_xyz[u, a] / count[u]
    best = np.full(t, np.inf)
    for j in in_rows:
        u = met[j] - first
        q = out + rank_of[u]
        dx = xyz[j, 0] - means[q, 0]
        dy = xyz[j, 1] - means[q, 1]
        dz = xyz[j, 2] - means[q, 2]
        d = dx * dx + dy * dy + dz * dz
        if d < best[u]:  # strict: the lowest row wins a tie
            best[u] = d
            pick[q] = j


@numba.njit(parallel=True, cache=True, nogil=True)
def index_map(met, rank, order, starts, offsets):  # pragma: no cover - compiled
    """Sample row (N,) int32 of each cloud row, from each sorted row's voxel as met."""
    out = np.empty(met.shape[0], np.int32)
    for c in numba.prange(starts.shape[0] - 1):
        first = starts[c]
        for j in range(first, starts[c + 1]):
            out[order[j]] = offsets[c] + rank[first + met[j]]
    return out
