"""One point cloud drawn in one renderer, updated in place.

The actor and mapper are made once; a new cloud of the same size only overwrites the
point and colour buffers, and hiding points only rewrites the vertex list, because
removing and re-adding actors is what makes pyvista slow on big clouds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyvista as pv

#: While the user drags (a slider or the camera) only this many points are drawn: VTK on
#: software OpenGL draws about 5M points a second, so a frame stays under 0.1 s.
INTERACTIVE_POINTS = 300_000
#: While a brush paints, fewer: each mouse move is a frame. Under Xvfb's software OpenGL a
#: brush drag on the 1M sample ran at 11 frames a second with 300k drawn, 19 with 100k,
#: 21 with 80k and 29 with 60k (bench_labeling --gui, load 1). The colours change in
#: place for every point; release draws them all.
PAINTING_POINTS = 60_000


class PointLayer:
    """Points with per-point RGB in renderer `column` of a (1, 2) plotter.

    While the user drags, every k-th drawn point is drawn (about `INTERACTIVE_POINTS`):
    the drawn points are a uniform subset in file order (see `gui.lod`), so this is a
    coarser level of detail spread over the whole cloud.
    """

    def __init__(self, plotter: Any, column: int, name: str):
        self._plotter = plotter
        plotter.subplot(0, column)
        self.mesh = _polydata(np.zeros((1, 3), np.float32))
        self.actor = plotter.add_mesh(
            self.mesh,
            scalars="rgb",
            rgb=True,
            point_size=2.0,
            reset_camera=False,
            name=name,
            show_scalar_bar=False,
            render=False,
        )
        self.actor.SetVisibility(False)
        self.n_points = 0
        self._visible: np.ndarray | None = None  # positions of the drawn points, or all
        self._interactive = False
        self.interactive_points = INTERACTIVE_POINTS

    def set_points(self, xyz: np.ndarray) -> None:
        """Draw these points (M, 3) float; colours become black until `set_colors`."""
        xyz = np.ascontiguousarray(xyz, dtype=np.float32)
        self.n_points = len(xyz)
        if len(xyz) == self.mesh.n_points and len(xyz) > 0:
            np.copyto(self.mesh.points, xyz)
            self.mesh.GetPoints().Modified()
        else:
            self.mesh = _polydata(xyz if len(xyz) else np.zeros((1, 3), np.float32))
            self.actor.mapper.SetInputData(self.mesh)
        self._visible = None
        self._apply_verts()
        self.actor.SetVisibility(len(xyz) > 0)

    def set_colors(self, colors: np.ndarray) -> None:
        """Per-point colours (M, 3) uint8, M = the number of points drawn."""
        if self.n_points == 0:
            return
        np.copyto(self.mesh.point_data["rgb"], colors)
        self.mesh.GetPointData().GetArray("rgb").Modified()

    def set_visible(self, mask: np.ndarray | None) -> None:
        """Which drawn points show: (M,) bool, or None for all."""
        self._visible = None if mask is None else np.flatnonzero(mask)
        self._apply_verts()

    def set_interactive(self, on: bool, points: int | None = None) -> None:
        """Draw the coarse level of detail while the user drags: about `points` (default:
        as set by an earlier call of this drag, else `INTERACTIVE_POINTS`)."""
        wanted = points if points is not None else self.interactive_points
        if not on:
            wanted = INTERACTIVE_POINTS  # the next drag starts from the default again
        if on != self._interactive or wanted != self.interactive_points:
            changed = on != self._interactive or on
            self._interactive, self.interactive_points = on, wanted
            if changed:
                self._apply_verts()

    def set_matrix(self, matrix: np.ndarray) -> None:
        """The actor's 4x4 user transform: turns the view without touching the points."""
        self.actor.user_matrix = matrix

    def set_point_size(self, size: float) -> None:
        self.actor.prop.point_size = float(size)

    def show(self, on: bool) -> None:
        self.actor.SetVisibility(bool(on) and self.n_points > 0)

    def _apply_verts(self) -> None:
        shown = np.arange(self.n_points) if self._visible is None else self._visible
        if self._interactive and len(shown) > self.interactive_points:
            shown = shown[:: -(-len(shown) // self.interactive_points)]  # ceil division
        cells: Any = shown.reshape(-1, 1)
        # deep: VTK must not point into a numpy buffer that Python may free.
        self.mesh.verts = pv.CellArray.from_regular_cells(cells, deep=True)


def _polydata(xyz: np.ndarray) -> pv.PolyData:
    # deep: VTK owns its point and colour buffers, so nothing it draws from can be freed
    # by Python (a shared buffer freed under VTK corrupts the heap). We write into them
    # in place afterwards, so the copy is made once per cloud size.
    mesh = pv.PolyData(xyz, deep=True)
    rgb = np.zeros((len(xyz), 3), np.uint8)
    mesh.point_data.set_array(rgb, "rgb", deep_copy=True)  # type: ignore[arg-type]  # hint says float; uint8 works
    mesh.set_active_scalars("rgb")
    return mesh
