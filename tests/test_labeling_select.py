"""Selections (lasso, rectangle, brush, line) against a brute-force numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from core.cloud import UNLABELED, PointCloud
from core.errors import Cancelled
from core.labeling.projection import project_points
from core.labeling.select import Modifiers, paintable_table, select_points
from core.labeling.shapes import Circles, HalfPlane, Polygon, rectangle
from core.scene import make_scene
from tests.labeling_reference import (
    reference_above,
    reference_in_circles,
    reference_in_polygon,
    reference_projection,
    views_of,
)

ALL = Modifiers(visible_only=False)


def _scan(data_dir, name: str) -> PointCloud:
    table = np.loadtxt(data_dir / f"{name}.xyz", delimiter=",")
    labels = np.loadtxt(data_dir / f"{name}.labels", dtype=np.int64).astype(np.uint8)
    return PointCloud(xyz=table[:, :3], rgb=table[:, 3:6], labels=labels, source=name)


@pytest.fixture(scope="module", params=["test55", "brighton_small", "scene"])
def cloud(request, data_dir) -> PointCloud:
    if request.param == "scene":
        return make_scene(300_000, seed=3)
    return _scan(data_dir, request.param)


def _lasso(rng: np.random.Generator, w: int, h: int, n: int = 60) -> np.ndarray:
    """A wobbly closed loop, sometimes crossing itself, partly off screen."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 0.35 * min(w, h) * (1 + 0.4 * np.sin(3 * t + rng.uniform(0, 6)) + 0.2 * rng.random(n))
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(2 * t) * 0.9])


def test_projection_matches_numpy(cloud) -> None:
    for camera in views_of(cloud.xyz):
        screen, depth, inside = project_points(cloud.xyz, camera)
        sx, sy, d, ok = reference_projection(cloud.xyz, camera)
        np.testing.assert_array_equal(inside, ok)
        np.testing.assert_allclose(screen[ok, 0], sx[ok], rtol=0, atol=1e-9)
        np.testing.assert_allclose(screen[ok, 1], sy[ok], rtol=0, atol=1e-9)
        np.testing.assert_allclose(depth[ok], d[ok], rtol=1e-12)
        assert ok.mean() > 0.3, "the test views should see most of the cloud"


def test_every_shape_selects_exactly_the_reference_points(cloud) -> None:
    rng = np.random.default_rng(7)
    labels = cloud.labels
    assert labels is not None
    for camera in views_of(cloud.xyz):
        sx, sy, _, ok = reference_projection(cloud.xyz, camera)
        w, h = camera.width, camera.height
        lasso = _lasso(rng, w, h)
        stroke = np.cumsum(rng.normal(0, 15, (40, 2)), axis=0) + [w / 2, h / 2]
        cases = [
            (Polygon(lasso), reference_in_polygon(sx, sy, lasso)),
            (
                rectangle(w * 0.2, h * 0.3, w * 0.7, h * 0.9),
                reference_in_polygon(
                    sx, sy, rectangle(w * 0.2, h * 0.3, w * 0.7, h * 0.9).vertices
                ),
            ),
            (Circles(stroke, 25.0), reference_in_circles(sx, sy, stroke, 25.0)),
            (
                HalfPlane((0, h * 0.6), (w, h * 0.4)),
                reference_above(sx, sy, (0, h * 0.6), (w, h * 0.4)),
            ),
            (
                HalfPlane((w, h * 0.4), (0, h * 0.6), "below"),
                ~reference_above(sx, sy, (0, h * 0.6), (w, h * 0.4)),
            ),
        ]
        for shape, inside in cases:
            new = 200
            got = select_points(cloud.xyz, labels, camera, shape, new, ALL)
            expect = np.flatnonzero(inside & ok & (labels != new))
            np.testing.assert_array_equal(got, expect, err_msg=type(shape).__name__)
            assert 0 < len(expect) < len(labels), "the shape should cut the cloud"


def test_protect_and_hidden_classes_in_the_same_pass(cloud) -> None:
    labels = cloud.labels.copy()
    labels[::5] = UNLABELED
    classes = np.unique(labels)
    camera = views_of(cloud.xyz)[1]
    sx, sy, _, ok = reference_projection(cloud.xyz, camera)
    shape = rectangle(0, 0, camera.width, camera.height)
    inside = reference_in_polygon(sx, sy, shape.vertices) & ok
    only_unlabeled = Modifiers(visible_only=False, editable=(UNLABELED,))
    got = select_points(cloud.xyz, labels, camera, shape, int(classes[0]), only_unlabeled)
    np.testing.assert_array_equal(got, np.flatnonzero(inside & (labels == UNLABELED)))
    hidden = Modifiers(
        visible_only=False, editable=(int(classes[0]), UNLABELED), hidden=(UNLABELED,)
    )
    got = select_points(cloud.xyz, labels, camera, shape, int(classes[1]), hidden)
    np.testing.assert_array_equal(got, np.flatnonzero(inside & (labels == classes[0])))
    # Confirming by hand: the points already of the class are selected too.
    got = select_points(cloud.xyz, labels, camera, shape, int(classes[0]), hidden, keep_same=True)
    np.testing.assert_array_equal(got, np.flatnonzero(inside & (labels == classes[0])))


def test_paintable_table_for_uint16_labels() -> None:
    table = paintable_table(np.dtype(np.uint16), 7, Modifiers(editable=(3, 700), hidden=(700,)))
    assert table.shape == (65536,)
    assert np.flatnonzero(table).tolist() == [3]


def test_a_cancelled_selection_stops() -> None:
    scene = make_scene(50_000, seed=1)
    camera = views_of(scene.xyz)[0]
    with pytest.raises(Cancelled):
        select_points(
            scene.xyz, scene.labels, camera, rectangle(0, 0, 99, 99), 1, cancel=lambda: True
        )
