"""The per-point test of a selection, shared by the full pass and the tile-by-tile pass."""

from __future__ import annotations

import numba
import numpy as np

from core.labeling.depth import pixel_of
from core.labeling.projection import project_one
from core.labeling.shapes import CIRCLES, POLYGON


@numba.njit(cache=True, nogil=True, inline="always")
def inside_shape(kind, items, row_start, row_items, row, x, y):  # pragma: no cover - compiled
    if kind == POLYGON:
        odd = False
        for j in range(row_start[row], row_start[row + 1]):
            e = row_items[j]
            xi, yi, xj, yj = items[e, 0], items[e, 1], items[e, 2], items[e, 3]
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                odd = not odd
        return odd
    if kind == CIRCLES:
        for j in range(row_start[row], row_start[row + 1]):
            c = row_items[j]
            dx = x - items[c, 0]
            dy = y - items[c, 1]
            if dx * dx + dy * dy <= items[c, 2] * items[c, 2]:
                return True
        return False
    x0, y0, x1, y1 = items[0, 0], items[0, 1], items[0, 2], items[0, 3]
    return items[1, 0] * ((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)) > 0.0


@numba.njit(cache=True, nogil=True, inline="always")
def chosen(i, xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol):
    # pragma: no cover - compiled
    if not table[labels[i]]:
        return False
    x, y, d, ok = project_one(p, xyz[i, 0], xyz[i, 1], xyz[i, 2])
    if not ok or x < box[0] or x > box[2] or y < box[1] or y > box[3]:
        return False
    row = min(max(int(np.floor(y)), 0), int(p[17]) - 1)
    if not inside_shape(kind, items, row_start, row_items, row, x, y):
        return False
    h, w = buffer.shape
    if h > 1 or w > 1:
        px, py = pixel_of(x, y, w, h)
        return d <= buffer[py, px] + tol
    return True
