"""The review queue jumps to unsure places; a rectangle there fixes the full cloud by hand,
and carrying back again keeps the fix."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.labeling.layers import HAND_SET
from core.transfer import transfer_labels_knn
from tests.gui.conftest import load_review_scene, voxel_nearest_scene, wait_for_preview
from tests.gui.test_newcomer_stale import press_shortcut

VOXEL = 0.1


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(60_000, 5, VOXEL)


def test_review_queue_then_fix_on_the_full_cloud(qtbot, main_window, tmp_path, monkeypatch, scene):
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    wait_for_preview(qtbot, main_window)
    cloud, down, _ = scene
    carried = transfer_labels_knn(down.sample.xyz, down.sample.labels, cloud.xyz, k=5)
    session.set_sample_labels(down.sample.labels.copy())
    session.set_full_labels(carried.copy())  # painting changes the session's array
    main_window.actions_by_key["label_mode"].trigger()
    box = main_window.panels["Label"].review
    box.find_places()
    qtbot.waitUntil(lambda: box.queue is not None, timeout=30_000)
    assert len(box.queue) > 0
    press_shortcut(qtbot, main_window, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: session.state.display.tile is not None, timeout=5000)
    lo, hi = (np.asarray(c) for c in session.state.display.tile)
    centre = np.asarray(main_window.viewport.camera_state()["focal_point"])
    np.testing.assert_allclose(centre, (lo + hi) / 2, atol=1e-6)
    inside = np.all((cloud.xyz >= lo) & (cloud.xyz <= hi), axis=1)
    assert len(np.unique(carried[inside])) >= 2, "the first place should hold a boundary"
    # Paint the whole place with a rectangle (all points: hidden ones too).
    session.labeling.set_options(tool="rectangle", active_class=2, visible_only=False)
    main_window.viewport.plotter.render()
    widget = main_window.viewport.plotter
    w, h = widget.width(), widget.height()
    QTest.mousePress(
        widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(2, 2)
    )
    QTest.mouseMove(widget, QPoint(w // 2, h // 2))
    QTest.mouseRelease(
        widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(w - 3, h - 3)
    )
    fixed = np.flatnonzero(session.state.labels_full != carried)
    assert len(fixed) > 0 and (session.state.labels_full[fixed] == 2).all()
    assert (session.labeling.origin_full[fixed] == HAND_SET).all()
    # Carried back again (a new method): the hand-set points stay.
    session.set_full_labels(np.zeros(len(cloud), np.uint8))
    assert (session.state.labels_full[fixed] == 2).all()
    box.show_everything()
    assert session.state.display.tile is None
    session.set_display(replace(session.state.display, show="full"))
