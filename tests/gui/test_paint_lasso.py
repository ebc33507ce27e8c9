"""Label mode with real mouse events: a lasso labels exactly the points core selects,
only those are recoloured, Ctrl+Z gives the old labels back, the panel counts follow."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.cloud import UNLABELED
from core.labeling.select import Modifiers, select_points
from core.labeling.shapes import Circles, Polygon
from gui.paint_view import target_camera
from gui.tools.brush import BrushTool
from tests.gui.conftest import load_review_scene, voxel_nearest_scene, wait_for_preview
from tests.gui.test_newcomer_stale import press_shortcut

VOXEL = 0.05
PLANT = 3


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(60_000, 4, VOXEL)


@pytest.fixture
def painting(qtbot, main_window, tmp_path, monkeypatch, scene):
    """The window showing the sample from the top, in Label mode, every sample point unlabeled."""
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    wait_for_preview(qtbot, main_window)  # the panel's live preview would cover the sample
    session.set_sample_labels(np.full(len(session.state.sample), UNLABELED, np.uint8))
    session.set_display(replace(session.state.display, show="sample", point_size=3.0))
    main_window.actions_by_key["label_mode"].trigger()
    assert main_window.painting.enabled
    main_window.viewport.camera_preset("top")
    main_window.viewport.plotter.render()
    qtbot.wait(50)
    return session, main_window


def _drag(widget, points: list[tuple[int, int]]) -> None:
    QTest.mousePress(
        widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*points[0])
    )
    for x, y in points[1:]:
        QTest.mouseMove(widget, QPoint(x, y))
    QTest.mouseRelease(
        widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*points[-1])
    )


def _has_color(image: np.ndarray, color, tolerance: int = 12) -> int:
    """Pixels within `tolerance` of `color` (shading changes point colours a little)."""
    diff = np.abs(image.astype(np.int16) - np.asarray(color, dtype=np.int16)).max(axis=2)
    return int(np.count_nonzero(diff <= tolerance))


def _loop(widget, n: int = 24) -> list[tuple[int, int]]:
    w, h = widget.width(), widget.height()
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    xs = w / 2 + 0.25 * w * np.cos(t)
    ys = h / 2 + 0.3 * h * np.sin(t) * (1 + 0.3 * np.cos(2 * t))
    return [(int(round(x)), int(round(y))) for x, y in zip(xs, ys, strict=True)]


def test_lasso_labels_exactly_what_core_selects_and_undo_restores(qtbot, painting):
    session, window = painting
    labeling = session.labeling
    labeling.set_options(tool="lasso", active_class=PLANT)
    widget = window.viewport.plotter
    before = session.state.labels_sample.copy()
    camera = target_camera(window.viewport, "sample")
    ratio = widget.devicePixelRatioF()
    path = _loop(widget)
    plant = next(c for c in session.state.classes if c.id == PLANT)
    shown_before = _has_color(window.viewport.image(), plant.color)
    expect = select_points(
        session.state.sample.xyz,
        before,
        camera,
        Polygon(np.array(path, np.float64) * ratio),
        PLANT,
        Modifiers(tolerance=labeling.options.tolerance, point_size=3.0),
    )
    assert 50 < len(expect) < len(before) // 2
    _drag(widget, path)
    labels = session.state.labels_sample
    np.testing.assert_array_equal(np.flatnonzero(labels != before), expect)
    assert (labels[expect] == PLANT).all()
    # Only the changed points were recoloured, in place, to the class colour.
    colours = np.asarray(window.viewport.sample_layer.mesh.point_data["rgb"])
    assert (colours[expect] == plant.color).all()
    # The panel's figures follow, and the painted class shows on screen.
    panel = window.panels["Label"]
    qtbot.waitUntil(lambda: f"{len(expect):,}" in panel.figures.text(), timeout=5000)
    assert _has_color(window.viewport.image(), plant.color) > 100 + shown_before
    # Ctrl+Z through the window's shortcut gives every point its old label back.
    press_shortcut(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(session.state.labels_sample, before)
    assert (
        (np.asarray(window.viewport.sample_layer.mesh.point_data["rgb"])[expect] != plant.color)
        .any(axis=1)
        .all()
    )
    press_shortcut(
        qtbot,
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    np.testing.assert_array_equal(np.flatnonzero(session.state.labels_sample != before), expect)


def test_brush_stroke_is_one_undo_step_and_keys_pick_classes(qtbot, painting):
    session, window = painting
    labeling = session.labeling
    labeling.set_options(tool="brush", brush_radius=15.0)
    widget = window.viewport.plotter
    press_shortcut(qtbot, window, Qt.Key.Key_2)  # the second class of the palette
    assert labeling.options.active_class == session.state.classes[1].id
    before = session.state.labels_sample.copy()
    camera = target_camera(window.viewport, "sample")
    w, h = widget.width(), widget.height()
    path = [(int(w * 0.3 + 12 * i), int(h * 0.5)) for i in range(20)]
    _drag(widget, path)
    changed = np.flatnonzero(session.state.labels_sample != before)
    assert len(changed) > 20
    # Exactly the points under the brush's circles (the tool's own dabs, joined).
    ratio = widget.devicePixelRatioF()
    tool = BrushTool(radius=15.0)
    dabs = [tool.press(*(np.array(path[0]) * ratio))]
    dabs += [tool.move(*(np.array(p) * ratio)) for p in path[1:]]
    centres = np.vstack([d.centres for d in dabs if isinstance(d, Circles)])
    assert len(centres) >= len(dabs)
    modifiers = Modifiers(tolerance=labeling.options.tolerance, point_size=3.0)
    under = select_points(
        session.state.sample.xyz,
        before,
        camera,
        Circles(centres, 15.0),
        labeling.options.active_class,
        modifiers,
    )
    np.testing.assert_array_equal(changed, under)
    assert labeling.undo_stack.count() == 1
    labeling.undo_stack.undo()
    np.testing.assert_array_equal(session.state.labels_sample, before)
