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
from core.labeling.depth import depth_buffer
from core.labeling.projection import CHUNK, Camera
from core.labeling.screen_index import ScreenIndex
from core.labeling.select_kernel import chosen
from core.labeling.shapes import Compiled, Shape, compile_shape
from core.labeling.tile_select import select_in_index
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


@numba.njit(parallel=True, cache=True, nogil=True)
def _select(xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol, out):
    # pragma: no cover - compiled
    for i in numba.prange(xyz.shape[0]):
        out[i] = chosen(
            i, xyz, labels, table, p, kind, items, row_start, row_items, box, buffer, tol
        )


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
        return select_in_index(
            index, xyz, labels, table, compiled, modifiers.visible_only, modifiers.tolerance
        )
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
