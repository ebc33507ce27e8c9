"""The 3D view: follows the Session and draws the full cloud and the sample.

Two renderers share one camera (linked views): the left one draws the full cloud, the
right one the sample. "full" or "sample" gives one renderer the whole window;
"side-by-side" shows both. Drawing never sees more than `display_budget` points per cloud.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pyvistaqt import QtInteractor

from core.cloud import PointCloud
from core.methods import describe_settings
from gui.layer import PointLayer
from gui.lod import display_index
from gui.session import DownsampleSettings, Rotation, Session
from gui.settings import DEFAULT_DISPLAY_BUDGET
from gui.uncertainty_view import point_uncertainty
from gui.view_legend import legend_classes
from gui.viewport_paint import (
    LayerSource,
    TileRows,
    layer_colors,
    layer_text,
    robust_bounds,
    rotation_4x4,
    view_centre,
)
from gui.viewport_scene import Bounds, SceneDecor, begin_preview_frame, set_camera

#: After the last slider step or camera drag, wait this long before drawing every point.
_SETTLE_MS = 250


@dataclass
class _Comparison:
    left: PointCloud
    right: PointCloud
    left_title: str
    right_title: str


class Viewport(QWidget):
    """A pyvistaqt view that follows `session.state` (cloud, sample, labels, display)."""

    def __init__(
        self, session: Session, parent: QWidget | None = None, budget: int = DEFAULT_DISPLAY_BUDGET
    ):
        super().__init__(parent)
        self.session = session
        self.display_budget = int(budget)
        self.display_index: np.ndarray | None = None  # full-cloud rows drawn, drawing order
        self._sample_index: np.ndarray | None = None
        self._tile = TileRows()  # full-cloud rows drawn while a tile is shown
        self._comparison: _Comparison | None = None
        self._preview: tuple[PointCloud, str, Rotation | None] | None = None
        self._view_centre: np.ndarray | None = None  # where the camera last saw the centroid
        # auto_update=False: pyvistaqt would otherwise re-render on a timer; no MSAA: it costs
        # a full-screen resolve per frame on software OpenGL for nothing on points.
        self.plotter = QtInteractor(
            self, shape=(1, 2), auto_update=False, multi_samples=0, border=False
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plotter)
        self.full_layer = PointLayer(self.plotter, 0, "full")
        self.sample_layer = PointLayer(self.plotter, 1, "sample")
        self.plotter.link_views()
        # pyvista's own keys would bypass the session (point size) or stall (q grabs a
        # screenshot); the window's action table owns the keyboard.
        plotter: Any = self.plotter  # pyvista's decorator hides the signature from mypy
        for key in ("q", "b", "C", "plus", "minus"):
            plotter.clear_events_for_key(key)
        self.decor = SceneDecor(self.plotter)
        self._settle = QTimer(self, singleShot=True, interval=_SETTLE_MS)
        self._settle.timeout.connect(self._end_interactive)
        self.plotter.iren.add_observer("StartInteractionEvent", self._start_interactive)
        self.plotter.iren.add_observer("EndInteractionEvent", self._end_interactive)
        self._connect(session)
        self._apply_layout()

    def _connect(self, session: Session) -> None:
        session.cloud_changed.connect(self._on_cloud)
        session.rotation_changed.connect(self._on_rotation)
        session.sample_changed.connect(self._on_sample_accepted)
        for signal in (
            session.sample_labels_changed,
            session.full_labels_changed,
            session.truth_changed,
            session.classes_changed,
        ):
            signal.connect(self._recolor)
        session.display_changed.connect(self._on_display)

    # -- public -----------------------------------------------------------------------
    def update_view(self) -> None:
        """Ask for a redraw; Qt coalesces requests, so call it freely."""
        if not self._closed():
            self.plotter.update()

    def set_display_budget(self, n_points: int) -> None:
        """Most points drawn per cloud; recomputes the level of detail."""
        self.display_budget = max(int(n_points), 10_000)
        self._on_cloud(fit=False)
        self._on_sample()

    def camera_preset(self, name: str) -> None:
        """'top', 'front', 'side', 'fit' (keep the direction) or 'iso' (from above, oblique).

        Cameras are linked, so setting one renderer's camera moves both.
        """
        renderer = self.plotter.renderers[1 if self._shows() == "sample" else 0]
        set_camera(renderer, name, self._robust_bounds(), self.decor.orthographic)
        self.update_view()

    def camera_state(self) -> dict:
        """The shared camera as JSON-ready values (projects save it)."""
        camera = self.plotter.renderers[0].GetActiveCamera()
        return {
            "position": list(camera.GetPosition()),
            "focal_point": list(camera.GetFocalPoint()),
            "view_up": list(camera.GetViewUp()),
            "view_angle": float(camera.GetViewAngle()),
            "parallel": bool(camera.GetParallelProjection()),
            "parallel_scale": float(camera.GetParallelScale()),
        }

    def set_camera_state(self, state: dict) -> None:
        """Put the camera back where `camera_state` found it (both views are linked)."""
        camera = self.plotter.renderers[0].GetActiveCamera()
        camera.SetPosition(*state["position"])
        camera.SetFocalPoint(*state["focal_point"])
        camera.SetViewUp(*state["view_up"])
        camera.SetViewAngle(float(state.get("view_angle", 30.0)))
        camera.SetParallelProjection(bool(state.get("parallel", False)))
        camera.SetParallelScale(float(state.get("parallel_scale", 1.0)))
        for renderer in self.plotter.renderers:
            renderer.ResetCameraClippingRange()
        self.update_view()

    def _robust_bounds(self) -> tuple[float, ...] | None:
        """Bounds of the shown points without stray outliers (0.2-99.8 percentiles)."""
        source = self._sample_source() if self._shows() == "sample" else None
        state = self.session.state
        if source is None and self._comparison is None and state.cloud is not None:
            rows = self._tile.rows if state.display.tile is not None else self.display_index
            xyz = state.cloud.xyz if rows is None else state.cloud.xyz[rows]  # every row: sorted
            return robust_bounds(xyz, rotation_4x4(state.cloud, state.rotation))
        return None if source is None else robust_bounds(source.drawn_xyz(), np.eye(4))

    def screenshot(self, path: str) -> None:
        """Write the current view to a PNG file."""
        self.plotter.render()
        self.plotter.screenshot(str(path))

    def image(self) -> np.ndarray:
        """The current view as (H, W, 3) uint8, for tests."""
        self.plotter.render()
        return np.asarray(self.plotter.screenshot(None, return_img=True))

    def start_box_selection(self, on_bounds: Callable[[Bounds], None]) -> None:
        """Show a box widget; `on_bounds((lo, hi))` after each change, in view coordinates."""
        self.decor.start_box(1 if self._shows() == "sample" else 0, on_bounds)
        self.update_view()

    def stop_box_selection(self) -> None:
        self.decor.stop_box()
        self.update_view()

    def show_comparison(
        self, left: PointCloud, right: PointCloud, left_title: str, right_title: str
    ) -> None:
        """Two clouds side by side with linked cameras, until `end_comparison`."""
        self._comparison = _Comparison(left, right, left_title, right_title)
        self._draw_layer(
            self.full_layer, LayerSource(left, _lod(len(left), self), title=left_title)
        )
        self._draw_layer(
            self.sample_layer, LayerSource(right, _lod(len(right), self), title=right_title)
        )
        self.full_layer.set_matrix(np.eye(4))
        self.sample_layer.set_matrix(np.eye(4))
        self._apply_layout()

    def end_comparison(self) -> None:
        if self._comparison is not None:
            self._comparison = None
            self._on_cloud(fit=False)
            self._on_sample()

    def set_preview(
        self, cloud: PointCloud | None, title: str = "preview", rotation: Rotation | None = None
    ) -> None:
        """Draw `cloud` (computed in frame `rotation`, default: the current one) where the
        sample goes until `set_preview(None)`: coarse at once, every point once settled."""
        if self._closed():
            return  # a preview finishing after the window closed has nowhere to go
        self._preview = None if cloud is None else (cloud, title, rotation)
        begin_preview_frame(self.plotter, self.full_layer, self.sample_layer, cloud is not None)
        self._on_sample()
        self._settle.start()

    def _on_sample_accepted(self) -> None:
        # An accepted sample (and soon its labels) is what the user wants to see, not
        # the live preview it may have come from; the next slider move previews again.
        self._preview = None
        self._on_sample()

    def is_comparing(self) -> bool:
        return self._comparison is not None

    def drawn_rows(self, target: str) -> np.ndarray | None:
        """Rows of the "full" cloud or the "sample" its layer draws, in drawing order (None =
        all), so painting recolours just the changed points (gui/paint_view.py)."""
        if target == "sample":
            return None if self._preview is not None else self._sample_index
        tile = self.session.state.display.tile is not None
        return self._tile.rows if tile else self.display_index

    # -- following the session --------------------------------------------------------
    def _on_cloud(self, fit: bool = True) -> None:
        cloud = self.session.state.cloud
        self._comparison = None
        # The display rows first: everything below (the layout's refit included) reads them,
        # and the old cloud's rows index past the end of a smaller new cloud.
        self.display_index = None if cloud is None else _lod(len(cloud), self)
        if fit:  # a new cloud: the old preview and sample are gone, the camera is refitted
            self._preview = None
            self._view_centre = None
            self._on_sample()
        self._refresh_full()
        self._on_rotation()
        if fit and cloud is not None:
            self.camera_preset("iso")

    def _refresh_full(self) -> None:
        state = self.session.state
        self.decor.show_hint(state.cloud is None)  # an empty view says what to do
        if state.cloud is None:
            self._tile.clear()
            self.full_layer.set_points(np.zeros((0, 3)))
            self.decor.set_text(0, "")
            self._apply_layout()
            return
        rows = self.display_index
        if state.display.tile is not None:
            rows = self._tile.get(
                state.cloud, state.rotation, state.display.tile, self.display_budget
            )
        else:
            self._tile.clear()
        source = LayerSource(state.cloud, rows, labels=_full_labels(self), truth=state.truth_full)
        self._draw_layer(self.full_layer, source)
        self._apply_layout()

    def _tile_rows_stale(self) -> bool:
        state = self.session.state
        return self._tile.is_stale(
            state.cloud, state.rotation, state.display.tile, self.display_budget
        )

    def _on_sample(self) -> None:
        if self._comparison is not None:
            return
        source = self._sample_source(new_lod=True)
        if source is None:
            self.sample_layer.set_points(np.zeros((0, 3)))
            self.decor.set_text(1, "")
        else:
            self._draw_layer(self.sample_layer, source)
            self._place_sample()
        self._apply_layout()

    def _on_rotation(self) -> None:
        cloud = self.session.state.cloud
        if cloud is None or self._comparison is not None:
            return
        self.full_layer.set_matrix(rotation_4x4(cloud, self.session.state.rotation))
        self._follow_cloud(view_centre(cloud, self.session.state.rotation))
        self._place_sample()
        if self.session.state.display.color_by == "height":
            self._recolor()
        self._start_interactive()
        self._settle.start()

    def _follow_cloud(self, centre: np.ndarray) -> None:
        """Move the camera with the cloud's centre, so turning about the origin (far from a
        georeferenced cloud) turns the cloud in place on screen instead of swinging it away."""
        if self._view_centre is not None:
            shift = centre - self._view_centre
            camera = self.plotter.renderers[0].GetActiveCamera()
            camera.SetPosition(*(np.asarray(camera.GetPosition()) + shift))
            camera.SetFocalPoint(*(np.asarray(camera.GetFocalPoint()) + shift))
            for renderer in self.plotter.renderers:
                renderer.ResetCameraClippingRange()
        self._view_centre = centre

    def _place_sample(self) -> None:
        """Turn the sample by the rotation made since it was computed, so it stays aligned
        with the full cloud (the sample's points are in the frame of its own rotation)."""
        state = self.session.state
        frame = self._preview[2] if self._preview is not None else state.sample_rotation
        if state.cloud is None or frame is None or self._comparison is not None:
            self.sample_layer.set_matrix(np.eye(4))
            return
        now = rotation_4x4(state.cloud, state.rotation)
        then = rotation_4x4(state.cloud, frame)
        self.sample_layer.set_matrix(now @ np.linalg.inv(then))

    def _on_display(self) -> None:
        display = self.session.state.display
        for layer in (self.full_layer, self.sample_layer):
            layer.set_point_size(display.point_size)
        # Redraw the full layer only when its rows change; colours follow in _recolor.
        if self._tile_rows_stale():
            self._refresh_full()
        self._recolor()
        self._apply_layout()

    def _recolor(self) -> None:
        if self._comparison is not None:
            return
        state = self.session.state
        if state.cloud is not None:
            rows = self._tile.rows if state.display.tile is not None else self.display_index
            full = LayerSource(state.cloud, rows, labels=_full_labels(self), truth=state.truth_full)
            self._paint(self.full_layer, full)
        sample = self._sample_source()
        if sample is not None:
            self._paint(self.sample_layer, sample)
        self.update_view()

    def _sample_source(self, new_lod: bool = False) -> LayerSource | None:
        """The preview if there is one, else the session's sample, else None."""
        state = self.session.state
        if self._preview is not None:
            cloud, title, labels = self._preview[0], self._preview[1], self._preview[0].labels
        elif state.sample is not None:
            cloud, labels = state.sample, state.labels_sample
            labels = labels if labels is not None else cloud.labels
            settings = state.sample_settings
            title = "downsampled" if settings is None else f"downsampled ({_describe(settings)})"
        else:
            return None
        if new_lod:
            self._sample_index = _lod(len(cloud), self)
        return LayerSource(cloud, self._sample_index, labels=labels, title=title)

    def _draw_layer(self, layer: PointLayer, source: LayerSource) -> None:
        layer.set_points(source.drawn_xyz())
        layer.set_point_size(self.session.state.display.point_size)
        self._paint(layer, source)

    def _paint(self, layer: PointLayer, source: LayerSource) -> None:
        state = self.session.state
        display = state.display
        rotation = state.rotation if layer is self.full_layer and not self._comparison else None
        target = "full" if layer is self.full_layer else "sample"
        previewing = target == "sample" and self._preview is not None  # not the sample's map
        if display.color_by == "uncertainty" and not previewing:
            source = replace(source, uncertainty=point_uncertainty(state, target))
        colors, visible, height_range = layer_colors(source, display, state.classes, rotation)
        layer.set_colors(colors)
        layer.set_visible(visible)
        column = 0 if layer is self.full_layer else 1
        self.decor.set_text(column, layer_text(source, display.color_by))
        labels = state.labels_sample if target == "sample" else _full_labels(self)
        labels = source.labels if labels is None else labels  # a sample keeping its file's
        self.decor.legend.set_classes(column, legend_classes(state, labels, source))
        self.decor.set_height_range(column, height_range, display.color_by)

    # -- layout and interaction -------------------------------------------------------
    def _shows(self) -> str:
        if self._comparison is not None:
            return "side-by-side"
        show = self.session.state.display.show
        if self.session.state.sample is None and self._preview is None:
            return "full"
        return show

    def _apply_layout(self) -> None:
        mode = self._shows()
        if mode != self.decor.mode:
            self.decor.layout(mode)
            # The renderer's width changed: fit again so both halves show the whole cloud.
            if self.session.state.cloud is not None:
                self.camera_preset("fit")
        else:
            self.decor.layout(mode)
        self.update_view()

    def _start_interactive(self, *_: object) -> None:
        for layer in (self.full_layer, self.sample_layer):
            layer.set_interactive(True)
        self.update_view()

    def _end_interactive(self, *_: object) -> None:
        for layer in (self.full_layer, self.sample_layer):
            layer.set_interactive(False)
        self.update_view()

    def _closed(self) -> bool:
        return bool(getattr(self.plotter, "_closed", False))

    def close_plotter(self) -> None:
        """Stop timers and release the render window (leaked ones crash later windows)."""
        self._settle.stop()
        if not self._closed():
            self.plotter.close()
        forget_gl_context(self.plotter)


def forget_gl_context(plotter: object) -> None:
    """Drop pyvistaqt's Python wrappers of the widget's GL context and surface.

    Why: pyvistaqt's ``initializeGL`` keeps ``_surface = context().surface()``, a wrapper
    of a QOffscreenSurface that Qt owns. Qt deletes it with the widget without telling
    shiboken, so the stale wrapper stays in shiboken's address map and the next Qt object
    allocated at that address is wrapped as the wrong type: heap corruption and crashes
    in later windows (about 1 run in 7 of tests/gui). Dropping the wrappers now, while
    the C++ objects are still alive, lets shiboken release them cleanly.
    tests/gui/test_viewport_teardown.py fails if a destroyed window leaves one behind.
    """
    forget = getattr(plotter, "_forget_context", None)  # private in pyvistaqt 0.13
    if callable(forget):
        forget()
    for name in ("_ctx", "_surface", "_gl"):  # in case a later pyvistaqt renames it
        if getattr(plotter, name, None) is not None:
            setattr(plotter, name, None)


def _lod(n_points: int, viewport: Viewport) -> np.ndarray | None:
    return display_index(n_points, viewport.display_budget)


def _describe(settings: DownsampleSettings) -> str:
    return describe_settings(settings.method, settings.voxel_size, settings.target, sep=" ")


def _full_labels(viewport: Viewport) -> np.ndarray | None:
    state = viewport.session.state
    return state.labels_full if state.labels_full is not None else state.truth_full
