"""Selections through the per-view tile index give exactly the full pass's points."""

from __future__ import annotations

import numpy as np
import pytest

from core.cloud import UNLABELED
from core.labeling.screen_index import TILE, build_screen_index
from core.labeling.select import Modifiers, class_table, select_points
from core.labeling.select_kernel import inside_shape
from core.labeling.shapes import Circles, HalfPlane, Polygon, Shape, compile_shape, rectangle
from core.labeling.tile_select import BORDER, INSIDE, OUTSIDE, classify_tiles
from core.scene import FURNITURE, WALL, make_scene
from tests.labeling_reference import views_of


@pytest.fixture(scope="module")
def scene():
    cloud = make_scene(250_000, seed=11)
    assert cloud.labels is not None
    labels = cloud.labels.copy()
    labels[::7] = UNLABELED
    return cloud.xyz, labels


def _shapes(w: int, h: int):
    t = np.linspace(0, 2 * np.pi, 80, endpoint=False)
    lasso = np.column_stack([w / 2 + w / 3 * np.cos(t), h / 2 + h / 4 * np.sin(3 * t)])
    stroke = np.column_stack([np.linspace(30, w - 30, 30), h / 2 + 40 * np.sin(t[:30])])
    return [
        Polygon(lasso),
        rectangle(16, 16, 48, 100.5),
        rectangle(-50, -20, w * 2, h * 2),
        Circles(stroke, 18.0),
        HalfPlane((0, h * 0.7), (w, h * 0.2)),
        rectangle(w + 10, 0, w + 50, 50),
    ]


@pytest.mark.parametrize(
    "modifiers",
    [
        Modifiers(visible_only=False),
        Modifiers(point_size=2.0, tolerance=0.03),
        Modifiers(editable=(UNLABELED, WALL), hidden=(FURNITURE,), point_size=4.0),
    ],
)
def test_index_gives_the_full_pass_points(scene, modifiers) -> None:
    xyz, labels = scene
    for camera in views_of(xyz, 500, 375):
        hidden = class_table(labels.dtype, modifiers.hidden, False)
        index = build_screen_index(
            xyz, camera, point_size=modifiers.point_size, labels=labels, hidden=hidden
        )
        for shape in _shapes(camera.width, camera.height):
            full = select_points(xyz, labels, camera, shape, 1, modifiers)
            fast = select_points(xyz, labels, camera, shape, 1, modifiers, index=index)
            np.testing.assert_array_equal(fast, full, err_msg=repr(shape)[:60])


def test_index_refuses_another_camera(scene) -> None:
    xyz, labels = scene
    first, second = views_of(xyz, 200, 100)[:2]
    index = build_screen_index(xyz, first)
    with pytest.raises(ValueError, match="another camera"):
        select_points(xyz, labels, second, rectangle(0, 0, 9, 9), 1, index=index)


def _point_inside(c, x: float, y: float, height: int) -> bool:
    row = min(max(int(np.floor(y)), 0), height - 1)
    return bool(inside_shape(c.kind, c.items, c.row_start, c.row_items, row, x, y))


def test_whole_tiles_are_inside_or_outside_as_every_point_in_them() -> None:
    """A tile called inside holds only inside points, one left out only outside points:
    checked on a grid of positions over each tile's own pixels (up to its far edge)."""
    w, h = 320, 240
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    shapes: list[Shape] = [
        Polygon(np.column_stack([160 + 120 * np.cos(t), 120 + 90 * np.sin(2 * t)])),
        rectangle(32, 16, 96, 80),  # tile-aligned: its inner tiles are wholly inside
        Circles(np.array([[100.0, 100.0], [140.0, 110.0]]), 40.0),
        HalfPlane((0, 200), (320, 40)),
    ]
    grid = np.append(np.linspace(0.0, TILE, 8, endpoint=False), TILE - 1e-6)  # own pixels
    tiles_x, tiles_y = -(-w // TILE), -(-h // TILE)
    for shape in shapes:
        c = compile_shape(shape, h)
        tiles, kinds = classify_tiles(
            c.kind, c.items, c.row_start, c.row_items, c.box, tiles_x, tiles_y, w, h
        )
        kind_of = dict(zip(tiles.tolist(), kinds.tolist(), strict=True))
        assert INSIDE in kind_of.values(), repr(shape)[:40]
        for tile in range(tiles_x * tiles_y):
            x0, y0 = (tile % tiles_x) * TILE, (tile // tiles_x) * TILE
            inside = {_point_inside(c, x0 + gx, y0 + gy, h) for gx in grid for gy in grid}
            kind = kind_of.get(tile, OUTSIDE)
            if kind == INSIDE:
                assert inside == {True}, (repr(shape)[:40], tile)
            elif kind == OUTSIDE:
                assert inside == {False}, (repr(shape)[:40], tile)
        if isinstance(shape, Polygon) and len(shape.vertices) == 4:
            assert kind_of[(16 // TILE + 1) * tiles_x + 32 // TILE + 1] == INSIDE
            assert kind_of[(16 // TILE) * tiles_x + 32 // TILE] == BORDER
