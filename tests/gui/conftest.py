"""The one main-window factory for GUI tests; it owns the window's clean-up.

Render windows must be closed: a leaked VTK window crashes a later test (pyvistaqt checks
the same in its own suite).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def no_leaked_plotters():
    """Fail a test that leaves a render window open (as pyvistaqt's own suite does)."""
    from pyvista.plotting import plotter

    before = set(plotter._ALL_PLOTTERS)
    yield
    leaked = [
        key
        for key, p in plotter._ALL_PLOTTERS.items()
        if key not in before and not getattr(p, "_closed", True)
    ]
    assert not leaked, f"render windows left open: {leaked}; close them in the test's fixture"


@pytest.fixture
def dialogs(monkeypatch) -> list[tuple[str, str]]:
    """Error dialogs shown by the main window, recorded instead of blocking the test.

    Questions (the unsaved-changes prompt) are recorded too and answered Discard.
    """
    from PySide6.QtWidgets import QMessageBox

    import gui.main_window
    import gui.project_controller

    shown: list[tuple[str, str]] = []

    class RecordingMessageBox:
        @staticmethod
        def warning(parent: Any, title: str, text: str, *args: Any) -> None:
            shown.append((title, text))

        @staticmethod
        def question(parent: Any, title: str, text: str, *args: Any) -> Any:
            shown.append((title, text))
            return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(gui.main_window, "QMessageBox", RecordingMessageBox)
    monkeypatch.setattr(gui.project_controller, "QMessageBox", RecordingMessageBox)
    return shown


@pytest.fixture
def main_window(qtbot, tmp_path, dialogs) -> Iterator[Any]:
    """A shown MainWindow with its settings in a temporary file; closed after the test."""
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.settings import Settings

    settings = Settings(tmp_path / "settings.ini")
    settings.set_output_root(tmp_path / "outputs")  # never the user's ~/DenseLabel
    window = MainWindow(Session(), settings)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    from PySide6.QtCore import QThreadPool

    window.session.cancel_requested.emit()
    window.close()  # closeEvent closes the plotter
    # Let every job end here, not while the next test runs (the preview has its own pool).
    for pool in [*window.findChildren(QThreadPool), QThreadPool.globalInstance()]:
        assert pool.waitForDone(30_000), "a worker job was still running 30 s after the test"
    window.deleteLater()


def wait_for_job(qtbot, job: Any, timeout: int = 30_000) -> None:
    """Wait until a worker job's outcome reached the UI thread (its slots have run)."""
    qtbot.waitUntil(lambda: job.delivered, timeout=timeout)


def wait_for_preview(qtbot, window: Any, timeout: int = 30_000) -> None:
    """Wait until the downsample panel's preview finished and was delivered."""
    panel = window.panels["Downsample"]
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=timeout)


def voxel_nearest_scene(n_points: int, seed: int, voxel_size: float) -> tuple[Any, Any, Any]:
    """A small labeled room, its voxel-nearest sample (real points, real labels), its classes."""
    from core.downsample import downsample
    from core.scene import SCENE_CLASSES, make_scene

    cloud = make_scene(n_points, seed=seed)
    return cloud, downsample(cloud, "voxel-nearest", voxel_size=voxel_size), SCENE_CLASSES


def load_review_scene(window: Any, tmp_path, monkeypatch, scene, voxel_size: float) -> Any:
    """Load `scene` into the window's session, downsampled; returns the session.

    The review widgets' remembered folders go to a temporary INI file so tests never read
    or write the user's real settings.
    """
    from dataclasses import replace

    from PySide6.QtCore import QSettings

    from gui.panels import review_common
    from gui.session import DownsampleSettings

    store = QSettings(str(tmp_path / "review.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(review_common, "settings_store", lambda: store)
    cloud, down, classes = scene
    session = window.session
    session.set_cloud(replace(cloud), "room.ply")  # a copy: the module-scoped scene is shared
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", voxel_size))
    session.set_classes(classes)
    return session
