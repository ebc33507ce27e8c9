"""Issue 9.2: the first window fits a small screen; every dock tab and the status bar show.

The screen of the test process is pytest-xvfb's; a 1280x720 screen needs its own X server,
so the window is opened in a child process under ``xvfb-run`` (this file run as a script),
which clicks every dock tab with the mouse and reports what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _inside(inner, outer) -> bool:
    return outer.contains(inner.topLeft()) and outer.contains(inner.bottomRight())


def _on_screen(dock, screen) -> bool:
    """The dock's content is shown, whole, on the screen."""
    from PySide6.QtCore import QPoint, QRect

    content = dock.widget()
    rect = QRect(content.mapToGlobal(QPoint(0, 0)), content.size())
    return content.isVisible() and rect.height() > 50 and _inside(rect, screen)


def probe(data_dir: Path, png: Path) -> dict:
    """In the child: a first-run window on a real scan; geometry facts and a screenshot."""
    import tempfile

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDockWidget, QTabBar

    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.settings import Settings

    app = QApplication([])
    window = MainWindow(Session(), Settings(Path(tempfile.mkdtemp()) / "first-run.ini"))
    window.show()
    QTest.qWaitForWindowExposed(window)
    job = window.open_file(data_dir / "test55.xyz")
    while job.is_running() or not job.delivered:
        QTest.qWait(100)
    QTest.qWait(500)
    screen = window.screen().availableGeometry()
    facts: dict = {
        "screen": [screen.width(), screen.height()],
        "window_inside": _inside(window.frameGeometry(), screen),
        "status_visible": window.statusBar().isVisible()
        and _inside(window.statusBar().geometry().translated(window.geometry().topLeft()), screen),
        "tabs": {},
        "docks": {},
    }
    docks = window.findChildren(QDockWidget)
    dock_tabs = [bar for bar in window.findChildren(QTabBar) if bar.parent() is window]
    for bar in dock_tabs:
        for i in range(bar.count()):
            rect = bar.tabRect(i)
            corner = bar.mapToGlobal(rect.bottomRight())
            QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=rect.center())
            QTest.qWait(100)
            facts["tabs"][bar.tabText(i)] = screen.contains(corner) and bar.currentIndex() == i
            dock = next(d for d in docks if d.windowTitle() == bar.tabText(i))
            facts["docks"][bar.tabText(i)] = _on_screen(dock, screen)
    for dock in window.findChildren(QDockWidget):
        if not dock.visibleRegion().isEmpty():  # tabbed docks were checked with their tab
            facts["docks"][dock.windowTitle()] = _on_screen(dock, screen)
    for bar in dock_tabs:  # the screenshot shows the first tab
        if bar.isVisible():
            QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())
    QTest.qWait(300)
    app.primaryScreen().grabWindow(0).save(str(png))
    window.close()
    return facts


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_first_window_fits_the_screen(tmp_path, data_dir, size):
    from PIL import Image

    png = tmp_path / f"first-run-{size[0]}x{size[1]}.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    command = [
        "xvfb-run", "-a", "-s", f"-screen 0 {size[0]}x{size[1]}x24",
        sys.executable, __file__, str(data_dir), str(png),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    facts = json.loads(run.stdout.strip().splitlines()[-1])
    assert facts["screen"] == list(size)
    assert facts["window_inside"], facts
    assert facts["status_visible"], facts
    assert set(facts["tabs"]) >= {"Downsample", "Labels", "Ground Truth"}, facts
    assert all(facts["tabs"].values()), facts
    assert all(facts["docks"].values()), facts
    image = np.asarray(Image.open(png).convert("L"))
    assert image.shape == (size[1], size[0])
    # The view (dark) and the panels (light) are both on screen.
    assert (image < 60).mean() > 0.1 and (image > 200).mean() > 0.1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(probe(Path(sys.argv[1]), Path(sys.argv[2]))))
