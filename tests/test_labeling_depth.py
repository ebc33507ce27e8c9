"""The points' own depth buffer and the visible-only selection."""

from __future__ import annotations

import numpy as np
import pytest

from core.labeling.depth import depth_buffer, visible_mask
from core.labeling.projection import Camera, look_at_matrix
from core.labeling.select import Modifiers, select_points
from core.labeling.shapes import Circles, rectangle
from core.scene import make_scene
from tests.labeling_reference import (
    reference_depth,
    reference_projection,
    reference_visible,
    views_of,
)

FLOOR, BOX = 0, 2


def box_on_floor(spacing: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """A 2 x 2 m floor grid and a 0.6 m box standing on it (top and four sides)."""
    g = np.arange(0, 2, spacing) + spacing / 2
    fx, fy = np.meshgrid(g, g)
    floor = np.column_stack([fx.ravel(), fy.ravel(), np.zeros(fx.size)])
    b = np.arange(0.7, 1.3, spacing) + spacing / 2
    tx, ty = np.meshgrid(b, b)
    top = np.column_stack([tx.ravel(), ty.ravel(), np.full(tx.size, 0.6)])
    h = np.arange(0, 0.6, spacing)
    sides = []
    for u, v in np.array(np.meshgrid(b, h)).reshape(2, -1).T:
        sides += [[u, 0.7, v], [u, 1.3, v], [0.7, u, v], [1.3, u, v]]
    xyz = np.vstack([floor, top, np.array(sides)])
    labels = np.r_[np.full(len(floor), FLOOR), np.full(len(xyz) - len(floor), BOX)]
    return xyz, labels.astype(np.uint8)


def top_camera() -> Camera:
    m = look_at_matrix([1, 1, 5], [1, 1, 0], [0, 1, 0], fov_deg=30, aspect=1.0, near=3, far=6)
    return Camera(m, 400, 400)


def test_floor_under_the_box_is_not_selected_from_the_top() -> None:
    xyz, labels = box_on_floor()
    camera = top_camera()
    everything = rectangle(0, 0, camera.width, camera.height)
    got = select_points(xyz, labels, camera, everything, 9, Modifiers(tolerance=0.02))
    chosen = np.zeros(len(xyz), bool)
    chosen[got] = True
    floor = labels == FLOOR
    under = floor & np.all((xyz[:, :2] > 0.7) & (xyz[:, :2] < 1.3), axis=1)
    assert not chosen[under].any(), "floor points hidden by the box were selected"
    open_floor = floor & np.any((xyz[:, :2] < 0.6) | (xyz[:, :2] > 1.4), axis=1)
    assert chosen[open_floor].all()
    box_top = (labels == BOX) & (xyz[:, 2] == 0.6)
    assert chosen[box_top].all()
    # Without the modifier, a lasso labels through the box, as other tools do.
    through = select_points(xyz, labels, camera, everything, 9, Modifiers(visible_only=False))
    assert np.isin(np.flatnonzero(under), through).all()


def test_brush_visible_only_matches_the_reference_buffer() -> None:
    xyz, labels = box_on_floor(0.02)
    camera = top_camera()
    sx, sy, d, ok = reference_projection(xyz, camera)
    ref = reference_depth(sx, sy, d, ok, camera.width, camera.height, 3.0)
    stroke = np.array([[150.0, 200.0], [200, 200], [260, 210]])
    got = select_points(xyz, labels, camera, Circles(stroke, 30), 9, Modifiers(point_size=3.0))
    inside = np.zeros(len(xyz), bool)
    for cx, cy in stroke:
        inside |= (sx - cx) ** 2 + (sy - cy) ** 2 <= 900
    expect = inside & reference_visible(sx, sy, d, ok, ref, 0.02)
    np.testing.assert_array_equal(got, np.flatnonzero(expect))


@pytest.mark.parametrize("point_size", [1.0, 2.0, 4.5])
def test_depth_buffer_and_visibility_match_numpy_on_a_real_scan(data_dir, point_size) -> None:
    xyz = np.loadtxt(data_dir / "test55.xyz", delimiter=",", usecols=(0, 1, 2))
    for camera in views_of(xyz, 320, 240):
        sx, sy, d, ok = reference_projection(xyz, camera)
        ref = reference_depth(sx, sy, d, ok, camera.width, camera.height, point_size)
        got = depth_buffer(xyz, camera, point_size=point_size)
        np.testing.assert_array_equal(got, ref)
        tolerance = 0.01
        np.testing.assert_array_equal(
            visible_mask(xyz, camera, got, tolerance),
            reference_visible(sx, sy, d, ok, ref, tolerance),
        )


def test_hidden_classes_hide_nothing() -> None:
    """With the box hidden, the floor under it is visible and paintable."""
    xyz, labels = box_on_floor()
    camera = top_camera()
    mods = Modifiers(hidden=(BOX,))
    got = select_points(xyz, labels, camera, rectangle(0, 0, 400, 400), 9, mods)
    np.testing.assert_array_equal(got, np.flatnonzero(labels == FLOOR))


def test_region_limits_the_buffer() -> None:
    scene = make_scene(30_000, seed=2)
    camera = views_of(scene.xyz, 200, 150)[0]
    whole = depth_buffer(scene.xyz, camera)
    part = depth_buffer(scene.xyz, camera, region=(50, 40, 120, 100))
    np.testing.assert_array_equal(part[40:100, 50:120], whole[40:100, 50:120])
    assert np.isinf(part[:40]).all() and np.isinf(part[:, 120:]).all()
