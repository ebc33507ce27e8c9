"""Issue 9.5: a second "Use this sample" over labels, and closing with work running, ask first."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core.errors import Cancelled
from gui.workers import run_job
from tests.gui.test_newcomer_stale import open_with_ctrl_o, press_shortcut


class Answer:
    """Click `button` of the next question box with the mouse, as a user does."""

    def __init__(self, qtbot, button: str):
        self.qtbot, self.button, self.asked = qtbot, button, ""
        self._deadline = time.monotonic() + 10
        QTimer.singleShot(50, self._click)

    def _click(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            if time.monotonic() < self._deadline:
                QTimer.singleShot(50, self._click)
            return
        self.asked = box.text()
        button = next(b for b in box.buttons() if b.text() == self.button)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_second_sample_over_labels_asks_first(qtbot, main_window, data_dir, monkeypatch):
    from tests.gui.conftest import wait_for_preview

    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "test55.xyz")
    panel, state = main_window.panels["Downsample"], main_window.session.state
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)  # no labels: no question
    first = state.sample
    assert first is not None
    labels = np.ones(len(first), np.int32)
    main_window.session.set_sample_labels(labels)  # the labeled sample came back
    main_window.session.set_full_labels(np.ones(len(state.cloud), np.int32))
    qtbot.mouseClick(panel.voxel_slider, Qt.MouseButton.LeftButton)
    qtbot.keyClick(panel.voxel_slider, Qt.Key.Key_PageUp)
    wait_for_preview(qtbot, main_window)

    keep = Answer(qtbot, "Keep current sample")
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert "labels of the current sample" in keep.asked
    assert "carried back to the full cloud" in keep.asked
    assert state.sample is first and state.labels_sample is labels

    replace = Answer(qtbot, "Use new sample")
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert replace.asked
    assert state.sample is not first and state.labels_sample is None
    assert state.labels_full is None


def test_closing_with_work_running_asks_first(qtbot, main_window, capfd):
    def export(progress, cancel):  # an export that takes its time, checking Cancel
        while not cancel():
            time.sleep(0.01)
        raise Cancelled()

    job = run_job(main_window.session, "Writing room.ply", export, lambda _: None)
    keep = Answer(qtbot, "Keep working")
    press_shortcut(qtbot, main_window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert "Writing room.ply is still running" in keep.asked
    assert main_window.isVisible() and job.is_running()

    stop = Answer(qtbot, "Stop and close")
    press_shortcut(qtbot, main_window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert stop.asked
    assert not main_window.isVisible()
    assert job.wait(5_000) and job.is_cancelled()
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err
    assert "cannot schedule new futures" not in err


def test_a_job_deleted_under_its_worker_stops_quietly_at_its_next_progress(qtbot, capfd):
    """Progress from a job whose QObject Qt deleted (the window's end, the interpreter's
    exit) stops the work, with no "Signal source has been deleted" trace on stderr."""
    import threading

    import shiboken6

    from gui.session import Session

    started, stopped = threading.Event(), []

    def work(progress, cancel):
        started.set()
        try:
            for i in range(100_000):
                progress(i / 100_000, "working")
                time.sleep(0.001)
        except Cancelled:
            stopped.append(True)
            raise
        return "finished"

    results: list[object] = []
    job = run_job(Session(), "A long export", work, results.append, quiet=True)
    assert started.wait(5)
    deleted = job._deleted
    shiboken6.delete(job)  # what Qt does to it at the end
    assert deleted.is_set()  # no emit can start from the worker now (a data race in Qt)
    qtbot.waitUntil(lambda: bool(stopped), timeout=10_000)
    assert not results
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err and "Traceback" not in err
