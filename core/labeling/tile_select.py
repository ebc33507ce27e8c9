"""Selections through a screen index, tile by tile: whole tiles inside the shape skip the
per-point shape test.

A tile (16 x 16 pixels) that no edge of the shape touches is either wholly inside or wholly
outside it, so its points need only the class and visibility tests; the visibility of every
point is computed once per camera pose and tolerance (`ScreenIndex.visible_for`), so the
points of inside tiles are not even projected. Only the tiles on the shape's border test
each point exactly as `core.labeling.select` does, so the result is the same point set.
"""

from __future__ import annotations

import numba
import numpy as np

from core.labeling.screen_index import TILE, ScreenIndex
from core.labeling.select_kernel import chosen, inside_shape
from core.labeling.shapes import CIRCLES, POLYGON, Compiled

OUTSIDE, INSIDE, BORDER = 0, 1, 2
#: Pixels the tile's square grows by before the edge test: a point this far from every
#: edge is on the same side in floating point as in exact arithmetic.
MARGIN = 1e-3
#: Strokes over more than 1/IN_ORDER_SHARE of the points scan all points in index order.
IN_ORDER_SHARE = 50


@numba.njit(cache=True, nogil=True, inline="always")
def _segment_touches(x0, y0, x1, y1, rx0, ry0, rx1, ry1):  # pragma: no cover - compiled
    """Whether the segment (x0, y0)-(x1, y1) meets the closed rectangle (Liang-Barsky)."""
    t0, t1 = 0.0, 1.0
    dx, dy = x1 - x0, y1 - y0
    for k in range(4):
        if k == 0:
            p, q = -dx, x0 - rx0
        elif k == 1:
            p, q = dx, rx1 - x0
        elif k == 2:
            p, q = -dy, y0 - ry0
        else:
            p, q = dy, ry1 - y0
        if p == 0.0:
            if q < 0.0:
                return False
        else:
            t = q / p
            if p < 0.0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
    return True


@numba.njit(cache=True, nogil=True)
def _tile_kind(kind, items, row_start, row_items, height, rx0, ry0, rx1, ry1):
    # pragma: no cover - compiled
    cx, cy = (rx0 + rx1) / 2, (ry0 + ry1) / 2
    if kind == POLYGON:
        r0 = min(max(int(np.floor(ry0)), 0), height - 1)
        r1 = min(max(int(np.floor(ry1)), 0), height - 1)
        for r in range(r0, r1 + 1):
            for j in range(row_start[r], row_start[r + 1]):
                e = row_items[j]
                if _segment_touches(
                    items[e, 0], items[e, 1], items[e, 2], items[e, 3], rx0, ry0, rx1, ry1
                ):
                    return BORDER
    elif kind == CIRCLES:
        near = False
        for c in range(items.shape[0]):
            x, y, r = items[c, 0], items[c, 1], items[c, 2]
            far_x = max(abs(rx0 - x), abs(rx1 - x))
            far_y = max(abs(ry0 - y), abs(ry1 - y))
            if far_x * far_x + far_y * far_y < r * r:
                return INSIDE  # the whole square is in this circle
            gap_x = max(rx0 - x, 0.0, x - rx1)
            gap_y = max(ry0 - y, 0.0, y - ry1)
            if gap_x * gap_x + gap_y * gap_y <= r * r:
                near = True
        return BORDER if near else OUTSIDE
    else:
        sides = 0
        for corner in range(4):
            x = rx0 if corner % 2 == 0 else rx1
            y = ry0 if corner < 2 else ry1
            sides += 1 if inside_shape(kind, items, row_start, row_items, 0, x, y) else 0
        if sides == 0:
            return OUTSIDE
        return INSIDE if sides == 4 else BORDER
    row = min(max(int(np.floor(cy)), 0), height - 1)
    return INSIDE if inside_shape(kind, items, row_start, row_items, row, cx, cy) else OUTSIDE


@numba.njit(cache=True, nogil=True)
def classify_tiles(kind, items, row_start, row_items, box, tiles_x, tiles_y, width, height):
    """(tiles, kinds): the tiles under `box` not wholly outside the shape, INSIDE or BORDER.

    A point on the screen's right or bottom edge (x = width) is clamped into the last
    tile, whose square already reaches that far (tiles_x = ceil(width / TILE)).
    """  # pragma: no cover - compiled
    if box[2] < 0 or box[0] > width or box[3] < 0 or box[1] > height:
        return np.zeros(0, np.int64), np.zeros(0, np.int8)
    # Clipped as floats first: a half-plane's box is infinite.
    tx0 = int(min(max(np.floor(box[0] / TILE), 0.0), tiles_x - 1.0))
    tx1 = int(min(max(np.floor(box[2] / TILE), 0.0), tiles_x - 1.0))
    ty0 = int(min(max(np.floor(box[1] / TILE), 0.0), tiles_y - 1.0))
    ty1 = int(min(max(np.floor(box[3] / TILE), 0.0), tiles_y - 1.0))
    count = (tx1 - tx0 + 1) * (ty1 - ty0 + 1)
    tiles = np.empty(count, np.int64)
    kinds = np.empty(count, np.int8)
    n = 0
    for ty in range(ty0, ty1 + 1):
        for tx in range(tx0, tx1 + 1):
            rx0, ry0 = tx * TILE - MARGIN, ty * TILE - MARGIN
            rx1, ry1 = (tx + 1) * TILE + MARGIN, (ty + 1) * TILE + MARGIN
            k = _tile_kind(kind, items, row_start, row_items, height, rx0, ry0, rx1, ry1)
            if k != OUTSIDE:
                tiles[n] = ty * tiles_x + tx
                kinds[n] = k
                n += 1
    return tiles[:n], kinds[:n]


@numba.njit(parallel=True, cache=True, nogil=True)
def _select_covered(
    tiles, kinds, tile_start, order, visible, use_visible,
    xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol, slots, out,
):  # fmt: skip  # pragma: no cover - compiled
    # Tile k's points go to out[slots[k]:slots[k + 1]]: the chosen index, else -1.
    for k in numba.prange(tiles.shape[0]):
        t = tiles[k]
        at = slots[k]
        whole = kinds[k] == INSIDE
        for j in range(tile_start[t], tile_start[t + 1]):
            i = order[j]
            if whole:
                hit = table[labels[i]] and (not use_visible or visible[i])
            else:
                hit = chosen(
                    i, xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol
                )
            out[at] = i if hit else -1
            at += 1


@numba.njit(parallel=True, cache=True, nogil=True)
def _select_in_order(
    tile_kind, tile_of, visible, use_visible,
    xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol, hits, counts,
):  # fmt: skip  # pragma: no cover - compiled
    # Every point in index order: the arrays stream through the cache, where visiting
    # the tiles jumps through them (a tile's points are spread over the whole cloud).
    # Each chunk writes its hits at its own start, so they come out sorted with no mask.
    n, chunks = tile_of.shape[0], counts.shape[0]
    for c in numba.prange(chunks):
        lo, hi = n * c // chunks, n * (c + 1) // chunks
        at = lo
        for i in range(lo, hi):
            t = tile_of[i]
            k = tile_kind[t] if t >= 0 else OUTSIDE
            if k == INSIDE:
                hit = table[labels[i]] and (not use_visible or visible[i])
            elif k == BORDER:
                hit = chosen(
                    i, xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol
                )
            else:
                hit = False
            if hit:
                hits[at] = i
                at += 1
        counts[c] = at - lo


def select_in_index(
    index: ScreenIndex,
    xyz: np.ndarray,
    labels: np.ndarray,
    table: np.ndarray,
    compiled: Compiled,
    visible_only: bool,
    tolerance: float,
) -> np.ndarray:
    """(K,) int32 sorted indices of the points the shape selects (see `select_points`)."""
    camera = index.camera
    c = compiled
    tiles_y = (len(index.tile_start) - 1) // index.tiles_x
    tiles, kinds = classify_tiles(
        c.kind, c.items, c.row_start, c.row_items, c.box,
        index.tiles_x, tiles_y, camera.width, camera.height,
    )  # fmt: skip
    visible = index.visible_for(xyz, tolerance) if visible_only else np.zeros(1, np.bool_)
    buffer = index.depth if visible_only else np.zeros((1, 1))
    args = (visible, visible_only, xyz, labels, table, camera.params(), c.kind, c.items,
            c.row_start, c.row_items, c.box, buffer, float(tolerance))  # fmt: skip
    points = int(np.sum(index.tile_start[tiles + 1] - index.tile_start[tiles]))
    if points < len(xyz) // IN_ORDER_SHARE:
        # Few points: visit their tiles and sort the hits (the edit log wants them sorted),
        # work in the stroke's size where a mask would cost a pass over all N points.
        sizes = index.tile_start[tiles + 1] - index.tile_start[tiles]
        slots = np.concatenate([[0], np.cumsum(sizes)])
        out = np.empty(points, np.int32)
        _select_covered(tiles, kinds, index.tile_start, index.order, *args, slots, out)
        return np.sort(out[out >= 0])
    tile_kind = np.zeros(len(index.tile_start) - 1, np.int8)
    tile_kind[tiles] = kinds
    hits = np.empty(len(xyz), np.int32)  # pages only touched where hits land
    chunks = 8 * numba.get_num_threads()
    counts = np.zeros(chunks, np.int64)
    _select_in_order(tile_kind, index.tile_of, *args, hits, counts)
    starts = [len(xyz) * c // chunks for c in range(chunks)]
    return np.concatenate([hits[s : s + k] for s, k in zip(starts, counts, strict=True)])
