"""Issue 9.11 (part): pick a point under the mouse (P) and eye-dome lighting (D)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor

from tests.gui.test_newcomer_stale import press_shortcut


def test_p_reads_the_point_under_the_mouse(qtbot, main_window):
    from core.scene import SCENE_CLASSES, make_scene
    from gui.point_info import _to_screen

    room = make_scene(3_000, seed=8)
    session, viewport = main_window.session, main_window.viewport
    session.set_cloud(room, None)
    session.set_classes(SCENE_CLASSES)
    press_shortcut(qtbot, main_window, Qt.Key.Key_T)  # look from the top
    viewport.plotter.render()
    renderer = viewport.plotter.renderers[0]
    size = viewport.plotter.GetRenderWindow().GetSize()
    ratio = viewport.plotter.devicePixelRatioF()
    screen, _ = _to_screen(renderer, room.xyz.astype(float), size)
    widget_x, widget_y = screen[:, 0] / ratio, (size[1] - screen[:, 1]) / ratio
    # A point alone on screen (no other within 12 px), high enough that the cursor can
    # reach it on the test's small X screen.
    gaps = np.hypot(widget_x[:, None] - widget_x, widget_y[:, None] - widget_y)
    np.fill_diagonal(gaps, np.inf)
    lonely = (gaps.min(axis=1) > 12) & (widget_y > 20) & (widget_y < 250) & (widget_x > 20)
    row = int(np.flatnonzero(lonely)[0])
    x, y = widget_x[row], widget_y[row]
    QCursor.setPos(viewport.plotter.mapToGlobal(QPoint(round(x), round(y))))
    qtbot.waitUntil(
        lambda: (
            (
                viewport.plotter.mapFromGlobal(QCursor.pos()) - QPoint(round(x), round(y))
            ).manhattanLength()
            < 2
        )
    )
    press_shortcut(qtbot, main_window, Qt.Key.Key_P)
    message = main_window.status.currentMessage()
    px, py, pz = room.xyz[row]
    assert f"point {row:,}:" in message, message
    assert f"z {pz:.3f}" in message and f"x {px:.3f}" in message
    name = {c.id: c.name for c in SCENE_CLASSES}[int(room.labels[row])]
    assert f"label {int(room.labels[row])} ({name})" in message
    assert "rgb (" in message
    # Away from the cloud: it says so.
    QCursor.setPos(viewport.plotter.mapToGlobal(QPoint(3, 3)))
    qtbot.waitUntil(lambda: viewport.plotter.mapFromGlobal(QCursor.pos()).x() < 5)
    press_shortcut(qtbot, main_window, Qt.Key.Key_P)
    assert main_window.status.currentMessage().startswith("No point under the mouse")


def test_d_toggles_eye_dome_lighting(qtbot, main_window):
    from core.scene import make_scene

    main_window.session.set_cloud(make_scene(100_000, seed=8), None)
    before = main_window.viewport.image().astype(int)
    press_shortcut(qtbot, main_window, Qt.Key.Key_D)
    assert main_window.actions_by_key["eye_dome"].isChecked()
    assert main_window.viewport.plotter.renderers[0].GetPass() is not None
    shaded = main_window.viewport.image().astype(int)
    assert np.abs(shaded - before).mean() > 1.0  # depth edges darkened
    press_shortcut(qtbot, main_window, Qt.Key.Key_D)
    assert not main_window.viewport.decor.eye_dome
