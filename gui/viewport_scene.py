"""The parts of the view around the points: layout of the two renderers, captions, the
height colour legend, axes, scale bar and background."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vtkmodules.vtkCommonCore import vtkLookupTable
from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor
from vtkmodules.vtkRenderingCore import vtkTextActor

from gui.coloring import colormap_table

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
        self._bar = _height_bar()
        self._bar_column = 0
        self._ranges: list[tuple[float, float] | None] = [None, None]
        plotter.renderers[0].AddViewProp(self._bar)
        self.mode = "full"
        self.axes_shown = False
        self.scale_bar_shown = False
        self._scale_bars: list[object] = []
        self.background = "#1e1e24"

    def layout(self, mode: str) -> None:
        """Give the renderers their part of the window for 'full', 'sample', 'side-by-side'."""
        self.mode = mode
        for renderer, viewport in zip(self._plotter.renderers, _LAYOUTS[mode], strict=True):
            renderer.SetDraw(viewport is not None)
            # A hidden renderer gets a sliver of the window so it cannot catch mouse events.
            renderer.SetViewport(*(viewport or (0.0, 0.0, 0.0001, 0.0001)))
        self._place_bar()

    def set_text(self, column: int, text: str) -> None:
        self._texts[column].SetInput(text)

    def set_height_range(self, column: int, height_range: tuple[float, float] | None) -> None:
        self._ranges[column] = height_range
        self._place_bar()

    def _place_bar(self) -> None:
        # One legend, in the right-most renderer on screen that is coloured by height.
        columns = {"full": [0], "sample": [1], "side-by-side": [1, 0]}[self.mode]
        shown = [c for c in columns if self._ranges[c] is not None]
        self._bar.SetVisibility(bool(shown))
        if not shown:
            return
        column = shown[0]
        lo, hi = self._ranges[column]  # type: ignore[misc]
        self._bar.GetLookupTable().SetTableRange(lo, hi)
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

        bounds = self._plotter.renderer.ComputeVisiblePropBounds()
        self._plotter.add_box_widget(
            changed, bounds=bounds, rotation_enabled=False, interaction_event="end"
        )

    def stop_box(self) -> None:
        self._plotter.clear_box_widgets()

    def set_background(self, color: str) -> None:
        self.background = color
        self._plotter.set_background(color)  # type: ignore[arg-type]  # pyvista's wrapper types

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


def _height_bar() -> vtkScalarBarActor:
    table = colormap_table()
    lut = vtkLookupTable()
    lut.SetNumberOfTableValues(len(table))
    for i, (r, g, b) in enumerate(table):
        lut.SetTableValue(i, r / 255, g / 255, b / 255, 1.0)
    lut.Build()
    bar = vtkScalarBarActor()
    bar.SetLookupTable(lut)
    bar.SetTitle("height (m)")
    bar.SetNumberOfLabels(5)
    bar.SetLabelFormat("%.1f")
    bar.SetPosition(0.9, 0.25)
    bar.SetWidth(0.07)
    bar.SetHeight(0.5)
    for prop in (bar.GetTitleTextProperty(), bar.GetLabelTextProperty()):
        prop.SetFontSize(12)
        prop.SetColor(0.9, 0.9, 0.9)
        prop.SetShadow(False)
        prop.SetBold(False)
        prop.SetItalic(False)
    bar.UnconstrainedFontSizeOn()
    bar.SetVisibility(False)
    return bar


def set_camera(renderer: Any, name: str, bounds: tuple[float, ...] | None) -> None:
    """Camera preset on a pyvista renderer: 'top', 'front', 'side', 'iso' or 'fit'.

    Fits `bounds` (x0, x1, y0, y1, z0, z1) when given, else every visible prop.
    """
    views = {"top": renderer.view_xy, "front": renderer.view_xz, "side": renderer.view_yz}
    if name in views:
        views[name](render=False)
    elif name == "iso":
        renderer.view_isometric(render=False)
        # Steeper than isometric: scans are wide and flat, rooms have no ceiling.
        renderer.GetActiveCamera().Elevation(25)
        renderer.GetActiveCamera().OrthogonalizeViewUp()
    renderer.reset_camera(render=False, bounds=bounds)
    if bounds is not None:
        renderer.GetActiveCamera().Zoom(1.2)  # VTK fits a bounding sphere: loose
    renderer.reset_camera_clipping_range()
