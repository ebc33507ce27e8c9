"""Which points a tool selects, every per-point test in one pass (as point_labeler does).

For each point: may its class change (not hidden, not protected, not already the new
class), is it in the frustum, inside the shape, and visible (optional)? Only the points
passing all tests are returned, so the caller changes and redraws exactly those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from core.cloud import UNLABELED
from core.labeling.depth import depth_buffer, pixel_of
from core.labeling.projection import CHUNK, Camera, project_one
from core.labeling.screen_index import ScreenIndex
from core.labeling.shapes import CIRCLES, POLYGON, Compiled, Shape, compile_shape
from core.progress import CancelFn, ProgressFn, chunked, sub_progress


@dataclass(frozen=True)
class Modifiers:
    """Options every tool respects.

    Attributes
    ----------
    visible_only : bool
        Skip points hidden behind a nearer surface (see `core.labeling.depth`).
    tolerance : float
        How far behind the nearest depth at its pixel a point still counts as visible.
    point_size : float
        Drawn point size in pixels, for the depth buffer.
    editable : tuple of int or None
        Protect: only points of these classes may change (``(UNLABELED,)`` = only
        unlabeled points); None lets every class change.
    hidden : tuple of int
        Classes not shown: never changed, and they hide nothing.
    """

    visible_only: bool = True
    tolerance: float = 0.02
    point_size: float = 3.0
    editable: tuple[int, ...] | None = None
    hidden: tuple[int, ...] = ()


def class_table(dtype: np.dtype, classes: tuple[int, ...] | None, default: bool) -> np.ndarray:
    """(256,) or (65536,) bool: True for `classes` (all of them when None is given)."""
    size = 256 if np.dtype(dtype).itemsize == 1 else 65536
    if classes is None:
        return np.full(size, default, np.bool_)
    table = np.zeros(size, np.bool_)
    table[np.asarray(classes, np.int64)] = True
    return table


def paintable_table(
    dtype: np.dtype, new_label: int, modifiers: Modifiers, *, keep_same: bool = False
) -> np.ndarray:
    """(256,) or (65536,) bool: which current classes `new_label` may be painted over.

    ``keep_same=True`` keeps points that already have `new_label` (to confirm them by hand).
    """
    table = class_table(dtype, modifiers.editable, True)
    table &= ~class_table(dtype, modifiers.hidden, False)
    if not keep_same:
        table[int(new_label)] = False
    return table


@numba.njit(cache=True, nogil=True, inline="always")
def _inside(kind, items, row_start, row_items, row, x, y):  # pragma: no cover - compiled
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
def _chosen(i, xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol):
    # pragma: no cover - compiled
    if not table[labels[i]]:
        return False
    x, y, d, ok = project_one(p, xyz[i, 0], xyz[i, 1], xyz[i, 2])
    if not ok or x < box[0] or x > box[2] or y < box[1] or y > box[3]:
        return False
    row = min(max(int(np.floor(y)), 0), int(p[17]) - 1)
    if not _inside(kind, items, row_start, row_items, row, x, y):
        return False
    h, w = buffer.shape
    if h > 1 or w > 1:
        px, py = pixel_of(x, y, w, h)
        return d <= buffer[py, px] + tol
    return True


@numba.njit(parallel=True, cache=True, nogil=True)
def _select(xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol, out):
    # pragma: no cover - compiled
    for i in numba.prange(xyz.shape[0]):
        out[i] = _chosen(
            i, xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol
        )


@numba.njit(parallel=True, cache=True, nogil=True)
def _select_in_tiles(
    tile_of,
    inside,
    xyz,
    labels,
    table,
    p,
    kind,
    items,
    row_start,
    row_items,
    box,
    buffer,
    tol,
    mask,
):  # pragma: no cover - compiled
    for i in numba.prange(xyz.shape[0]):
        t = tile_of[i]
        mask[i] = (
            t >= 0
            and inside[t]
            and _chosen(
                i, xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol
            )
        )


@numba.njit(parallel=True, cache=True, nogil=True)
def _select_tiles(
    order,
    starts,
    ends,
    xyz,
    labels,
    table,
    p,
    kind,
    items,
    row_start,
    row_items,
    box,
    buffer,
    tol,
    mask,
):  # pragma: no cover - compiled
    # A mask over all points rather than a sort of the hits: the indices come out sorted
    # for the edit log at the cost of one pass over N bytes, cheaper than sorting big strokes.
    for r in numba.prange(starts.shape[0]):
        for j in range(starts[r], ends[r]):
            i = order[j]
            if _chosen(
                i, xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol
            ):
                mask[i] = True


def select_points(
    xyz: np.ndarray,
    labels: np.ndarray,
    camera: Camera,
    shape: Shape,
    new_label: int,
    modifiers: Modifiers | None = None,
    *,
    keep_same: bool = False,
    depth: np.ndarray | None = None,
    index: ScreenIndex | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """The points `shape` selects on screen that painting `new_label` would change.

    Parameters
    ----------
    xyz : (N, 3) float32 or float64
    labels : (N,) uint8 or uint16
        Current classes (`UNLABELED` = 255 for none).
    camera : Camera
    shape : Polygon, Circles or HalfPlane
    new_label : int
    modifiers : Modifiers, optional
    keep_same : bool
        Also select points that already have `new_label`.
    depth : (height, width) float64, optional
        A depth buffer already made for this camera (`depth_buffer`), reused across strokes.
    index : ScreenIndex, optional
        Built for this camera (`build_screen_index`): only the points of the tiles under
        the shape are tested, and its depth buffer is used. Same result, much faster.

    Returns
    -------
    (K,) int32
        Sorted point indices.
    """
    modifiers = modifiers or Modifiers()
    compiled = compile_shape(shape, camera.height)
    table = paintable_table(labels.dtype, new_label, modifiers, keep_same=keep_same)
    buffer = np.zeros((1, 1))
    if index is not None:
        _check_index(index, camera)
        if modifiers.visible_only:
            buffer = index.depth
        c = compiled
        starts, ends = index.candidates(c.box)
        few = int(np.sum(ends - starts)) < len(xyz) // 50
        # The in-order scan writes every entry; the tile visit only the points it sees.
        mask = np.zeros(len(xyz), np.bool_) if few else np.empty(len(xyz), np.bool_)
        args = (xyz, labels, table, camera.params(), c.kind, c.items, c.row_start, c.row_items,
                c.box, buffer, float(modifiers.tolerance), mask)  # fmt: skip
        if few:
            _select_tiles(index.order, starts, ends, *args)  # few points: visit just those
        else:
            _select_in_tiles(index.tile_of, index.tiles_in(c.box), *args)  # in point order
        return np.flatnonzero(mask).astype(np.int32)
    if modifiers.visible_only:
        buffer = (
            depth
            if depth is not None
            else shape_depth(xyz, labels, camera, compiled, modifiers, progress, cancel)
        )
    return _run(
        xyz,
        labels,
        table,
        camera,
        compiled,
        buffer,
        modifiers.tolerance,
        sub_progress(progress, 0.5, 1.0),
        cancel,
    )


def _check_index(index: ScreenIndex, camera: Camera) -> None:
    same = index.camera.width == camera.width and index.camera.height == camera.height
    if not same or not np.array_equal(index.camera.matrix, camera.matrix):
        raise ValueError("the screen index was built for another camera; build it again")


def shape_depth(
    xyz: np.ndarray,
    labels: np.ndarray,
    camera: Camera,
    compiled: Compiled,
    modifiers: Modifiers,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """The depth buffer over the shape's box only: pixels elsewhere cannot matter."""
    hidden = class_table(labels.dtype, modifiers.hidden, False) if modifiers.hidden else None
    region = compiled.region(camera.width, camera.height, modifiers.point_size)
    return depth_buffer(
        xyz,
        camera,
        point_size=modifiers.point_size,
        labels=labels if hidden is not None else None,
        hidden=hidden,
        region=region,
        progress=sub_progress(progress, 0.0, 0.5),
        cancel=cancel,
    )


def _run(xyz, labels, table, camera, compiled, buffer, tolerance, progress, cancel) -> np.ndarray:
    p = camera.params()
    mask = np.empty(len(xyz), np.bool_)
    c = compiled
    for part in chunked(len(xyz), CHUNK, progress, cancel, "selecting points"):
        _select(
            xyz[part],
            labels[part],
            table,
            p,
            c.kind,
            c.items,
            c.row_start,
            c.row_items,
            c.box,
            buffer,
            float(tolerance),
            mask[part],
        )
    return np.flatnonzero(mask).astype(np.int32)


__all__ = ["UNLABELED", "Modifiers", "class_table", "paintable_table", "select_points"]
