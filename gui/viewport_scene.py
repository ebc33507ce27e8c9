"""The parts of the view around the points: layout of the two renderers, captions, the
height colour legend, axes, scale bar and background."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from vtkmodules.vtkCommonCore import vtkLookupTable
from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor
from vtkmodules.vtkRenderingCore import vtkTextActor

from gui.coloring import bar_text, colormap_table
from gui.preview_frames import begin_preview_frame  # noqa: F401  # re-exported to gui.viewport
from gui.view_legend import ClassLegend

HINT = "Open a point cloud (Ctrl+O), drop a file here,\nor try File > Open Sample Scene"

Bounds = tuple[tuple[float, float, float], tuple[float, float, float]]

# Renderer viewports (x0, y0, x1, y1) for each "show" mode: (left renderer, right renderer).
_LAYOUTS = {
    "full": ((0.0, 0.0, 1.0, 1.0), None),
    "sample": (None, (0.0, 0.0, 1.0, 1.0)),
    "side-by-side": ((0.0, 0.0, 0.5, 1.0), (0.5, 0.0, 1.0, 1.0)),
}


class SceneDecor:
    """Captions, legend, axes and layout for a (1, 2) plotter."""

    def __init__(self, plotter: Any):
        self._plotter = plotter
        self._texts = []
        for renderer in plotter.renderers:
            text = vtkTextActor()
            text.GetTextProperty().SetFontSize(14)
            text.GetTextProperty().SetColor(0.9, 0.9, 0.9)
            text.SetPosition(10, 10)
            renderer.AddViewProp(text)
            self._texts.append(text)
        self._hint = _hint_text(plotter.renderers[0])
        self._bar = _height_bar()
        self._bar_column = 0
        self._ranges: list[tuple[float, float] | None] = [None, None]
        self._kinds = ["height", "height"]
        plotter.renderers[0].AddViewProp(self._bar)
        self.legend = ClassLegend(plotter)  # the class colours, when coloured by class
        self.mode = "full"
        self.axes_shown = False
        self.scale_bar_shown = False
        self._scale_bars: list[object] = []
        self.background = "#1e1e24"
        self.eye_dome = False
        self.orthographic = False  # the user's projection for 'iso' (gui/view_projection.py)

    def layout(self, mode: str) -> None:
        """Give the renderers their part of the window for 'full', 'sample', 'side-by-side'."""
        self.mode = mode
        for renderer, viewport in zip(self._plotter.renderers, _LAYOUTS[mode], strict=True):
            renderer.SetDraw(viewport is not None)
            # A hidden renderer gets a sliver of the window so it cannot catch mouse events.
            renderer.SetViewport(*(viewport or (0.0, 0.0, 0.0001, 0.0001)))
        self._place_bar()

    def show_hint(self, on: bool) -> None:
        """The empty view's 'open or drop a file' hint."""
        self._hint.SetVisibility(on)

    def hint_shown(self) -> bool:
        return bool(self._hint.GetVisibility())

    def set_text(self, column: int, text: str) -> None:
        self._texts[column].SetInput(text)

    def set_height_range(
        self, column: int, height_range: tuple[float, float] | None, kind: str = "height"
    ) -> None:
        """The colour bar's range for renderer `column` (None: no bar); `kind` is what the
        colours show: "height" (metres) or "uncertainty" (member mixing, 0-0.5)."""
        self._ranges[column] = height_range
        self._kinds[column] = kind
        self._place_bar()

    def _place_bar(self) -> None:
        self.legend.place(self.mode)
        # One legend, in the right-most renderer on screen that is coloured by height.
        columns = {"full": [0], "sample": [1], "side-by-side": [1, 0]}[self.mode]
        shown = [c for c in columns if self._ranges[c] is not None]
        self._bar.SetVisibility(bool(shown))
        if not shown:
            return
        column = shown[0]
        lo, hi = self._ranges[column]  # type: ignore[misc]
        self._bar.GetLookupTable().SetTableRange(lo, hi)
        kind = self._kinds[column]
        title, label_format = _BAR_TEXT.get(kind) or bar_text(kind) or _BAR_TEXT["height"]
        self._bar.SetTitle(title)
        self._bar.SetLabelFormat(label_format)
        if column != self._bar_column:
            self._plotter.renderers[self._bar_column].RemoveViewProp(self._bar)
            self._plotter.renderers[column].AddViewProp(self._bar)
            self._bar_column = column

    def start_box(self, column: int, on_bounds: Callable[[Bounds], None]) -> None:
        """A box widget in renderer `column`; `on_bounds((lo, hi))` after each change."""
        self.stop_box()
        self._plotter.subplot(0, column)

        def changed(box: Any) -> None:
            b = box.bounds
            on_bounds(((b[0], b[2], b[4]), (b[1], b[3], b[5])))

        b = self._plotter.renderer.ComputeVisiblePropBounds()
        # Start inside the view (the middle half in x and y): the whole cloud's box sat
        # outside the screen on a zoomed-in view, with handles nobody could reach.
        pad_x, pad_y = (b[1] - b[0]) / 4, (b[3] - b[2]) / 4
        bounds = (b[0] + pad_x, b[1] - pad_x, b[2] + pad_y, b[3] - pad_y, b[4], b[5])
        self._plotter.add_box_widget(
            changed, bounds=bounds, rotation_enabled=False, interaction_event="end"
        )

    def stop_box(self) -> None:
        self._plotter.clear_box_widgets()

    def set_background(self, color: str) -> None:
        self.background = color
        self._plotter.set_background(color)  # type: ignore[arg-type]  # pyvista's wrapper types

    def set_eye_dome(self, on: bool) -> None:
        """Eye-dome lighting on both renderers: depth edges shaded, so shape shows."""
        self.eye_dome = on
        for renderer in self._plotter.renderers:
            if on:
                renderer.enable_eye_dome_lighting()
            else:
                renderer.disable_eye_dome_lighting()

    def show_axes(self, on: bool) -> None:
        """The orientation axes in the corner of each renderer."""
        self.axes_shown = on
        for renderer in self._plotter.renderers:
            if on:
                renderer.add_axes()
            else:
                renderer.hide_axes()

    def show_scale_bar(self, on: bool) -> None:
        """A scale bar along the bottom of each renderer (VTK's legend scale)."""
        self.scale_bar_shown = on
        for renderer, actor in zip(self._plotter.renderers, self._scale_bars, strict=False):
            renderer.RemoveActor(actor)
        self._scale_bars = []
        if on:
            self._scale_bars = [
                renderer.add_legend_scale(
                    left_axis_visibility=False,
                    right_axis_visibility=False,
                    top_axis_visibility=False,
                    render=False,
                )
                for renderer in self._plotter.renderers
            ]


def _hint_text(renderer: Any) -> vtkTextActor:
    text = vtkTextActor()
    text.SetInput(HINT)
    prop = text.GetTextProperty()
    prop.SetFontSize(18)
    prop.SetColor(0.75, 0.75, 0.78)
    prop.SetJustificationToCentered()
    prop.SetVerticalJustificationToCentered()
    text.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    text.SetPosition(0.5, 0.5)
    renderer.AddViewProp(text)
    return text


#: Colour bar title and label format per kind of colouring.
_BAR_TEXT = {"height": ("height", "%.1f m"), "uncertainty": ("unsure", "%.2f")}


def _height_bar() -> vtkScalarBarActor:
    table = colormap_table()
    lut = vtkLookupTable()
    lut.SetNumberOfTableValues(len(table))
    for i, (r, g, b) in enumerate(table):
        lut.SetTableValue(i, r / 255, g / 255, b / 255, 1.0)
    lut.Build()
    bar = vtkScalarBarActor()
    bar.SetLookupTable(lut)
    bar.SetNumberOfLabels(5)
    # Labels left of the bar and the unit in them: a title wider than the bar was clipped
    # at the renderer's edge ("height (m"), most in the narrow halves of side by side.
    bar.SetTitle("height")
    bar.SetLabelFormat("%.1f m")
    bar.SetTextPositionToPrecedeScalarBar()
    bar.SetPosition(0.80, 0.25)
    bar.SetWidth(0.18)
    bar.SetHeight(0.5)
    bar.SetMaximumWidthInPixels(120)
    bar.SetBarRatio(0.25)
    for prop in (bar.GetTitleTextProperty(), bar.GetLabelTextProperty()):
        prop.SetFontSize(12)
        prop.SetColor(0.9, 0.9, 0.9)
        prop.SetShadow(False)
        prop.SetBold(False)
        prop.SetItalic(False)
    bar.UnconstrainedFontSizeOn()
    bar.SetVisibility(False)
    return bar


#: Presets looking along an axis: orthographic always, so sizes and rectangles are true.
AXIS_VIEWS = ("top", "front", "side")


def set_camera(
    renderer: Any, name: str, bounds: tuple[float, ...] | None, orthographic: bool | None = None
) -> None:
    """Camera preset on a pyvista renderer: 'top', 'front', 'side', 'iso' or 'fit'.

    Fits `bounds` (x0, x1, y0, y1, z0, z1) when given, else every visible prop. 'top',
    'front' and 'side' look orthographic; 'iso' in the projection `orthographic` says (None:
    the camera's); 'fit' keeps the camera's.
    """
    views = {"top": renderer.view_xy, "front": renderer.view_xz, "side": renderer.view_yz}
    camera = renderer.GetActiveCamera()
    if name in views:
        camera.SetParallelProjection(True)
        views[name](render=False)
    elif name == "iso":
        if orthographic is not None:
            camera.SetParallelProjection(orthographic)
        renderer.view_isometric(render=False)
        # Steeper than isometric: scans are wide and flat, rooms have no ceiling.
        renderer.GetActiveCamera().Elevation(25)
        renderer.GetActiveCamera().OrthogonalizeViewUp()
    renderer.reset_camera(render=False, bounds=bounds)
    if bounds is not None:
        fit_tightly(renderer, bounds)
    renderer.reset_camera_clipping_range()


def set_projection(renderer: Any, parallel: bool) -> None:
    """Switch the camera between perspective and parallel projection in place: what lies
    at the focal point keeps its size on screen, so the switch does not jump."""
    camera = renderer.GetActiveCamera()
    if bool(camera.GetParallelProjection()) == parallel:
        return
    tan_half = np.tan(np.radians(camera.GetViewAngle()) / 2)
    if parallel:
        camera.SetParallelScale(camera.GetDistance() * tan_half)
    else:
        # The distance at which the perspective frustum is as tall as the parallel view.
        distance = camera.GetParallelScale() / max(tan_half, 1e-9)
        focal = np.asarray(camera.GetFocalPoint())
        direction = np.asarray(camera.GetDirectionOfProjection())
        camera.SetPosition(*(focal - direction * distance))
    camera.SetParallelProjection(parallel)
    renderer.reset_camera_clipping_range()


def fit_tightly(renderer: Any, bounds: tuple[float, ...], margin: float = 0.88) -> None:
    """Zoom so the box `bounds` fills `margin` of the renderer's width or height.

    VTK fits the bounding sphere: loose in a wide view, and a fixed zoom on top of it
    clipped the cloud in the narrow halves of side by side. Here the box's corners are
    projected with the renderer's own aspect, so any viewport shape fits. The margin leaves
    room for the few points outside the robust bounds.
    """
    camera = renderer.GetActiveCamera()
    renderer.ComputeAspect()
    aspect = renderer.GetAspect()[0] / max(renderer.GetAspect()[1], 1e-9)
    corners = np.array(
        [[x, y, z, 1.0] for x in bounds[0:2] for y in bounds[2:4] for z in bounds[4:6]]
    )
    for _ in range(3):  # Zoom turns the view angle, not its tangent: converge in a few steps
        view = _matrix(camera.GetViewTransformMatrix())
        eye = corners @ view.T
        depth = np.maximum(-eye[:, 2], 1e-9)
        if camera.GetParallelProjection():
            half_h = camera.GetParallelScale()
            need = max(
                np.abs(eye[:, 1]).max() / half_h, np.abs(eye[:, 0]).max() / (half_h * aspect)
            )
        else:
            tan_v = np.tan(np.radians(camera.GetViewAngle()) / 2)
            need = max(
                (np.abs(eye[:, 1]) / depth).max() / tan_v,
                (np.abs(eye[:, 0]) / depth).max() / (tan_v * aspect),
            )
        if need <= 0 or abs(need - margin) < 0.01:
            break
        camera.Zoom(margin / need)


def _matrix(vtk_matrix: Any) -> np.ndarray:
    return np.array([[vtk_matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
