"""Selections through the per-view tile index give exactly the full pass's points."""

from __future__ import annotations

import numpy as np
import pytest

from core.cloud import UNLABELED
from core.labeling.screen_index import build_screen_index
from core.labeling.select import Modifiers, class_table, select_points
from core.labeling.shapes import Circles, HalfPlane, Polygon, rectangle
from core.scene import FURNITURE, WALL, make_scene
from tests.labeling_reference import views_of


@pytest.fixture(scope="module")
def scene():
    cloud = make_scene(250_000, seed=11)
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
