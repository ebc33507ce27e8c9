"""Export what was painted: the full cloud's LAS and PLY carry each point's origin
(``label_origin``: 1 carried back, 2 set by hand) beside its class."""

from __future__ import annotations

from dataclasses import replace

import laspy
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.io import read_cloud
from core.io.ply import read_ply_property
from core.labeling.layers import CARRIED, HAND_SET
from core.transfer import transfer_labels_knn
from tests.gui.conftest import load_review_scene, voxel_nearest_scene, wait_for_preview

VOXEL = 0.1


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(30_000, 8, VOXEL)


def test_exported_las_and_ply_keep_the_label_origin(
    qtbot, main_window, tmp_path, monkeypatch, scene
):
    cloud, down, _ = scene
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    wait_for_preview(qtbot, main_window)
    carried = transfer_labels_knn(down.sample.xyz, down.sample.labels, cloud.xyz, k=5)
    session.set_full_labels(carried.copy())
    session.set_display(replace(session.state.display, show="full"))
    main_window.actions_by_key["label_mode"].trigger()
    main_window.viewport.camera_preset("top")
    main_window.viewport.plotter.render()
    session.labeling.set_options(tool="rectangle", active_class=2, visible_only=False)
    widget = main_window.viewport.plotter
    w, h = widget.width(), widget.height()
    no = Qt.KeyboardModifier.NoModifier
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, no, QPoint(w // 3, h // 3))
    QTest.mouseMove(widget, QPoint(w // 2, h // 2))
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, no, QPoint(w // 2, h // 2))
    origin = session.labeling.origin_full
    hand = np.flatnonzero(origin == HAND_SET)
    assert len(hand) > 50 and np.count_nonzero(origin == CARRIED) > len(hand)
    export = main_window.panels["Labels"].export
    for name in ("room_labeled.las", "room_labeled.ply"):
        with qtbot.waitSignal(session.message, timeout=30_000):
            export.export_cloud(str(tmp_path / name))
    las = laspy.read(tmp_path / "room_labeled.las")
    np.testing.assert_array_equal(np.asarray(las.classification), session.state.labels_full)
    np.testing.assert_array_equal(np.asarray(las["label_origin"]), origin)
    ply = tmp_path / "room_labeled.ply"
    np.testing.assert_array_equal(read_ply_property(ply, "label_origin"), origin)
    np.testing.assert_array_equal(read_cloud(ply).labels, session.state.labels_full)
    assert (np.asarray(las["label_origin"])[hand] == HAND_SET).all()
