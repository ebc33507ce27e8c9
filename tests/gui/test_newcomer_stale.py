"""Issue 9.1: opening a smaller scan replaces the view; a slot that raises shows a dialog."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import wait_for_job, wait_for_preview


def open_with_ctrl_o(qtbot, window, monkeypatch, path) -> None:
    """Ctrl+O as a user presses it; the file dialog answers `path`."""
    import gui.main_window

    monkeypatch.setattr(
        gui.main_window.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "")
    )
    press_shortcut(qtbot, window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window._last_job is not None
    wait_for_job(qtbot, window._last_job)
    wait_for_preview(qtbot, window)


def press_shortcut(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press on the active window (Qt resolves shortcuts only in the active one)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window.focusWidget() or window, key, modifier)


def type_into(qtbot, spin, text: str) -> None:
    """Select the spin box's text and type `text` then Enter, as a user does."""
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_opening_a_smaller_scan_replaces_the_view(qtbot, main_window, data_dir, monkeypatch):
    window, dialogs = main_window, []
    monkeypatch.setattr(window, "show_error", lambda t, s: dialogs.append((t, s)))
    # A display budget below both scans, so both are drawn through a subset of rows (the
    # case of a >1.5M cloud at the default budget): the old rows must not reach the new one.
    type_into(qtbot, window.panels["View"].budget, "100")
    assert window.viewport.display_budget == 100_000
    open_with_ctrl_o(qtbot, window, monkeypatch, data_dir / "brighton_small.xyz")
    slider = window.panels["Downsample"].voxel_slider
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton)  # focus, as a user would
    qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    wait_for_preview(qtbot, window)
    assert window.viewport.decor.mode == "side-by-side"

    open_with_ctrl_o(qtbot, window, monkeypatch, data_dir / "test55.xyz")
    assert dialogs == []
    state = window.session.state
    assert len(state.cloud) == 175_178
    assert "test55.xyz" in window.windowTitle()
    rows = window.viewport.display_index
    assert rows is not None and rows.max() < 175_178
    drawn = np.asarray(window.viewport.full_layer.mesh.points)
    np.testing.assert_allclose(drawn, state.cloud.xyz[rows], rtol=1e-6)
    panel = window.panels["Downsample"]
    assert panel.time_label.text() != "computing..."
    assert panel.preview.latest is not None and panel.preview.latest.n_full == 175_178


@pytest.mark.qt_no_exception_capture  # the window's guard, not pytest-qt, sees the exception
def test_a_slot_that_raises_shows_a_sentence(qtbot, main_window, dialogs, data_dir, monkeypatch):
    import gui.panels.file_panel

    def broken(values: object) -> str:
        raise ValueError("a deliberate bug")

    monkeypatch.setattr(gui.panels.file_panel, "_triple", broken)
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "test55.xyz")
    qtbot.waitUntil(lambda: len(dialogs) > 0, timeout=5_000)
    title, sentence = dialogs[0]
    assert title == "Unexpected error"
    assert "ValueError" in sentence and "a deliberate bug" in sentence
    assert "\n" not in sentence and "Traceback" not in sentence
    assert len(dialogs) == 1  # one dialog, however many slots the failure reached
    # The rest of the window still followed the new cloud.
    assert "test55.xyz" in main_window.windowTitle()
