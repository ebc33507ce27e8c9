"""Issue 9.6: on a big cloud the live preview and the comparison show progress and cancel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import wait_for_preview
from tests.gui.test_newcomer_stale import press_shortcut


@pytest.fixture(scope="module")
def big_room():
    from core.scene import make_scene

    return make_scene(3_000_000, seed=3)  # over gui.preview.SHOWN_FROM


def shows_job(window, title: str) -> bool:
    status = window.status
    return status.cancel_button.isVisible() and title in status.job_titles()


def test_big_preview_shows_progress_and_cancel(qtbot, main_window, big_room):
    window, panel = main_window, main_window.panels["Downsample"]
    window.session.set_cloud(big_room, None)
    qtbot.waitUntil(lambda: shows_job(window, "Previewing the downsample"), timeout=30_000)
    assert window.status.progress_bar.isVisible()
    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    wait_for_preview(qtbot, window)
    assert panel.preview.latest is None and not panel.use_button.isEnabled()
    assert panel.time_label.text().startswith("cancelled")
    assert not window.status.cancel_button.isVisible()
    # The next change previews again, to the end.
    qtbot.mouseClick(panel.voxel_slider, Qt.MouseButton.LeftButton)
    qtbot.keyClick(panel.voxel_slider, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: shows_job(window, "Previewing the downsample"), timeout=30_000)
    wait_for_preview(qtbot, window, timeout=60_000)
    assert panel.preview.latest is not None and panel.use_button.isEnabled()


def test_big_comparison_shows_progress_and_cancel(qtbot, main_window, big_room):
    window, panel = main_window, main_window.panels["Downsample"]
    window.session.set_cloud(big_room, None)
    qtbot.waitUntil(lambda: panel.scale is not None, timeout=30_000)
    panel.live.setChecked(False)  # only the comparison runs
    wait_for_preview(qtbot, window)
    qtbot.mouseClick(panel.compare.toggle, Qt.MouseButton.LeftButton)
    assert panel.compare.toggle.isChecked()
    qtbot.waitUntil(lambda: shows_job(window, "Comparing downsamples"), timeout=10_000)
    press_shortcut(qtbot, window, Qt.Key.Key_Escape)  # Esc cancels too
    qtbot.waitUntil(lambda: not panel.compare.toggle.isChecked(), timeout=30_000)
    assert not window.viewport.is_comparing()
    qtbot.waitUntil(lambda: not window.status.cancel_button.isVisible(), timeout=30_000)
