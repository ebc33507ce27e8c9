"""Read one point: the drawn point under the mouse, its coordinates, fields and label.

The drawn points are projected with the renderer's camera (numpy, one matrix product),
so it works the same on a tile, a level-of-detail subset or the sample, without a VTK
picker that would need its own copy of the points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtGui import QCursor

from core.classes import classes_for
from gui.coloring import value_name
from gui.session import Session
from gui.viewport_paint import LayerSource

#: The point must be this close to the mouse on screen (pixels).
RADIUS_PX = 8.0


def describe_point_under_mouse(viewport: Any, session: Session) -> str:
    """A sentence for the status bar: the point under the mouse, or why there is none."""
    widget = viewport.plotter
    position = widget.mapFromGlobal(QCursor.pos())
    found = point_at(viewport, session, position.x(), position.y())
    if found is None:
        return "No point under the mouse; point at the cloud and press P."
    source, row, xyz = found
    return describe(source, row, xyz, session)


def point_at(
    viewport: Any, session: Session, x: float, y: float
) -> tuple[LayerSource, int, np.ndarray] | None:
    """(layer source, row in its cloud, shown xyz) of the point at widget pixel (x, y)."""
    plotter = viewport.plotter
    ratio = plotter.devicePixelRatioF()
    width, height = plotter.GetRenderWindow().GetSize()
    px, py = x * ratio, height - y * ratio  # VTK counts pixels from the bottom
    for column, layer in enumerate((viewport.full_layer, viewport.sample_layer)):
        renderer = plotter.renderers[column]
        if not renderer.GetDraw() or not renderer.IsInViewport(int(px), int(py)):
            continue
        source = _source(viewport, session, column)
        if source is None or layer.n_points == 0:
            return None
        shown = _shown_xyz(layer)
        screen, depth = _to_screen(renderer, shown, (width, height))
        near = np.hypot(screen[:, 0] - px, screen[:, 1] - py) < RADIUS_PX * ratio
        near &= np.isfinite(depth)
        if layer._visible is not None:  # hidden classes are not there to pick
            allowed = np.zeros(len(shown), dtype=bool)
            allowed[layer._visible] = True
            near &= allowed
        if not near.any():
            return None
        candidates = np.flatnonzero(near)
        drawn = int(candidates[np.argmin(depth[candidates])])  # the front-most one
        rows = source.rows
        row = drawn if rows is None else int(rows[drawn])
        return source, row, shown[drawn]
    return None


def describe(source: LayerSource, row: int, xyz: np.ndarray, session: Session) -> str:
    cloud = source.cloud
    offset = cloud.offset
    x, y, z = (float(v) for v in np.asarray(cloud.xyz[row], dtype=np.float64) + offset)
    parts = [f"{source.title.split(' (')[0]} point {row:,}: x {x:.3f}, y {y:.3f}, z {z:.3f}"]
    if cloud.rgb is not None:
        r, g, b = (int(v) for v in cloud.rgb[row])
        parts.append(f"rgb ({r}, {g}, {b})")
    if cloud.intensity is not None:
        parts.append(f"intensity {float(cloud.intensity[row]):g}")
    values = {name: field[row] for name, field in cloud.point_fields.items()}
    labels = source.labels
    label = None if labels is None else int(labels[row])
    # The labels read from a LAS are its classification: one entry, named the ASPRS way.
    same = label is not None and values.get("classification") == label
    if same:
        del values["classification"]
    parts += _field_parts(values)
    if label is not None:
        names = {c.id: c.name for c in classes_for([label], session.state.classes)}
        name = names.get(label, "unnamed")
        if same and name == f"class {label}":
            name = value_name("classification", label).partition(" ")[2]
        parts.append(f"label {label} ({name})")
    return "; ".join(parts)


def _field_parts(values: dict[str, np.generic]) -> list[str]:
    """``return 1 of 2``, ``gps_time 245379.958909``, ``classification 2 ground``..."""
    parts = []
    if "return_number" in values and "number_of_returns" in values:
        of = values.pop("number_of_returns")
        parts.append(f"return {int(values.pop('return_number'))} of {int(of)}")
    for name, value in values.items():
        if np.issubdtype(value.dtype, np.integer):
            parts.append(f"{name} {value_name(name, int(value))}")
        elif value.dtype.itemsize >= 8:  # gps_time: to the microsecond
            parts.append(f"{name} {float(value):.6f}".rstrip("0").rstrip("."))
        else:
            parts.append(f"{name} {float(value):g}")
    return parts


def _source(viewport: Any, session: Session, column: int) -> LayerSource | None:
    state = session.state
    if column == 1:
        return viewport._sample_source()
    if state.cloud is None:
        return None
    rows = viewport._tile.rows if state.display.tile is not None else viewport.display_index
    labels = state.labels_full if state.labels_full is not None else state.truth_full
    return LayerSource(state.cloud, rows, labels=labels, truth=state.truth_full)


def _shown_xyz(layer: Any) -> np.ndarray:
    """The layer's points where they are drawn (its actor's matrix applied)."""
    points = np.asarray(layer.mesh.points, dtype=np.float64)
    matrix = np.asarray(layer.actor.user_matrix, dtype=np.float64)
    return points @ matrix[:3, :3].T + matrix[:3, 3]


def _to_screen(
    renderer: Any, xyz: np.ndarray, window: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Display pixels (N, 2) and distance ahead of the camera (N,) of world points (N, 3)."""
    x0, y0, x1, y1 = renderer.GetViewport()
    size = np.array([(x1 - x0) * window[0], (y1 - y0) * window[1]])
    camera = renderer.GetActiveCamera()
    vtk_matrix = camera.GetCompositeProjectionTransformMatrix(size[0] / size[1], -1, 1)
    matrix = np.array([[vtk_matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
    clip = np.c_[xyz, np.ones(len(xyz))] @ matrix.T
    w = np.where(np.abs(clip[:, 3]) < 1e-12, 1e-12, clip[:, 3])
    ndc = clip[:, :3] / w[:, None]
    screen = (ndc[:, :2] + 1) / 2 * size + np.array([x0 * window[0], y0 * window[1]])
    # Depth as distance along the view direction (front-most = smallest), not NDC z.
    ahead = (xyz - np.asarray(camera.GetPosition())) @ np.asarray(camera.GetDirectionOfProjection())
    depth = np.where((w > 0) & (ahead > 0), ahead, np.inf)  # behind the camera: never picked
    return screen, depth
