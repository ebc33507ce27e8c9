"""Exact k-nearest-neighbour votes, the queries taken one grid cell at a time.

A tree search (or a search per query in the cloud's own order) jumps around memory:
each query touches a few cache lines of the sample nobody touched just before. Here
the queries are sorted by the cell of the sample's grid they fall in; for each cell the
sample points of its 3 x 3 x 3 block of cells are gathered once into a small contiguous
buffer, and every query of the cell scans that buffer (a query alone in its cell reads
the block straight from the grid). A query whose k-th neighbour lies closer than the
block's outside is done; the few others visit only the cells closer than their k-th
candidate (`core.knn_search`). The vote is taken in the same pass, with scikit-learn's
rules (ties to the lowest label; with distance weights a zero distance wins outright).
"""

# mypy: disable-error-code="assignment"
from __future__ import annotations

import numba
import numpy as np

from core.knn_search import past_block, search_alone
from core.voxel import offer

#: Code of a query the rings gave up on (its neighbours are far: a tree takes it).
FAR = -2
#: Code of a query with no voter within the maximum distance.
NONE = -1


@numba.njit(cache=True, nogil=True)
def query_cells(queries, lo, h, dims):  # pragma: no cover - compiled
    """Flat cell (N,) int64 of each query, or -1 for a query outside the grid."""
    out = np.empty(queries.shape[0], np.int64)
    for i in range(queries.shape[0]):
        ix = np.int64(np.floor((queries[i, 0] - lo[0]) / h))
        iy = np.int64(np.floor((queries[i, 1] - lo[1]) / h))
        iz = np.int64(np.floor((queries[i, 2] - lo[2]) / h))
        if 0 <= ix < dims[0] and 0 <= iy < dims[1] and 0 <= iz < dims[2]:
            out[i] = (ix * dims[1] + iy) * dims[2] + iz
        else:
            out[i] = -1
    return out


@numba.njit(cache=True, nogil=True)
def sort_by_cell(cells, n_cells):  # pragma: no cover - compiled
    """The in-grid queries grouped by cell: (rows, group_cell, group_start).

    rows (n,) int64 are the queries' indices, cell by cell in ascending cell order;
    group ``g`` is cell ``group_cell[g]`` and holds ``rows[group_start[g]:group_start[g+1]]``.
    A counting sort: O(N + cells), where np.argsort of the keys costs 5x more.
    """
    count = np.zeros(n_cells + 1, np.int32)
    inside = 0
    for c in cells:
        if c >= 0:
            count[c + 1] += 1
            inside += 1
    # One pass over the cells finds the groups and the prefix sums (cells outnumber queries).
    group_cell = np.empty(min(n_cells, inside), np.int64)
    group_start = np.empty(min(n_cells, inside) + 1, np.int64)
    groups = 0
    for c in range(n_cells):
        if count[c + 1] > 0:
            group_cell[groups] = c
            group_start[groups] = count[c]
            groups += 1
        count[c + 1] += count[c]
    group_start[groups] = inside
    group_cell, group_start = group_cell[:groups].copy(), group_start[: groups + 1].copy()
    rows = np.empty(inside, np.int64)
    for i in range(cells.shape[0]):
        c = cells[i]
        if c >= 0:
            rows[count[c]] = i
            count[c] += 1
    return rows, group_cell, group_start


@numba.njit(cache=True, nogil=True)
def _gather(cell, pts, codes, starts, dims, bx, by, bz, bc):  # pragma: no cover - compiled
    """Copy the sample points of a cell's 3x3x3 block into bx..bc; the cell's own first."""
    ny, nz = dims[1], dims[2]
    ix, iy, iz = cell // (ny * nz), (cell // nz) % ny, cell % nz
    m = 0
    # The cell itself first, then the other 26 in memory order: the order ring_search
    # offers candidates in, so ties between equal distances resolve as they did there.
    for p in range(starts[cell], starts[cell + 1]):
        bx[m], by[m], bz[m], bc[m] = pts[p, 0], pts[p, 1], pts[p, 2], p
        m += 1
    for jx in range(max(ix - 1, 0), min(ix + 1, dims[0] - 1) + 1):
        for jy in range(max(iy - 1, 0), min(iy + 1, ny - 1) + 1):
            base = (jx * ny + jy) * nz
            for jz in range(max(iz - 1, 0), min(iz + 1, nz - 1) + 1):
                c = base + jz
                if c == cell:
                    continue
                for p in range(starts[c], starts[c + 1]):
                    bx[m], by[m], bz[m], bc[m] = pts[p, 0], pts[p, 1], pts[p, 2], p
                    m += 1
    return m, ix, iy, iz


@numba.njit(cache=True, nogil=True)
def _block_size(cell, starts, dims):  # pragma: no cover - compiled
    ny, nz = dims[1], dims[2]
    ix, iy, iz = cell // (ny * nz), (cell // nz) % ny, cell % nz
    m = 0
    for jx in range(max(ix - 1, 0), min(ix + 1, dims[0] - 1) + 1):
        for jy in range(max(iy - 1, 0), min(iy + 1, ny - 1) + 1):
            base = (jx * ny + jy) * nz
            m += starts[base + min(iz + 1, nz - 1) + 1] - starts[base + max(iz - 1, 0)]
    return m


@numba.njit(cache=True, nogil=True)
def vote(best_d, best_i, cnt, codes, distance):  # pragma: no cover - compiled
    """Winning class code of one query's `cnt` nearest (sorted), or NONE without any."""
    if cnt == 0:
        return NONE
    zero = distance and best_d[0] == 0.0
    best_code = NONE
    best_support = -1.0
    for j in range(cnt):
        code = codes[best_i[j]]
        support = 0.0
        # Summed in neighbour order, as the vectorised vote summed them.
        for i in range(cnt):
            if codes[best_i[i]] == code:
                if not distance:
                    support += 1.0
                elif zero:
                    support += 1.0 if best_d[i] == 0.0 else 0.0
                else:
                    support += 1.0 / np.sqrt(best_d[i])
        if support > best_support or (support == best_support and code < best_code):
            best_support, best_code = support, code
    return best_code


@numba.njit(cache=True, nogil=True, inline="always")
def _far2(v, low, h):  # pragma: no cover - compiled
    gap = max(abs(v - low), abs(low + h - v))
    return gap * gap


@numba.njit(cache=True, nogil=True, inline="always")
def _near2(v, low, h):  # pragma: no cover - compiled
    gap = max(0.0, low - v, v - low - h)
    return gap * gap


@numba.njit(cache=True, nogil=True)
def _prune(m, bx, by, bz, bc, codes, low, h, k, max_d2, far):  # pragma: no cover - compiled
    """Keep the block's points that can be among any cell query's k nearest.

    The farthest point of the cell from a candidate bounds its distance to every query
    of the cell, so the k-th smallest such bound, U, bounds every query's k-th
    neighbour; a candidate whose nearest point of the cell is farther than U can never
    vote. Returns (kept, limit2, verdict): limit2 = min(U^2, max_d2); the verdict is the
    class code every query of the cell gets when that is certain, _HARD when the kept
    points mix classes, _UNKNOWN when they share one but the block may not hold them all.
    """
    # The k smallest far bounds, by insertion (k is small).
    lowest = far[:k]
    lowest[:] = np.inf
    for p in range(m):
        d2 = _far2(bx[p], low[0], h) + _far2(by[p], low[1], h) + _far2(bz[p], low[2], h)
        if d2 < lowest[k - 1]:
            j = k - 1
            while j > 0 and lowest[j - 1] > d2:
                lowest[j] = lowest[j - 1]
                j -= 1
            lowest[j] = d2
    u2 = lowest[k - 1]
    limit2 = min(u2, max_d2)
    kept = 0
    first = -1
    mixed = False
    for p in range(m):
        d2 = _near2(bx[p], low[0], h) + _near2(by[p], low[1], h) + _near2(bz[p], low[2], h)
        if d2 <= limit2:
            bx[kept], by[kept], bz[kept], bc[kept] = bx[p], by[p], bz[p], bc[p]
            code = codes[bc[p]]
            if first < 0:
                first = code
            elif code != first:
                mixed = True
            kept += 1
    if mixed or first < 0:
        return kept, limit2, _HARD
    # Every query then has k voters within U <= h, all inside the block, all one class.
    return kept, limit2, first if u2 <= max_d2 and u2 <= h * h else _UNKNOWN


_UNKNOWN = -2
_HARD = -1
#: Certainly no voter within max_distance: the point stays unlabeled.
_NONE = -3
_R = 2
#: A hard cell is split into _SPLIT^3 smaller boxes: their voters are fewer, so purer.
_SPLIT = 2
#: Blocks of fewer points than this many per neighbour are scanned whole: pruning them
#: costs more than it saves (27 points a block on the independent room at 1M).
_PRUNE_ABOVE = 16
#: Cells with this many queries or fewer search them straight from the grid.
_ALONE_UP_TO = 1


def make_rule(h: float, k: int, max_d2: float) -> tuple[int, float, float]:
    """(k, reach^2, max_d2): voters `_box_verdict` looks for lie within reach of a cell."""
    reach = min(_R * h, float(np.sqrt(max_d2)))
    return int(k), reach * reach, float(max_d2)


@numba.njit(cache=True, nogil=True)
def _box_verdict(grid, rule, ix, iy, iz, low, size, bound, unused):  # pragma: no cover
    """The class code every query in a box gets, or _HARD when that is not certain.

    The box (corner `low`, edge `size`) lies in cell (ix, iy, iz). The farthest point of
    the box from a sample point p bounds p's distance to any query in it, so the k-th
    smallest such bound, U, bounds every query's k-th neighbour distance. Only sample
    points within U of the box can vote; if they all share one class, it wins. Points
    outside the block of (2R + 1)^3 cells are at least R * h >= U away.
    """
    pts, codes, starts, lo, h, dims = grid
    k, reach2, max_d2 = rule
    ny, nz = dims[1], dims[2]
    bound[:] = np.inf
    # Any k points give a valid bound. The cell's own points make it tightest (their far
    # corner is at most sqrt(3) h away); the 3^3 neighbours help only when it has < k.
    close = 0
    here = (ix * ny + iy) * nz + iz
    for p in range(starts[here], starts[here + 1]):
        d2 = _box2(pts, p, low, size, True)
        if d2 <= reach2:
            close = offer(d2, p, bound, unused, close, k)
    if close < k:
        close = 0
        bound[:] = np.inf
        for jx in range(max(ix - 1, 0), min(ix + 1, dims[0] - 1) + 1):
            for jy in range(max(iy - 1, 0), min(iy + 1, ny - 1) + 1):
                base = (jx * ny + jy) * nz
                for p in range(
                    starts[base + max(iz - 1, 0)], starts[base + min(iz + 1, nz - 1) + 1]
                ):
                    d2 = _box2(pts, p, low, size, True)
                    if d2 <= reach2:
                        close = offer(d2, p, bound, unused, close, k)
    if close >= k:
        limit2 = bound[k - 1]
    elif max_d2 <= (_R * h) ** 2:
        # Fewer than k voters within max_distance: all within it may vote, none beyond.
        limit2 = max_d2
    else:
        return _HARD
    label = _NONE
    for jx in range(max(ix - _R, 0), min(ix + _R, dims[0] - 1) + 1):
        gap_x = max(abs(jx - ix) - 1, 0) * h
        for jy in range(max(iy - _R, 0), min(iy + _R, ny - 1) + 1):
            # Cells farther from this cell than the bound cannot hold a voter.
            gap2 = gap_x**2 + (max(abs(jy - iy) - 1, 0) * h) ** 2
            if gap2 > limit2:
                continue
            dz = min(np.int64(np.sqrt(limit2 - gap2) / h) + 1, _R)
            base = (jx * ny + jy) * nz
            for p in range(starts[base + max(iz - dz, 0)], starts[base + min(iz + dz, nz - 1) + 1]):
                if codes[p] != label and _box2(pts, p, low, size, False) <= limit2:
                    if label >= 0:
                        return _HARD
                    label = codes[p]
    if label >= 0 and close == 0:
        # Some queries of the box may reach that voter and others none.
        return _HARD
    return label


@numba.njit(cache=True, nogil=True, inline="always")
def _box2(pts, p, low, size, far):  # pragma: no cover - compiled
    """Squared distance from point p to the farthest (or nearest) point of a box."""
    d2 = 0.0
    for a in range(3):
        v = pts[p, a]
        if far:
            gap = max(abs(v - low[a]), abs(low[a] + size - v))
        else:
            gap = max(0.0, low[a] - v, v - low[a] - size)
        d2 += gap * gap
    return d2


@numba.njit(cache=True, nogil=True)
def _scan(q, queries, m, bx, by, bz, bc, grid, k, max_d2, limit2, cell_xyz, best_d, best_i):
    """The k nearest of query q among the pruned block, then rings when needed."""  # noqa: D401
    pts, codes, starts, lo, h, dims = grid
    cx, cy, cz = cell_xyz
    px, py, pz = queries[q, 0], queries[q, 1], queries[q, 2]
    best_d[:] = np.inf
    best_i[:] = -1
    cnt = 0
    for p in range(m):
        d2 = (bx[p] - px) ** 2 + (by[p] - py) ** 2
        d2 += (bz[p] - pz) ** 2
        if d2 <= max_d2 and (cnt < k or d2 < best_d[k - 1]):
            cnt = offer(d2, bc[p], best_d, best_i, cnt, k)
    if limit2 > h * h:
        cnt = past_block(px, py, pz, grid, k, max_d2, cell_xyz, best_d, best_i, cnt)
    return cnt


@numba.njit(cache=True, nogil=True)
def _sub_verdict(m, bx, by, bz, bc, codes, box, size, h, k, max_d2):  # pragma: no cover
    """`_prune`'s certainty test for a smaller box inside the cell, on the pruned block."""
    if m < k:
        return _HARD
    lowest = np.full(k, np.inf)
    for p in range(m):
        d2 = _far2(bx[p], box[0], size) + _far2(by[p], box[1], size)
        d2 += _far2(bz[p], box[2], size)
        if d2 < lowest[k - 1]:
            j = k - 1
            while j > 0 and lowest[j - 1] > d2:
                lowest[j] = lowest[j - 1]
                j -= 1
            lowest[j] = d2
    u2 = lowest[k - 1]
    if u2 > max_d2 or u2 > h * h:
        return _HARD
    label = -1
    for p in range(m):
        d2 = _near2(bx[p], box[0], size) + _near2(by[p], box[1], size)
        d2 += _near2(bz[p], box[2], size)
        if d2 <= u2 and codes[bc[p]] != label:
            if label >= 0:
                return _HARD
            label = codes[bc[p]]
    return label


@numba.njit(parallel=True, cache=True, nogil=True)
def vote_by_cells(
    queries, group_cell, group_start, grid, rule, distance, out
):  # pragma: no cover - compiled
    """Class code of each query (sorted by cell, see `sort_by_cell`); FAR marks give-ups.

    Group ``g`` holds ``queries[group_start[g]:group_start[g + 1]]``, all in cell
    ``group_cell[g]``; ``group_start[0]`` is 0.

    A cell whose vote is certain for every point in it costs no search; a cell with
    several queries is split into _SPLIT^3 boxes, decided alike.
    """
    pts, codes, starts, lo, h, dims = grid
    k, max_d2 = rule[0], rule[2]
    n_groups = group_cell.shape[0]
    ny, nz = dims[1], dims[2]
    # Groups are handed out in runs so each thread reuses its buffers, grown as needed.
    run = 64
    for r in numba.prange((n_groups + run - 1) // run):
        size = 64
        bx, by, bz, far = np.empty(size), np.empty(size), np.empty(size), np.empty(size)
        bc = np.empty(size, np.int64)
        best_d, best_i = np.empty(k), np.empty(k, np.int64)
        bound, unused = np.empty(k), np.empty(k, np.int64)
        low = np.empty(3)
        box = np.empty(3)
        parts = np.empty(_SPLIT**3, np.int32)
        tries = wins = 0
        for g in range(r * run, min((r + 1) * run, n_groups)):
            cell = group_cell[g]
            cx, cy, cz = cell // (ny * nz), (cell // nz) % ny, cell % nz
            low[0], low[1], low[2] = lo[0] + cx * h, lo[1] + cy * h, lo[2] + cz * h
            first, last = group_start[g], group_start[g + 1]
            if last - first <= _ALONE_UP_TO:
                for q in range(first, last):
                    px, py, pz = queries[q, 0], queries[q, 1], queries[q, 2]
                    cnt = search_alone(
                        px, py, pz, grid, k, max_d2, cell, (cx, cy, cz), best_d, best_i
                    )
                    out[q] = FAR if cnt < 0 else vote(best_d, best_i, cnt, codes, distance)
                continue
            # The wide test pays where most cells are certain (big surfaces of one class)
            # and wastes time where boundaries are everywhere: follow what it did lately.
            tried = 4 * tries < 5 * wins or tries < 4
            if tried:
                v = _box_verdict(grid, rule, cx, cy, cz, low, h, bound, unused)
                tries += 1
                wins += v != _HARD
                if v != _HARD:
                    for j in range(first, last):
                        out[j] = v if v >= 0 else NONE
                    continue
            need = _block_size(cell, starts, dims)
            if need > size:
                size = max(need, 2 * size)
                bx, by, bz = np.empty(size), np.empty(size), np.empty(size)
                far, bc = np.empty(size), np.empty(size, np.int64)
            m, _, _, _ = _gather(cell, pts, codes, starts, dims, bx, by, bz, bc)
            limit2, v = np.inf, _HARD
            if m >= _PRUNE_ABOVE * k:
                m, limit2, v = _prune(m, bx, by, bz, bc, codes, low, h, k, max_d2, far)
            if v == _UNKNOWN:
                # One class nearby, but farther voters may exist: the wide test decides.
                v = _HARD if tried else _box_verdict(grid, rule, cx, cy, cz, low, h, bound, unused)
            if v != _HARD:
                for j in range(first, last):
                    out[j] = v if v >= 0 else NONE
                continue
            split = last - first >= _SPLIT**3
            parts[:] = _UNKNOWN
            step = h / _SPLIT
            for j in range(first, last):
                q = j
                if split:
                    part = 0
                    for a in range(3):
                        t = min(max(int((queries[q, a] - low[a]) / step), 0), _SPLIT - 1)
                        part = _SPLIT * part + t
                        box[a] = low[a] + t * step
                    if parts[part] == _UNKNOWN:
                        parts[part] = _sub_verdict(
                            m, bx, by, bz, bc, codes, box, step, h, k, max_d2
                        )
                    if parts[part] != _HARD:
                        out[q] = parts[part]
                        continue
                cnt = _scan(
                    q,
                    queries,
                    m,
                    bx,
                    by,
                    bz,
                    bc,
                    grid,
                    k,
                    max_d2,
                    limit2,
                    (cx, cy, cz),
                    best_d,
                    best_i,
                )
                out[q] = FAR if cnt < 0 else vote(best_d, best_i, cnt, codes, distance)
