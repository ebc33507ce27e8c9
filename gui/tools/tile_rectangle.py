"""Crop a tile by dragging a rectangle on the view, as CloudCompare's segment tool does.

Key C (View > Draw Tile Rectangle, or "Draw tile" in the Tile box), then drag: a rubber
band follows the mouse and Esc cancels. On release the tile becomes the axis-aligned box,
in the view's frame, of the points whose screen projection falls in the rectangle. Points
behind others, of hidden classes or left out of the level of detail count too, so from the
top it is the xy region with all its heights. On the full cloud the candidates are the
points of the current tile (the view shows only those, so a second rectangle, say from the
front, refines the first); the sample's view is never cropped, so all its points are. The
crop is one step of the undo stack (Ctrl+Z); "Whole cloud" clears it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent, QShortcut

from core.cloud import PointCloud
from core.labeling.projection import CHUNK, Camera, project_points
from core.metrics import crop_tile
from core.progress import CancelFn, ProgressFn, chunked
from gui.lod import human_count
from gui.paint_view import Outline, showing_preview, target_at, target_camera, to_screen
from gui.panels.review_common import full_cloud_in_view
from gui.session import Rotation, Session, SessionState
from gui.tools.rectangle import RectangleTool
from gui.workers import Job, run_job

Tile = tuple[tuple[float, float, float], tuple[float, float, float]]
Corners = tuple[tuple[float, float], tuple[float, float]]


def points_in_rectangle(
    xyz: np.ndarray,
    camera: Camera,
    corners: Corners,
    candidates: np.ndarray | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """Rows of `xyz` whose screen projection lies in the rectangle (edges included).

    Parameters
    ----------
    xyz : (N, 3) float32 or float64
        Points in the coordinates `camera` expects.
    corners : two (x, y) screen pixels (x right, y down), in any order
    candidates : (N,) bool, optional
        Only these rows may be picked.

    Returns
    -------
    (M,) int64, ascending.
    """
    (x0, y0), (x1, y1) = corners
    left, right = min(x0, x1), max(x0, x1)
    top, bottom = min(y0, y1), max(y0, y1)
    # params()[18] is 3 for a perspective camera: behind the eye, core reports depth 0.
    perspective = camera.params()[18] == 3.0
    hit = np.zeros(len(xyz), np.bool_)
    for part in chunked(len(xyz), CHUNK, progress, cancel, "finding the points under it"):
        screen, depth, _ = project_points(xyz[part], camera)
        sx, sy = screen[:, 0], screen[:, 1]
        inside = (sx >= left) & (sx <= right) & (sy >= top) & (sy <= bottom)
        if perspective:
            inside &= depth > 0
        hit[part] = inside
    if candidates is not None:
        hit &= candidates
    return np.flatnonzero(hit)


def box_of(xyz: np.ndarray) -> Tile:
    """The axis-aligned box of (M >= 1, 3) points, as (min corner, max corner) floats."""
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    return (
        (float(lo[0]), float(lo[1]), float(lo[2])),
        (float(hi[0]), float(hi[1]), float(hi[2])),
    )


@dataclass(frozen=True)
class Cropped:
    """What a rectangle gave: the tile, the points under the rectangle, and the full
    cloud's points inside the tile out of all of them."""

    tile: Tile
    n_under: int
    n_inside: int
    n_total: int


def crop_full(
    cloud: PointCloud, rotation: Rotation, tile: Tile | None, camera: Camera, corners: Corners
) -> Callable[[ProgressFn | None, CancelFn | None], Cropped | None]:
    """The worker's job for a rectangle over the full cloud (None: no point under it)."""

    def work(progress: ProgressFn | None, cancel: CancelFn | None) -> Cropped | None:
        # The view's frame exactly as tile_mask and the viewport compute it, so every
        # point that made the box lies inside it again.
        view = _in_view(cloud, rotation)
        candidates = None if tile is None else crop_tile(view, tile[0], tile[1])
        rows = points_in_rectangle(cloud.xyz, camera, corners, candidates, progress, cancel)
        return _cropped(view, view[rows]) if len(rows) else None

    return work


def crop_sample(
    cloud: PointCloud, rotation: Rotation, sample: PointCloud, matrix: np.ndarray,
    camera: Camera, corners: Corners,
) -> Callable[[ProgressFn | None, CancelFn | None], Cropped | None]:  # fmt: skip
    """The worker's job for a rectangle over the sample; `matrix` (4, 4) takes the sample's
    points into the view's frame (the sample layer's actor matrix)."""

    def work(progress: ProgressFn | None, cancel: CancelFn | None) -> Cropped | None:
        rows = points_in_rectangle(sample.xyz, camera, corners, None, progress, cancel)
        if not len(rows):
            return None
        picked = sample.xyz[rows].astype(np.float64) @ matrix[:3, :3].T + matrix[:3, 3]
        return _cropped(_in_view(cloud, rotation), picked)

    return work


def _in_view(cloud: PointCloud, rotation: Rotation) -> np.ndarray:
    turned = full_cloud_in_view(SessionState(cloud=cloud, rotation=rotation), "view")
    assert turned is not None
    return turned.xyz


def _cropped(view: np.ndarray, picked: np.ndarray) -> Cropped:
    tile = box_of(picked)
    inside = int(crop_tile(view, tile[0], tile[1]).sum())
    return Cropped(tile, len(picked), inside, len(view))


class CropCommand:
    """One crop on the undo stack (gui/undo.py): redo sets the drawn tile, undo the one before."""

    def __init__(self, session: Session, before: Tile | None, after: Tile):
        self._session, self._before, self._after = session, before, after

    def text(self) -> str:
        return "crop tile"

    def redo(self) -> None:
        self._set(self._after)

    def undo(self) -> None:
        self._set(self._before)

    def _set(self, tile: Tile | None) -> None:
        self._session.set_display(replace(self._session.state.display, tile=tile))


class TileDrawer(QObject):
    """The rubber band on the view while armed (one rectangle), then the crop on a worker."""

    def __init__(self, window: Any):
        super().__init__(window)
        self.window = window
        self.viewport = window.viewport
        self.session: Session = window.session
        self.outline = Outline(self.viewport)
        self.armed = False
        self.job: Job | None = None  # the last crop's worker job
        self._tool: RectangleTool | None = None
        self._target = "full"
        self._on_end: Callable[[Tile | None], None] | None = None
        self._cancel_keys: QKeySequence | None = None
        self._frame: tuple[PointCloud | None, Rotation] | None = None  # what was cropped
        # Esc is the window's "Cancel Running Job": while armed it cancels the rectangle.
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self._escape.setEnabled(False)
        self._escape.activated.connect(self.cancel)
        self.session.cloud_changed.connect(self.cancel)
        self.viewport.plotter.installEventFilter(self)

    # -- arming -----------------------------------------------------------------------
    def set_armed(self, on: bool) -> None:
        """The window's checkable action (key C): on arms, off cancels."""
        if on:
            self.start()
        else:
            self.cancel()

    def start(self, on_end: Callable[[Tile | None], None] | None = None) -> bool:
        """Arm for one rectangle; `on_end(tile)` once it is cropped, or (None) if not."""
        self._end(None)  # an earlier caller still waiting hears that its turn is over
        if self.session.state.cloud is None or self.viewport.is_comparing():
            self.session.message.emit(
                "Open a cloud first; the tile is drawn over its view."
                if self.session.state.cloud is None
                else "End the comparison first (show the full cloud, key 1): it has no tile."
            )
            self._show_armed(False)
            return False
        self._on_end = on_end
        self._show_armed(True)
        self.session.message.emit(
            "Drag a rectangle on the view: the points under it become the tile (Esc cancels)."
        )
        return True

    def cancel(self) -> None:
        """Esc: the rubber band goes and the tile stays as it was."""
        if self.armed:
            self._show_armed(False)
            self.outline.hide()
            self.session.message.emit("Tile drawing cancelled; the tile is unchanged.")
            self._end(None)

    def _show_armed(self, on: bool) -> None:
        self.armed = on
        self._tool = None
        action = self.window.actions_by_key.get("draw_tile")
        if action is not None:
            action.setChecked(on)
        cancel = self.window.actions_by_key.get("cancel")
        if on and cancel is not None and self._cancel_keys is None:
            self._cancel_keys = cancel.shortcut()
            cancel.setShortcut(QKeySequence())
        elif not on and cancel is not None and self._cancel_keys is not None:
            cancel.setShortcut(self._cancel_keys)
            self._cancel_keys = None
        self._escape.setEnabled(on)
        plotter = self.viewport.plotter
        if on:
            plotter.setCursor(Qt.CursorShape.CrossCursor)
        else:
            plotter.unsetCursor()

    def _end(self, tile: Tile | None) -> None:
        on_end, self._on_end = self._on_end, None
        if on_end is not None:
            on_end(tile)

    # -- the mouse --------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not self.armed or not isinstance(event, QMouseEvent):
            return False
        kind, pos = event.type(), event.position()
        left = event.button() == Qt.MouseButton.LeftButton
        if kind == QEvent.Type.MouseButtonPress and left:
            self._press(pos.x(), pos.y())
            return True
        if kind == QEvent.Type.MouseMove and self._tool is not None:
            self._tool.move(*to_screen(self.viewport, self._target, pos.x(), pos.y()))
            self.outline.show(self._target, self._tool.outline(), closed=True)
            return True
        if kind == QEvent.Type.MouseButtonRelease and left and self._tool is not None:
            self._release(pos.x(), pos.y())
            return True
        return False

    def _press(self, x: float, y: float) -> None:
        self._target = target_at(self.viewport, x, y)
        if self._target == "sample" and self.session.state.sample is None:
            self.session.message.emit(
                "The downsampled side is only a preview: draw the tile on the full cloud."
            )
            return
        if self._target == "sample" and showing_preview(self.viewport):
            self.viewport.set_preview(None)  # crop what the session holds, as Label mode does
        self._tool = RectangleTool()
        self._tool.press(*to_screen(self.viewport, self._target, x, y))

    def _release(self, x: float, y: float) -> None:
        tool, self._tool = self._tool, None
        assert tool is not None
        shape = tool.release(*to_screen(self.viewport, self._target, x, y))
        if shape is None:  # a click, not a drag: stay armed
            self.outline.hide()
            self.session.message.emit("Drag a rectangle (a click selects nothing); Esc cancels.")
            return
        self._show_armed(False)
        corners = (tool.points[0], tool.points[-1])
        self.job = run_job(
            self.session, "Cropping the tile", self._work(corners), self._cropped, owner=self
        )
        # The band stays until the tile is shown: hiding it now would redraw the whole
        # cloud once for nothing (a second on software OpenGL, holding up the worker).
        self.job.ended.connect(self.outline.hide)
        self.job.ended.connect(lambda: self._end(None))  # failed or cancelled

    def _work(self, corners: Corners) -> Callable[..., Cropped | None]:
        state = self.session.state
        assert state.cloud is not None
        camera = target_camera(self.viewport, self._target)
        rotation = replace(state.rotation)  # a copy: Rotation is mutable
        self._frame = (state.cloud, rotation)
        if self._target == "full":
            return crop_full(state.cloud, rotation, state.display.tile, camera, corners)
        assert state.sample is not None
        matrix = np.asarray(self.viewport.sample_layer.actor.user_matrix, np.float64)
        return crop_sample(state.cloud, rotation, state.sample, matrix, camera, corners)

    def _cropped(self, result: Cropped | None) -> None:
        state = self.session.state
        cloud, rotation = self._frame or (None, None)
        if cloud is not state.cloud or rotation != state.rotation:  # the cloud by identity
            self.session.message.emit("The view changed while cropping; draw the tile again.")
            return
        if result is None:
            self.session.message.emit("No points under the rectangle; the tile is unchanged.")
            return
        before = self.session.state.display.tile
        self.session.labeling.undo_stack.push(CropCommand(self.session, before, result.tile))
        (x0, y0, z0), (x1, y1, z1) = result.tile
        # The sample's view is never cropped: say where the tile shows.
        only_sample = self.viewport._shows() == "sample"  # noqa: SLF001 - the viewport's rule
        where = " on the full cloud (key 1)" if only_sample else ""
        self.session.message.emit(
            f"Tile: {human_count(result.n_inside)} of {human_count(result.n_total)} points"
            f"{where}, x {x0:.2f} to {x1:.2f} m, y {y0:.2f} to {y1:.2f} m, "
            f"z {z0:.2f} to {z1:.2f} m (Ctrl+Z undoes it)."
        )
        self._end(result.tile)


def find_drawer(widget: QObject | None) -> TileDrawer | None:
    """The window's tile drawer, from any widget inside it (a floating dock included)."""
    top = widget
    while top is not None and top.parent() is not None:
        top = top.parent()
    return None if top is None else top.findChild(TileDrawer)


def install_tile_drawing(window: Any) -> TileDrawer:
    """The drawer, and a toolbar with its toggle (also key C)."""
    drawer = TileDrawer(window)
    action = window.actions_by_key.get("draw_tile")
    if action is not None:
        toolbar = window.addToolBar("Tile")
        toolbar.setObjectName("toolbar_tile")  # saveState needs names
        toolbar.addAction(action)
    return drawer
