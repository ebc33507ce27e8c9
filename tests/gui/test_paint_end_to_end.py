"""A new user's whole labeling job in the window, with real mouse events and no file import:
paint the sample scene's classes from the top and the front, carry them back, correct one
plant on the full cloud with a lasso, and score against the scene's known labels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.cloud import UNLABELED
from core.labeling.layers import HAND_SET
from core.labeling.projection import project_points
from core.metrics import evaluate
from core.scene import FLOOR, FURNITURE, PLANT, WALL, scene_settings
from gui.paint_view import renderer_rect, target_camera
from tests.gui.conftest import (
    load_review_scene,
    voxel_nearest_scene,
    wait_for_job,
    wait_for_preview,
)

VOXEL = 0.05


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(200_000, 11, VOXEL)


def _on_screen(window, target: str, xyz) -> np.ndarray:
    """World points to the widget's logical pixels (where a user's mouse would be)."""
    screen, _, _ = project_points(
        np.asarray(xyz, np.float64), target_camera(window.viewport, target)
    )
    left, top, _, _ = renderer_rect(window.viewport, target)
    return screen / window.viewport.plotter.devicePixelRatioF() + (left, top)


def _drag(window, points) -> None:
    widget = window.viewport.plotter
    points = [QPoint(int(round(x)), int(round(y))) for x, y in points]
    no = Qt.KeyboardModifier.NoModifier
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, no, points[0])
    for p in points[1:]:
        QTest.mouseMove(widget, p)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, no, points[-1])


def _rectangle(window, target: str, lo, hi) -> None:
    """Drag a rectangle between the screen places of two world corners."""
    a, b = _on_screen(window, target, [lo, hi])
    _drag(window, [a, (a + b) / 2, b])


def _circle(window, target: str, centre, radius: float, z: float) -> None:
    """Lasso a circle of `radius` metres around `centre` (x, y) at height z."""
    t = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    ring = np.column_stack(
        [centre[0] + radius * np.cos(t), centre[1] + radius * np.sin(t), np.full(32, z)]
    )
    _drag(window, _on_screen(window, target, ring))


def _view(window, target: str, preset: str) -> None:
    """A preset view with a parallel projection (a user's orthographic view, as a saved
    project's camera brings it back), so a line on screen is one height in the room."""
    window.viewport.camera_preset(preset)
    camera = {**window.viewport.camera_state(), "parallel": True}
    left, top, width, height = renderer_rect(window.viewport, target)
    camera["parallel_scale"] = 3.4 * max(1.0, height / width)  # the 6 m room fits
    window.viewport.set_camera_state(camera)
    window.viewport.plotter.render()


def _paint_sample(window, labeling) -> None:
    """Walls everywhere, the floor below a line, then the furniture and plants from above."""
    settings = scene_settings()
    sx, sy, sz = settings["room"]["size"]
    everything = {"visible_only": False, "protect": "none"}
    _view(window, "sample", "top")
    labeling.set_options(tool="rectangle", active_class=WALL, **everything)
    _rectangle(window, "sample", (-0.3, -0.3, 0), (sx + 0.3, sy + 0.3, 0))
    _view(window, "sample", "front")  # z is up on screen: the floor is a thin line
    labeling.set_options(
        tool="line",
        line_side="below",
        active_class=FLOOR,
        protect="classes",
        protected_classes=(WALL,),
    )
    a, b = _on_screen(window, "sample", [(-0.2, 0, 0.02), (sx + 0.2, 0, 0.02)])
    _drag(window, [a, b])
    _view(window, "sample", "top")
    labeling.set_options(tool="rectangle", active_class=FURNITURE)
    # Each footprint a little wider than the box (its sides are noisy), but off the walls:
    # the cabinet's back touches two walls, and the walls go on above it.
    inside = np.array([sx, sy, sz]) - 0.02
    for box in settings["furniture"]:
        lo = np.clip(np.subtract(box["min"], 0.03), 0.02, inside)
        hi = np.clip(np.add(box["max"], 0.03), 0.02, inside)
        _rectangle(window, "sample", lo, hi)
    labeling.set_options(tool="lasso", active_class=PLANT)
    big, small, on_table = settings["plants"]
    _circle(window, "sample", big["centre"], big["crown_radius"] + 0.05, 1.0)
    # A hasty stroke: the second plant's outer leaves stay wall (fixed later on the full cloud).
    _circle(window, "sample", small["centre"], small["crown_radius"] * 0.55, 1.0)
    # The plant on the table, from the front: only what was painted furniture above the top.
    _view(window, "sample", "front")
    labeling.set_options(protected_classes=(FURNITURE,), tool="rectangle")
    (cx, cy), r = on_table["centre"], on_table["crown_radius"]
    top = on_table["base_z"] + on_table["pot_height"] + on_table["stem_height"] + r
    _rectangle(window, "sample", (cx - r - 0.03, cy, 0.775), (cx + r + 0.03, cy, top + 0.05))


def test_paint_carry_back_correct_and_score(qtbot, main_window, tmp_path, monkeypatch, scene):
    cloud, down, _ = scene
    truth_full, truth_sample = cloud.labels.copy(), down.sample.labels.copy()
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    wait_for_preview(qtbot, main_window)  # the live preview would cover the sample
    session.set_sample_labels(np.full(len(session.state.sample), UNLABELED, np.uint8))
    session.set_display(replace(session.state.display, show="sample", point_size=3.0))
    main_window.actions_by_key["label_mode"].trigger()
    labeling = session.labeling
    _paint_sample(main_window, labeling)
    painted = evaluate(session.state.labels_sample, truth_sample)
    # One undo step per stroke that changed something (the legs lie under the table top).
    assert labeling.undo_stack.count() >= 8
    assert painted.n_unlabeled_predicted == 0
    assert painted.accuracy > 0.9, painted.per_class_iou

    job = main_window.panels["Labels"].carry_back.carry_back()
    assert job is not None
    wait_for_job(qtbot, job)
    carried = evaluate(session.state.labels_full, truth_full)
    assert carried.accuracy > 0.9

    # On the full cloud, from the top: the second plant's whole crown, over walls only.
    session.set_display(replace(session.state.display, show="full", point_size=2.0))
    small = scene_settings()["plants"][1]
    _view(main_window, "full", "top")
    labeling.set_options(
        tool="lasso",
        active_class=PLANT,
        visible_only=False,
        protect="classes",
        protected_classes=(WALL,),
    )
    before = session.state.labels_full.copy()
    _circle(main_window, "full", small["centre"], small["crown_radius"] + 0.04, 1.0)
    changed = np.flatnonzero(session.state.labels_full != before)
    assert len(changed) > 100
    assert (before[changed] == WALL).all() and (session.state.labels_full[changed] == PLANT).all()
    assert (labeling.origin_full[changed] == HAND_SET).all()
    corrected = evaluate(session.state.labels_full, truth_full)
    assert corrected.per_class_iou[PLANT] > carried.per_class_iou[PLANT] + 0.05
    assert corrected.accuracy > carried.accuracy
    # The cabinet's and the sofa's backs lie on the walls: from above they are one surface,
    # painted wall, so furniture scores lower than the rest.
    assert corrected.accuracy > 0.93, corrected.per_class_iou
    assert min(corrected.per_class_iou[c] for c in (FLOOR, WALL, PLANT)) > 0.85
    assert corrected.per_class_iou[FURNITURE] > 0.65
    print(
        f"sample {painted.accuracy:.4f}, carried {carried.accuracy:.4f} "
        f"(plant IoU {carried.per_class_iou[PLANT]:.3f}), corrected {corrected.accuracy:.4f} "
        f"(plant IoU {corrected.per_class_iou[PLANT]:.3f})"
    )
