"""The viewport side of painting: the camera core needs, the tool's outline as an overlay,
and recolouring only the points a stroke changed (in place in VTK's colour array).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData, vtkPolyLine
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D

from core.labeling.projection import Camera
from gui import coloring

COLUMNS = {"full": 0, "sample": 1}


def renderer_rect(viewport: Any, target: str) -> tuple[float, float, int, int]:
    """The target's renderer on the widget: left, top (logical pixels, y down), width, height
    in device pixels."""
    renderer = viewport.plotter.renderers[COLUMNS[target]]
    width, height = renderer.GetSize()
    x0, y0 = renderer.GetOrigin()
    window_height = viewport.plotter.render_window.GetSize()[1]
    ratio = viewport.plotter.devicePixelRatioF()
    return x0 / ratio, (window_height - y0 - height) / ratio, int(width), int(height)


def target_camera(viewport: Any, target: str) -> Camera:
    """World (the cloud's own coordinates) to the target renderer's pixels."""
    renderer = viewport.plotter.renderers[COLUMNS[target]]
    width, height = renderer.GetSize()
    vtk_matrix = renderer.GetActiveCamera().GetCompositeProjectionTransformMatrix(
        renderer.GetTiledAspectRatio(), -1, 1
    )
    view = np.array([[vtk_matrix.GetElement(r, c) for c in range(4)] for r in range(4)])
    layer = viewport.full_layer if target == "full" else viewport.sample_layer
    actor = np.asarray(layer.actor.user_matrix, np.float64)  # the view's rotation
    return Camera(view @ actor, int(width), int(height))


def to_screen(viewport: Any, target: str, x: float, y: float) -> tuple[float, float]:
    """A mouse position on the widget (logical pixels) in the renderer's device pixels."""
    left, top, _, _ = renderer_rect(viewport, target)
    ratio = viewport.plotter.devicePixelRatioF()
    return (x - left) * ratio, (y - top) * ratio


def target_at(viewport: Any, x: float, y: float) -> str:
    """Which cloud is under the mouse: the one shown, or the half the mouse is in."""
    shows = viewport._shows()  # noqa: SLF001 - the viewport's own layout rule
    if shows != "side-by-side":
        return "sample" if shows == "sample" else "full"
    return "sample" if x > viewport.plotter.width() / 2 else "full"


def showing_preview(viewport: Any) -> bool:
    """The sample's place shows the downsample panel's live preview, not the sample."""
    return getattr(viewport, "_preview", None) is not None


def recolor_rows(viewport: Any, target: str, rows: np.ndarray) -> None:
    """Recolour the changed `rows` of `target` where they are drawn; nothing else moves."""
    state = viewport.session.state
    display = state.display
    if (
        display.color_by != "labels"
        or len(rows) == 0
        or (target == "sample" and showing_preview(viewport))
    ):
        viewport.update_view()
        return
    if rows_hidden(state, target, rows):
        viewport._recolor()  # noqa: SLF001 - a hidden class: the drawn set changes
        return
    layer = viewport.full_layer if target == "full" else viewport.sample_layer
    cloud = state.cloud if target == "full" else state.sample
    labels = state.labels_full if target == "full" else state.labels_sample
    if cloud is None or labels is None or layer.n_points == 0:
        return
    drawn = viewport.drawn_rows(target)
    rows = np.asarray(rows, np.int64)
    if drawn is not None:
        where = _positions(drawn, len(cloud))[rows]
        keep = where >= 0
        rows, where = rows[keep], where[keep]
    else:
        where = rows
    rgb = cloud.rgb[rows] if cloud.rgb is not None else None
    colours = coloring.label_colors(labels[rows], state.classes, rgb, display.blend)
    array = layer.mesh.point_data["rgb"]
    array[where] = colours
    layer.mesh.GetPointData().GetArray("rgb").Modified()
    viewport.update_view()


def rows_hidden(state: Any, target: str, rows: np.ndarray) -> bool:
    labels = state.labels_full if target == "full" else state.labels_sample
    hidden = set(state.display.hidden_classes)
    if not state.display.show_unlabeled:
        hidden.add(255)
    return bool(hidden) and bool(np.isin(labels[rows[:1000]], list(hidden)).any())


_inverse: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _positions(drawn: np.ndarray, n: int) -> np.ndarray:
    """(n,) int64: where each cloud row is drawn, -1 if not (cached per drawn-rows array)."""
    hit = _inverse.get("rows")
    if hit is not None and hit[0] is drawn:
        return hit[1]
    where = np.full(n, -1, np.int64)
    where[drawn] = np.arange(len(drawn))
    _inverse["rows"] = (drawn, where)
    return where


class Outline:
    """A tool's outline drawn over the view (VTK display coordinates: y up)."""

    def __init__(self, viewport: Any):
        self._viewport = viewport
        self._points = vtkPoints()
        self._poly = vtkPolyData()
        self._poly.SetPoints(self._points)
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._poly)
        self.actor = vtkActor2D()
        self.actor.SetMapper(mapper)
        self.actor.GetProperty().SetColor(1.0, 0.85, 0.1)
        self.actor.GetProperty().SetLineWidth(2)
        self._renderer: Any = None

    def show(self, target: str, screen_xy: np.ndarray, closed: bool) -> None:
        """Draw the polyline through (K, 2) renderer pixels (y down)."""
        renderer = self._viewport.plotter.renderers[COLUMNS[target]]
        if renderer is not self._renderer:
            self.hide()
            renderer.AddViewProp(self.actor)
            self._renderer = renderer
        _, height = renderer.GetSize()
        x0, y0 = renderer.GetOrigin()
        pts = np.asarray(screen_xy, np.float64).reshape(-1, 2)
        if closed and len(pts) > 2:
            pts = np.vstack([pts, pts[:1]])
        self._points.Reset()
        for x, y in pts:
            self._points.InsertNextPoint(x0 + x, y0 + height - y, 0.0)
        line = vtkPolyLine()
        line.GetPointIds().SetNumberOfIds(len(pts))
        for i in range(len(pts)):
            line.GetPointIds().SetId(i, i)
        cells = vtkCellArray()
        cells.InsertNextCell(line)
        self._poly.SetLines(cells)
        self._points.Modified()
        self._poly.Modified()
        self.actor.SetVisibility(len(pts) > 1)
        self._viewport.update_view()

    def hide(self) -> None:
        if self._renderer is not None:
            self._renderer.RemoveViewProp(self.actor)
            self._renderer = None
            self._viewport.update_view()
