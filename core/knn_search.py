"""The k-nearest search beyond a cell's 3 x 3 x 3 block, and for the queries rings gave up on.

`beyond_block` continues a query whose block already holds k candidates: only cells
closer than its k-th candidate can hold a better one, so it visits those cells alone,
column by column, instead of whole rings of cells (`core.voxel.ring_search` scans the
98 cells of ring 2 and the 218 of ring 3 though a sparse fringe's query needs a few).

`few_far` takes the few queries the cells gave up on (outside the grid, or blob fringes
ten cells from anything): rings, then a scan of the whole sample, about a millisecond
each, where building a tree for them cost 0.06-0.1 s at a million sample points.
"""

from __future__ import annotations

import numba
import numpy as np

from core.voxel import cube_gap, offer, ring_search

#: Far queries up to this many are searched by `few_far`, more by rings and a tree.
SCAN_ALL_UP_TO = 64
#: Far queries up to this many are searched on one thread (rings cost microseconds).
ONE_THREAD_UP_TO = 4096
#: Whole rings of cells searched around a sparse query (a ring costs (2r + 1)^2 cells).
MAX_RINGS = 8


@numba.njit(cache=True, nogil=True, inline="always")
def _gap(v, low, h):  # pragma: no cover - compiled
    """Distance from coordinate v to the slab [low, low + h] (0 inside)."""
    return max(0.0, low - v, v - low - h)


@numba.njit(cache=True, nogil=True)
def beyond_block(
    px, py, pz, pts, starts, lo, h, dims, cell_xyz, done, k, best_d, best_i
):  # pragma: no cover - compiled
    """Offer the query every point beyond ring `done` of its cell closer than its k-th best.

    `best_d` (k,) holds k candidates (sorted squared distances), `best_i` their rows;
    both are updated in place; the cells within `done` rings of the query's cell were
    scanned already. Cells are skipped by their box's distance to the query, with a
    slack of 1e-9 cell so a point rounded onto a cell's face is kept.
    """
    nx, ny, nz = dims[0], dims[1], dims[2]
    cx, cy, cz = cell_xyz
    slack = 1e-9 * h
    # A cell d columns away lies at least (d - 1) h from the query.
    reach = max(np.int64((np.sqrt(best_d[k - 1]) + slack) / h) + 1, done)
    for jx in range(max(cx - reach, 0), min(cx + reach, nx - 1) + 1):
        gx = max(_gap(px, lo[0] + jx * h, h) - slack, 0.0)
        if gx * gx > best_d[k - 1]:
            continue
        for jy in range(max(cy - reach, 0), min(cy + reach, ny - 1) + 1):
            gy = max(_gap(py, lo[1] + jy * h, h) - slack, 0.0)
            rest = best_d[k - 1] - gx * gx - gy * gy
            if rest < 0.0:
                continue
            # The column's cells within reach along z, one run of rows.
            span = np.sqrt(rest) + slack
            z0 = max(np.int64(np.floor((pz - span - lo[2]) / h)), 0)
            z1 = min(np.int64(np.floor((pz + span - lo[2]) / h)), nz - 1)
            base = (jx * ny + jy) * nz
            if abs(jx - cx) > done or abs(jy - cy) > done:
                _offer_run(
                    px, py, pz, pts, starts[base + z0], starts[base + z1 + 1], k, best_d, best_i
                )
                continue
            # The inner cells were scanned already: the runs below and above them.
            top = min(z1, cz - done - 1)
            if z0 <= top:
                _offer_run(
                    px, py, pz, pts, starts[base + z0], starts[base + top + 1], k, best_d, best_i
                )
            bottom = max(z0, cz + done + 1)
            if bottom <= z1:
                _offer_run(
                    px, py, pz, pts, starts[base + bottom], starts[base + z1 + 1], k, best_d, best_i
                )


@numba.njit(cache=True, nogil=True, inline="always")
def _offer_run(px, py, pz, pts, first, last, k, best_d, best_i):  # pragma: no cover
    for p in range(first, last):
        d2 = (pts[p, 0] - px) ** 2 + (pts[p, 1] - py) ** 2
        d2 += (pts[p, 2] - pz) ** 2
        if d2 < best_d[k - 1]:
            offer(d2, p, best_d, best_i, k, k)


@numba.njit(cache=True, nogil=True)
def rings_then_beyond(
    px, py, pz, pts, starts, lo, h, dims, cell_xyz, k, max_d2, best_d, best_i, cnt
):  # pragma: no cover - compiled
    """Finish the search of a query whose block holds fewer than k candidates.

    Whole rings from ring 2 until k candidates are found, then `beyond_block` for the
    closer cells past them. Returns the count, or -2 when the neighbours lie beyond
    MAX_RINGS rings (a tree or a full scan takes the query).
    """
    nx, ny, nz = dims[0], dims[1], dims[2]
    cx, cy, cz = cell_xyz
    for r in range(2, MAX_RINGS + 1):
        for jx in range(max(cx - r, 0), min(cx + r, nx - 1) + 1):
            for jy in range(max(cy - r, 0), min(cy + r, ny - 1) + 1):
                base = (jx * ny + jy) * nz
                if abs(jx - cx) == r or abs(jy - cy) == r:
                    z0, z1 = max(cz - r, 0), min(cz + r, nz - 1)
                    cnt = _offer_all(
                        px,
                        py,
                        pz,
                        pts,
                        starts[base + z0],
                        starts[base + z1 + 1],
                        k,
                        max_d2,
                        best_d,
                        best_i,
                        cnt,
                    )
                    continue
                if cz - r >= 0:
                    cnt = _offer_all(
                        px,
                        py,
                        pz,
                        pts,
                        starts[base + cz - r],
                        starts[base + cz - r + 1],
                        k,
                        max_d2,
                        best_d,
                        best_i,
                        cnt,
                    )
                if cz + r < nz:
                    cnt = _offer_all(
                        px,
                        py,
                        pz,
                        pts,
                        starts[base + cz + r],
                        starts[base + cz + r + 1],
                        k,
                        max_d2,
                        best_d,
                        best_i,
                        cnt,
                    )
        gap = cube_gap(px, py, pz, cx, cy, cz, r, lo, h)
        if gap * gap > max_d2 or (cnt == k and best_d[k - 1] <= gap * gap):
            return cnt
        if cnt == k:
            beyond_block(px, py, pz, pts, starts, lo, h, dims, cell_xyz, r, k, best_d, best_i)
            return cnt
        if r >= max(cx, nx - 1 - cx, cy, ny - 1 - cy, cz, nz - 1 - cz):
            return cnt  # the rings covered the whole grid
    return -2


@numba.njit(cache=True, nogil=True, inline="always")
def _offer_all(px, py, pz, pts, first, last, k, max_d2, best_d, best_i, cnt):  # pragma: no cover
    for p in range(first, last):
        d2 = (pts[p, 0] - px) ** 2 + (pts[p, 1] - py) ** 2
        d2 += (pts[p, 2] - pz) ** 2
        if d2 <= max_d2 and (cnt < k or d2 < best_d[k - 1]):
            cnt = offer(d2, p, best_d, best_i, cnt, k)
    return cnt


@numba.njit(cache=True, nogil=True)
def past_block(px, py, pz, grid, k, max_d2, cell_xyz, best_d, best_i, cnt):  # pragma: no cover
    """Finish a query whose cell's 3 x 3 x 3 block was scanned; the count, -2 = give up."""
    pts, codes, starts, lo, h, dims = grid
    cx, cy, cz = cell_xyz
    gap = cube_gap(px, py, pz, cx, cy, cz, 1, lo, h)
    if gap * gap > max_d2 or (cnt == k and best_d[k - 1] <= gap * gap):
        return cnt
    if cnt == k:
        # Only the cells closer than the k-th candidate, not whole rings.
        beyond_block(px, py, pz, pts, starts, lo, h, dims, cell_xyz, 1, k, best_d, best_i)
        return cnt
    return rings_then_beyond(
        px, py, pz, pts, starts, lo, h, dims, cell_xyz, k, max_d2, best_d, best_i, cnt
    )


@numba.njit(cache=True, nogil=True)
def search_alone(px, py, pz, grid, k, max_d2, cell, cell_xyz, best_d, best_i):  # pragma: no cover
    """The k nearest of a query with few others in its cell, read straight from the grid.

    Copying the block pays only when several queries scan it (half the cells of the
    independent room at 1M hold one query). Candidates come in the order the copy
    holds them, the cell's own points first and then the other 26 cells in memory
    order, so ties resolve alike.
    """
    pts, codes, starts, lo, h, dims = grid
    ny, nz = dims[1], dims[2]
    cx, cy, cz = cell_xyz
    best_d[:] = np.inf
    best_i[:] = -1
    cnt = _offer_all(px, py, pz, pts, starts[cell], starts[cell + 1], k, max_d2, best_d, best_i, 0)
    z0, z1 = max(cz - 1, 0), min(cz + 1, nz - 1)
    for jx in range(max(cx - 1, 0), min(cx + 1, dims[0] - 1) + 1):
        for jy in range(max(cy - 1, 0), min(cy + 1, ny - 1) + 1):
            base = (jx * ny + jy) * nz
            if jx == cx and jy == cy:
                first, last = starts[base + z0], starts[cell]
                cnt = _offer_all(px, py, pz, pts, first, last, k, max_d2, best_d, best_i, cnt)
                first, last = starts[cell + 1], starts[base + z1 + 1]
            else:
                first, last = starts[base + z0], starts[base + z1 + 1]
            cnt = _offer_all(px, py, pz, pts, first, last, k, max_d2, best_d, best_i, cnt)
    return past_block(px, py, pz, grid, k, max_d2, cell_xyz, best_d, best_i, cnt)


@numba.njit(cache=True, nogil=True)
def few_far(queries, pts, starts, lo, h, dims, k, max_d2, scan, out_d2, out_i):  # pragma: no cover
    """Exact k nearest (squared distances, rows; -1 = none) of a few far queries.

    Rings first (`core.voxel.ring_search`); where they give up, a scan of the whole
    sample if `scan`, else rows of -2. One thread: the queries are few (outside the grid
    or in a sparse fringe), and waking a second thread took 6-10 ms on the shared
    machine, more than their search.
    """
    for q in range(queries.shape[0]):
        best_d, best_i = out_d2[q], out_i[q]
        best_d[:] = np.inf
        best_i[:] = -1
        px, py, pz = queries[q, 0], queries[q, 1], queries[q, 2]
        if ring_search(px, py, pz, pts, starts, lo, h, dims, k, max_d2, 0, best_d, best_i, 0) >= 0:
            continue
        best_d[:] = np.inf
        best_i[:] = -1 if scan else -2
        if scan:
            _offer_all(px, py, pz, pts, 0, pts.shape[0], k, max_d2, best_d, best_i, 0)
