"""Label mode: mouse events on the view go to the active tool, selections run in core.

Left button: the tool; the other buttons still turn, pan and zoom the camera. Ctrl+wheel
resizes the brush. The camera matrix and screen shape go to `core.labeling` with the
cloud's own coordinates; only the changed points are recoloured (gui/paint_view.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent

from core.cloud import UNLABELED
from core.labeling.grow import NeighbourGraph, grow_region, neighbour_graph
from core.labeling.projection import project_points
from core.labeling.screen_index import ScreenIndex, build_screen_index
from core.labeling.select import class_table, paintable_table, select_points
from core.labeling.shapes import Shape
from gui.paint_view import (
    Outline,
    recolor_rows,
    showing_preview,
    target_at,
    target_camera,
    to_screen,
)
from gui.tools import make_tool
from gui.tools.base import Tool

#: Window shortcuts that the class keys (1-9, 0) replace while Label mode is on.
_CLASS_KEY_ACTIONS = ("show_full", "show_sample", "show_both")


class PaintController(QObject):
    """Routes the view's mouse to the tools while Label mode is on."""

    def __init__(self, window: Any):
        super().__init__(window)
        self.window = window
        self.viewport = window.viewport
        self.session = window.session
        self.labeling = self.session.labeling
        self.enabled = False
        self.outline = Outline(self.viewport)
        self._tool: Tool | None = None
        self._target = "full"
        self._parts = 0
        self._index: tuple[tuple, ScreenIndex] | None = None
        self._graph: tuple[object, NeighbourGraph] | None = None
        self._saved_shortcuts: dict[str, Any] = {}
        self._color_by_before: str | None = None
        self.labeling.painted.connect(
            lambda target, rows: recolor_rows(self.viewport, target, rows)
        )
        self.viewport.plotter.installEventFilter(self)

    # -- the mode ---------------------------------------------------------------------
    def set_enabled(self, on: bool) -> None:
        """Label mode on or off: colours by class while on; class keys replace 1-3."""
        if on == self.enabled:
            return
        self.enabled = on
        actions = self.window.actions_by_key
        for key in _CLASS_KEY_ACTIONS:
            if key in actions:
                if on:
                    self._saved_shortcuts[key] = actions[key].shortcut()
                    actions[key].setShortcut("")
                else:
                    actions[key].setShortcut(self._saved_shortcuts.get(key, ""))
        display = self.session.state.display
        if on and display.color_by != "labels":
            self._color_by_before = display.color_by
            self.session.set_display(replace(display, color_by="labels"))
        elif not on and self._color_by_before is not None:
            self.session.set_display(replace(display, color_by=self._color_by_before))
            self._color_by_before = None
        self.labeling.set_mode(on)
        self.outline.hide()

    # -- events -----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not self.enabled or self._has_nothing():
            return False
        kind = event.type()
        if kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
            return self._wheel(event)
        if not isinstance(event, QMouseEvent):
            return False
        left = Qt.MouseButton.LeftButton
        pos = event.position()
        if kind == QEvent.Type.MouseButtonPress and event.button() == left:
            self._press(pos.x(), pos.y())
            return True
        if kind == QEvent.Type.MouseMove and self._tool is not None:
            self._move(pos.x(), pos.y())
            return True
        if kind == QEvent.Type.MouseButtonRelease and event.button() == left and self._tool:
            self._release(pos.x(), pos.y())
            return True
        return False

    def _has_nothing(self) -> bool:
        state = self.session.state
        return state.cloud is None and state.sample is None

    def _wheel(self, event: QWheelEvent) -> bool:
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return False
        radius = self.labeling.options.brush_radius
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        self.labeling.set_options(brush_radius=float(np.clip(radius * factor, 2, 400)))
        return True

    def _press(self, x: float, y: float) -> None:
        options = self.labeling.options
        self._target = target_at(self.viewport, x, y)
        if self._target == "sample" and self.session.state.sample is None:
            return
        if self._target == "sample" and showing_preview(self.viewport):
            # Paint what the session holds: the downsample panel's live preview gives way.
            self.viewport.set_preview(None)
        # The radius is in logical pixels, like the mouse; the tools work in device pixels.
        radius = options.brush_radius * self.viewport.plotter.devicePixelRatioF()
        self._tool = make_tool(options.tool, radius=radius, side=options.line_side)
        self._parts = 0
        shape = self._tool.press(*to_screen(self.viewport, self._target, x, y))
        if shape is not None and self._tool.paints_while_dragging:
            self._paint_part(shape)
        self._draw_outline()

    def _move(self, x: float, y: float) -> None:
        assert self._tool is not None
        shape = self._tool.move(*to_screen(self.viewport, self._target, x, y))
        if shape is not None and self._tool.paints_while_dragging:
            self._paint_part(shape)
        self._draw_outline()

    def _release(self, x: float, y: float) -> None:
        tool, self._tool = self._tool, None
        assert tool is not None
        shape = tool.release(*to_screen(self.viewport, self._target, x, y))
        self.outline.hide()
        if tool.paints_while_dragging:
            self.labeling.end_stroke(self._target, self._parts, tool.name)
        elif tool.name == "grow" and shape is not None:
            self.grow(shape)
        elif shape is not None:
            rows = self.select(shape)
            n = self.labeling.paint(self._target, rows, self._label(), tool.name)
            self.session.message.emit(f"{tool.name}: {n:,} points labeled")

    def _draw_outline(self) -> None:
        if self._tool is not None:
            self.outline.show(self._target, self._tool.outline(), self._tool.closed_outline)

    # -- selections -------------------------------------------------------------------
    def _label(self) -> int:
        return int(self.labeling.options.active_class)

    def _cloud_xyz(self) -> np.ndarray:
        state = self.session.state
        cloud = state.cloud if self._target == "full" else state.sample
        assert cloud is not None
        return cloud.xyz

    def _hidden(self) -> tuple[int, ...]:
        display = self.session.state.display
        hidden = set(display.hidden_classes)
        if not display.show_unlabeled:
            hidden.add(UNLABELED)
        return tuple(sorted(hidden))

    def select(self, shape: Shape, keep_same: bool = False) -> np.ndarray:
        """The rows of the target `shape` selects, with every modifier of the options."""
        labels = self.labeling.labels(self._target)
        point_size = self.session.state.display.point_size
        modifiers = self.labeling.options.modifiers(self._hidden(), point_size)
        camera = target_camera(self.viewport, self._target)
        index = self._screen_index(camera, labels, modifiers.hidden, point_size)
        return select_points(
            self._cloud_xyz(),
            labels,
            camera,
            shape,
            self._label(),
            modifiers,
            keep_same=keep_same,
            index=index,
        )

    def _screen_index(self, camera, labels, hidden, point_size) -> ScreenIndex:
        """The tile index of this camera pose, built again only when the view changed."""
        xyz = self._cloud_xyz()
        key = (
            self._target,
            id(xyz),
            camera.matrix.tobytes(),
            camera.width,
            camera.height,
            hidden,
            point_size,
        )
        if self._index is None or self._index[0] != key:
            table = class_table(labels.dtype, hidden, False) if hidden else None
            index = build_screen_index(
                xyz,
                camera,
                point_size=point_size,
                labels=labels if table is not None else None,
                hidden=table,
            )
            self._index = (key, index)
        return self._index[1]

    def _paint_part(self, shape: Shape) -> None:
        rows = self.select(shape)
        if len(rows):
            self.labeling.extend_stroke(self._target, rows, self._label())
            self._parts += 1

    def grow(self, pick: Shape) -> None:
        """Paint the segment grown from the nearest visible sample point under the click."""
        state = self.session.state
        if self._target != "sample" or state.sample is None:
            self.session.message.emit("Grow works on the downsampled cloud: show it (key 2).")
            return
        options = self.labeling.options
        picked = self.select(pick, keep_same=True)
        if len(picked) == 0:
            return
        camera = target_camera(self.viewport, "sample")
        _, depth, _ = project_points(state.sample.xyz[picked], camera)
        seed = int(picked[np.argmin(depth)])
        labels = self.labeling.labels("sample")
        modifiers = options.modifiers(self._hidden(), state.display.point_size)
        allowed = paintable_table(labels.dtype, self._label(), modifiers, keep_same=True)[labels]
        allowed[seed] = True
        segment = grow_region(
            self._sample_graph(),
            seed,
            rgb=state.sample.rgb,
            max_gap=options.grow_gap,
            max_colour=options.grow_colour,
            max_angle_deg=options.grow_angle,
            allowed=allowed,
        )
        n = self.labeling.paint("sample", segment, self._label(), "grow")
        self.session.message.emit(f"grow: {n:,} points labeled")

    def _sample_graph(self) -> NeighbourGraph:
        sample = self.session.state.sample
        if self._graph is None or self._graph[0] is not sample:
            assert sample is not None
            self.session.message.emit("Finding the sample's neighbours (once per sample)...")
            self._graph = (sample, neighbour_graph(sample.xyz, k=12))
        return self._graph[1]


def install_painting(window: Any) -> PaintController:
    """The Label mode's controller, and a toolbar with its toggle (also key L)."""
    controller = PaintController(window)
    toolbar = window.addToolBar("Label")
    toolbar.setObjectName("toolbar_label")  # saveState needs names
    toolbar.addAction(window.actions_by_key["label_mode"])
    return controller
