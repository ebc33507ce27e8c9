"""What a selection tool drew on screen: a polygon (lasso, rectangle), a brush stroke
(a union of circles) or a line with a side. Coordinates are screen pixels, y down.

Each shape is turned into a flat form the selection kernel tests in one pass: its items
(polygon edges or circles) bucketed by pixel row, so a point is tested only against the
few items that cross its row (QGIS culls by chunk; rows are our cheap equivalent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POLYGON, CIRCLES, HALF_PLANE = 0, 1, 2


@dataclass(frozen=True)
class Polygon:
    """A closed polygon, (K, 2) float64 vertices; even-odd rule, as a lasso fills."""

    vertices: np.ndarray


@dataclass(frozen=True)
class Circles:
    """A brush stroke: the union of circles of `radius` pixels at (K, 2) `centres`."""

    centres: np.ndarray
    radius: float


@dataclass(frozen=True)
class HalfPlane:
    """Everything on one side of the line through `start` and `end` (screen pixels).

    ``side="above"`` is the side of smaller screen y (up on screen); for a vertical line,
    "above" is the right side.
    """

    start: tuple[float, float]
    end: tuple[float, float]
    side: str = "above"


Shape = Polygon | Circles | HalfPlane


def rectangle(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """The rectangle between two corners, as a polygon."""
    return Polygon(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64))


@dataclass(frozen=True)
class Compiled:
    """A shape ready for the kernel.

    Attributes
    ----------
    kind : int
        POLYGON, CIRCLES or HALF_PLANE.
    items : (K, 4) float64
        Edges (x0, y0, x1, y1), circles (cx, cy, r, 0) or the line (x0, y0, x1, y1).
    row_start : (height + 1,) int64
        Items of pixel row r are ``row_items[row_start[r]:row_start[r + 1]]``.
    row_items : (total,) int32
    box : (4,) float64
        x0, y0, x1, y1 of the shape (points outside are never inside).
    """

    kind: int
    items: np.ndarray
    row_start: np.ndarray
    row_items: np.ndarray
    box: np.ndarray

    def region(self, width: int, height: int, margin: float) -> tuple[int, int, int, int]:
        """The pixels (x0, y0, x1, y1), end exclusive, a depth buffer must cover."""
        lo = np.floor(self.box[:2] - margin)
        hi = np.ceil(self.box[2:] + margin) + 1
        x0, y0 = (int(v) for v in np.clip(lo, 0, [width, height]))
        x1, y1 = (int(v) for v in np.clip(hi, 0, [width, height]))
        return x0, y0, x1, y1


def compile_shape(shape: Shape, height: int) -> Compiled:
    """The kernel's form of `shape` for a screen `height` pixels tall."""
    if isinstance(shape, Polygon):
        v = np.asarray(shape.vertices, np.float64).reshape(-1, 2)
        items = np.column_stack([v, np.roll(v, -1, axis=0)])
        y_lo = np.minimum(items[:, 1], items[:, 3])
        y_hi = np.maximum(items[:, 1], items[:, 3])
        box = np.array([v[:, 0].min(), v[:, 1].min(), v[:, 0].max(), v[:, 1].max()])
        kind = POLYGON
    elif isinstance(shape, Circles):
        c = np.asarray(shape.centres, np.float64).reshape(-1, 2)
        r = float(shape.radius)
        items = np.column_stack([c, np.full(len(c), r), np.zeros(len(c))])
        y_lo, y_hi = c[:, 1] - r, c[:, 1] + r
        box = np.array([c[:, 0].min() - r, y_lo.min(), c[:, 0].max() + r, y_hi.max()])
        kind = CIRCLES
    else:
        (x0, y0), (x1, y1) = shape.start, shape.end
        # Ordered left to right (then top to bottom) so "above" is a fixed sign.
        if (x1, y1) < (x0, y0):
            x0, y0, x1, y1 = x1, y1, x0, y0
        sign = -1.0 if shape.side == "above" else 1.0
        items = np.array([[x0, y0, x1, y1], [sign, 0, 0, 0]], np.float64)
        empty = np.zeros(height + 1, np.int64)
        box = np.array([-np.inf, -np.inf, np.inf, np.inf])
        return Compiled(HALF_PLANE, items, empty, np.zeros(0, np.int32), box)
    row_start, row_items = _bucket_rows(y_lo, y_hi, height)
    return Compiled(kind, items, row_start, row_items, box)


def _row(y: np.ndarray, height: int) -> np.ndarray:
    """Pixel row of screen y, clamped to the screen like the points are."""
    return np.clip(np.floor(y), 0, height - 1).astype(np.int64)


def _bucket_rows(y_lo: np.ndarray, y_hi: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR lists of the items whose y-range touches each pixel row."""
    first, last = _row(y_lo, height), _row(y_hi, height)
    spans = last - first + 1
    owner = np.repeat(np.arange(len(first), dtype=np.int32), spans)
    offsets = np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans, spans)
    rows = np.repeat(first, spans) + offsets
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=height)
    row_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return row_start, owner[order]
