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
from core.labeling.grow import NeighbourGraph, grow_region
from core.labeling.projection import project_points
from core.labeling.screen_index import ScreenIndex
from core.labeling.select import paintable_table, select_points
from core.labeling.shapes import Shape
from gui.layer import PAINTING_POINTS
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
from gui.tools.prepare import ViewPreparer

#: Window shortcuts that the class keys (1-9, 0) replace while Label mode is on.
_CLASS_KEY_ACTIONS = ("show_full", "show_sample", "show_both")


class _Stroke:
    """One brush stroke: how many of its parts changed points (they merge into one step)."""

    def __init__(self) -> None:
        self.parts = 0


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
        self._stroke = _Stroke()
        self.prep = ViewPreparer(self)
        self.prep.status_changed.connect(self.labeling.set_preparing)
        self.session.cloud_changed.connect(self.prep.forget)
        self.session.sample_changed.connect(self.prep.forget)
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
        if on:
            self.prep.start()
        else:
            self.prep.stop()

    def settled(self) -> bool:
        """Every stroke made so far is applied (none waits for the view to be prepared)."""
        return self.prep.settled()

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
        self._stroke = _Stroke()
        if self._tool.paints_while_dragging:
            # Drawn coarse while the brush drags, as while the camera turns: a frame of every
            # point would hold the brush back (the colours change in place either way).
            for layer in (self.viewport.full_layer, self.viewport.sample_layer):
                layer.set_interactive(True, PAINTING_POINTS)  # fewer points than a camera drag
            self.viewport._start_interactive()  # noqa: SLF001 - the viewport's own LOD switch
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
        target, stroke, label = self._target, self._stroke, self._label()
        shape = tool.release(*to_screen(self.viewport, target, x, y))
        self.outline.hide()
        if tool.paints_while_dragging:
            self.viewport._end_interactive()  # noqa: SLF001 - every point again
        if tool.paints_while_dragging:
            end = self.labeling.end_stroke
            self.prep.when_ready(target, lambda _: end(target, stroke.parts, tool.name))
        elif tool.name == "grow" and shape is not None:
            self.grow(shape)
        elif shape is not None:
            self.prep.when_ready(
                target, lambda index: self._apply(target, shape, label, tool.name, index)
            )

    def _apply(self, target: str, shape: Shape, label: int, name: str, index) -> None:
        rows = self.select(shape, target=target, label=label, index=index)
        n = self.labeling.paint(target, rows, label, name)
        self.session.message.emit(f"{name}: {n:,} points labeled")

    def _draw_outline(self) -> None:
        if self._tool is not None:
            self.outline.show(self._target, self._tool.outline(), self._tool.closed_outline)

    # -- selections -------------------------------------------------------------------
    def _label(self) -> int:
        return int(self.labeling.options.active_class)

    def cloud_xyz(self, target: str) -> np.ndarray:
        state = self.session.state
        cloud = state.cloud if target == "full" else state.sample
        assert cloud is not None
        return cloud.xyz

    def shown_targets(self) -> list[str]:
        """The clouds on screen that a stroke could paint."""
        state = self.session.state
        shows = self.viewport._shows()  # noqa: SLF001 - the viewport's own layout rule
        full = state.cloud is not None and shows in ("full", "side-by-side")
        # The sample counts even under the downsample panel's live preview: a stroke
        # there paints the sample (the preview gives way, see _press).
        sample = state.sample is not None and shows in ("sample", "side-by-side")
        return ["full"] * full + ["sample"] * sample

    def hidden_classes(self) -> tuple[int, ...]:
        display = self.session.state.display
        hidden = set(display.hidden_classes)
        if not display.show_unlabeled:
            hidden.add(UNLABELED)
        return tuple(sorted(hidden))

    def select(
        self,
        shape: Shape,
        keep_same: bool = False,
        *,
        target: str | None = None,
        label: int | None = None,
        index: ScreenIndex | None = None,
    ) -> np.ndarray:
        """The rows of the target `shape` selects, with every modifier of the options.

        Without `index` the current pose's index is used, built here if not ready.
        """
        target = target or self._target
        labels = self.labeling.labels(target)
        point_size = self.session.state.display.point_size
        modifiers = self.labeling.options.modifiers(self.hidden_classes(), point_size)
        camera = target_camera(self.viewport, target)
        if index is None or not np.array_equal(index.camera.matrix, camera.matrix):
            index = self.prep.index_now(target)  # e.g. the camera moved while grow waited
        return select_points(
            self.cloud_xyz(target),
            labels,
            camera,
            shape,
            self._label() if label is None else label,
            modifiers,
            keep_same=keep_same,
            index=index,
        )

    def _paint_part(self, shape: Shape) -> None:
        target, stroke, label = self._target, self._stroke, self._label()

        def paint(index: ScreenIndex) -> None:
            rows = self.select(shape, target=target, label=label, index=index)
            if len(rows):
                self.labeling.extend_stroke(target, rows, label)
                stroke.parts += 1

        self.prep.when_ready(target, paint)

    def grow(self, pick: Shape) -> None:
        """Paint the segment grown from the nearest visible sample point under the click."""
        if self._target != "sample" or self.session.state.sample is None:
            self.session.message.emit("Grow works on the downsampled cloud: show it (key 2).")
            return
        label = self._label()
        self.prep.when_ready(
            "sample",
            lambda index: self.prep.when_graph(lambda graph: self._grow(pick, label, index, graph)),
        )

    def _grow(self, pick: Shape, label: int, index: ScreenIndex, graph: NeighbourGraph) -> None:
        state = self.session.state
        assert state.sample is not None
        options = self.labeling.options
        picked = self.select(pick, keep_same=True, target="sample", label=label, index=index)
        if len(picked) == 0:
            return
        camera = target_camera(self.viewport, "sample")
        _, depth, _ = project_points(state.sample.xyz[picked], camera)
        seed = int(picked[np.argmin(depth)])
        labels = self.labeling.labels("sample")
        modifiers = options.modifiers(self.hidden_classes(), state.display.point_size)
        allowed = paintable_table(labels.dtype, label, modifiers, keep_same=True)[labels]
        allowed[seed] = True
        segment = grow_region(
            graph,
            seed,
            rgb=state.sample.rgb,
            max_gap=options.grow_gap,
            max_colour=options.grow_colour,
            max_angle_deg=options.grow_angle,
            allowed=allowed,
        )
        n = self.labeling.paint("sample", segment, label, "grow")
        self.session.message.emit(f"grow: {n:,} points labeled")


def install_painting(window: Any) -> PaintController:
    """The Label mode's controller, and a toolbar with its toggle (also key L)."""
    controller = PaintController(window)
    toolbar = window.addToolBar("Label")
    toolbar.setObjectName("toolbar_label")  # saveState needs names
    toolbar.addAction(window.actions_by_key["label_mode"])
    return controller
