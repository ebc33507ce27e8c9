"""A destroyed window must leave no stale Qt wrapper behind (the GUI tests' native crash).

pyvistaqt kept a Python wrapper of the QOffscreenSurface that Qt deletes with the GL
widget; shiboken then wrapped the next object at that address as the wrong type and the
heap was corrupted (crashes in later windows, about 1 run in 7). gui/viewport.py's
`forget_gl_context` drops the wrappers; this fails if a pyvistaqt upgrade brings it back.
"""

from __future__ import annotations

import gc

WINDOWS = 10


def _surface_wrappers() -> int:
    """Live wrappers of GL surfaces (typed QSurface or QOffscreenSurface).

    A QSurface-typed wrapper is the dangerous kind: QSurface is no QObject, so shiboken
    is never told when Qt deletes it. (A QOpenGLContext wrapper is a QObject's, which
    shiboken invalidates when Qt deletes it, so one still held is harmless.)
    """
    import shiboken6
    from PySide6.QtGui import QOffscreenSurface, QSurface

    kinds = (QSurface, QOffscreenSurface)
    return sum(type(w) in kinds for w in shiboken6.getAllValidWrappers())


def _flush_deletes(qapp) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qapp.processEvents()
    gc.collect()


def test_ten_closed_windows_leave_no_surface_wrapper(qtbot, qapp, tmp_path) -> None:
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.settings import Settings

    _flush_deletes(qapp)  # the windows of earlier tests, closed, may await deletion
    before = _surface_wrappers()
    for _ in range(WINDOWS):
        window = MainWindow(Session(), Settings(tmp_path / "settings.ini"))
        window.resize(640, 480)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda w=window: w.viewport.plotter._ctx is not None, timeout=10_000)
        window.close()
        window.deleteLater()
        del window
        _flush_deletes(qapp)
    assert _surface_wrappers() == before, "closed windows left GL surface wrappers behind"


def test_a_closed_window_wrapped_its_gl_surface_while_open(qtbot, tmp_path) -> None:
    """The check above means something only if an open window holds such a wrapper."""
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.settings import Settings

    window = MainWindow(Session(), Settings(tmp_path / "settings.ini"))
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.viewport.plotter._ctx is not None, timeout=10_000)
    assert _surface_wrappers() >= 1
    window.close()
    assert window.viewport.plotter._surface is None
    window.deleteLater()
