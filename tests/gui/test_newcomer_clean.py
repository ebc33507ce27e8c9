"""Issue 9.4: a newly opened scan starts clean; nothing of the last scan's view or job leaks."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.gui.test_newcomer_stale import open_with_ctrl_o, press_shortcut, type_into


def click_check_box(qtbot, table, row: int) -> None:
    """Click the check box at the left of a table row, as a user does."""
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 12, rect.center().y())
    )


def test_a_new_scan_starts_clean(qtbot, main_window, data_dir, monkeypatch):
    from core.groundtruth.labelconfig import load_default_classes

    window = main_window
    open_with_ctrl_o(qtbot, window, monkeypatch, data_dir / "brighton_small.laz")
    state = window.session.state
    assert [c.name for c in state.classes][:2] == ["created/never classified", "ground"]
    # What a user does on the first scan: colour by height, side by side, hide a class,
    # crop a tile, name the labeling job.
    view = window.panels["View"]
    view.color_combo.setFocus()
    qtbot.keyClick(view.color_combo, Qt.Key.Key_Down)  # RGB -> Height
    assert state.display.color_by == "height"
    press_shortcut(qtbot, window, Qt.Key.Key_3)
    legend = window.panels["Labels"].legend
    click_check_box(qtbot, legend.table, 1)
    assert state.display.hidden_classes
    lo, hi = state.cloud.bounds()
    legend._on_box((lo, (lo + hi) / 2))  # what the crop box widget reports when dragged
    assert state.display.tile is not None
    ground_truth = window.panels["Ground Truth"]
    type_into(qtbot, ground_truth.form.job_name, "brighton-job")
    assert ground_truth.form.job_name.text() == "brighton-job"

    open_with_ctrl_o(qtbot, window, monkeypatch, data_dir / "lone-star.laz")
    display = window.session.state.display
    assert display.tile is None and not display.hidden_classes
    assert display.show == "full" and window.viewport.decor.mode == "full"
    # lone-star has no colour: the view and the View panel both say intensity.
    assert display.color_by == "intensity"
    assert view.color_combo.currentData() == "intensity"
    assert legend.tile_button.isChecked() is False
    assert "showing" not in window.status.currentMessage()
    # Every point of the new scan is drawn (no old tile's rows).
    assert window.viewport.full_layer.n_points == len(window.session.state.cloud)
    # The Ground Truth panel forgot brighton's classes and job.
    assert window.session.state.classes == []
    names = [c.name for c in ground_truth.editor.classes()]
    assert names == [c.name for c in load_default_classes()]
    assert ground_truth.form.job_name.text() != "brighton-job"
