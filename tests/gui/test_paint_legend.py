"""The legend follows strokes: its point counts change with each stroke and with Ctrl+Z,
and its "by hand" column shows how many points of each class were set by hand on the full
cloud (core.labeling.layers.hand_set_counts), which a new carry-back keeps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.cloud import UNLABELED
from core.labeling.layers import HAND_SET
from core.report import label_counts
from core.transfer import transfer_labels_knn
from tests.gui.conftest import load_review_scene, voxel_nearest_scene, wait_for_preview
from tests.gui.test_newcomer_stale import press_shortcut

VOXEL = 0.1
PLANT = 3


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(40_000, 6, VOXEL)


def _column(legend, column: int) -> dict[int, int]:
    """What the legend shows per class id in one column (blank = 0)."""
    table = legend.table
    return {
        class_id: int(table.item(row, column).text().replace(",", "") or 0)
        for row, class_id in enumerate(legend.row_ids)
    }


def _rectangle(window, corner0, corner1) -> None:
    widget = window.viewport.plotter
    no = Qt.KeyboardModifier.NoModifier
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, no, QPoint(*corner0))
    QTest.mouseMove(widget, QPoint(*corner1))
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, no, QPoint(*corner1))


def test_legend_follows_strokes_and_counts_hand_set(
    qtbot, main_window, tmp_path, monkeypatch, scene
):
    cloud, down, _ = scene
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    wait_for_preview(qtbot, main_window)
    legend = main_window.panels["Labels"].legend
    session.set_sample_labels(np.full(len(down.sample), UNLABELED, np.uint8))
    session.set_display(replace(session.state.display, show="sample", point_size=3.0))
    main_window.actions_by_key["label_mode"].trigger()
    main_window.viewport.camera_preset("top")
    main_window.viewport.plotter.render()
    assert _column(legend, 1) == {
        **{c.id: 0 for c in session.state.classes},
        UNLABELED: len(down.sample),
    }
    session.labeling.set_options(tool="rectangle", active_class=PLANT, visible_only=False)
    w, h = main_window.viewport.plotter.width(), main_window.viewport.plotter.height()
    _rectangle(main_window, (w // 4, h // 4), (w // 2, h // 2))
    painted = int(np.count_nonzero(session.state.labels_sample == PLANT))
    assert painted > 100
    shown = _column(legend, 1)
    assert shown[PLANT] == painted and shown[UNLABELED] == len(down.sample) - painted
    assert not any(_column(legend, 2).values())  # the sample has no hand-set layer
    press_shortcut(qtbot, main_window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _column(legend, 1)[PLANT] == 0

    # The full cloud, carried back, then a stroke by hand: the "by hand" column counts it.
    carried = transfer_labels_knn(down.sample.xyz, down.sample.labels, cloud.xyz, k=5)
    session.set_full_labels(carried.copy())
    session.set_display(replace(session.state.display, show="full"))
    main_window.viewport.camera_preset("top")
    main_window.viewport.plotter.render()
    assert not any(_column(legend, 2).values())
    _rectangle(main_window, (w // 3, h // 3), (w // 2, 2 * h // 3))
    labels, origin = session.state.labels_full, session.labeling.origin_full
    hand = origin == HAND_SET
    assert int(hand.sum()) > 100
    expect = label_counts(labels[hand])
    by_hand = _column(legend, 2)
    assert {k: v for k, v in by_hand.items() if v} == expect == {PLANT: int(hand.sum())}
    assert _column(legend, 1) == {**{c: 0 for c in legend.row_ids}, **label_counts(labels)}
    # Carried back again: the hand-set points and their count stay.
    session.set_full_labels(carried.copy())
    assert _column(legend, 2)[PLANT] == int(hand.sum())
    # Undo the stroke: nothing is hand-set any more.
    press_shortcut(qtbot, main_window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not any(_column(legend, 2).values())
    assert not np.any(session.labeling.origin_full == HAND_SET)
    np.testing.assert_array_equal(session.state.labels_full, carried)
