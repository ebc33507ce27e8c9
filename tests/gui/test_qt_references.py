"""The installed Qt binding must not leak references to None or True.

PySide6 6.12.0 on Python 3.11 dropped one reference to None on every call of a Qt method
returning nothing, and one to True on every signal emit; when a count reached zero the
process aborted ("Fatal Python error: none_dealloc", exit 134), losing the user's work
after a long session (a voxel-slider drag cost about 280 None references, from about
100k). pyproject.toml excludes 6.12.*; these tests fail if a future wheel brings it back.
On Python 3.12+ None and True are immortal and the counts never move.
"""

from __future__ import annotations

import sys

CALLS = 1000
#: Unrelated activity (the interpreter, Qt's own Python objects) moves the counts a little.
NOISE = 20


def test_a_qt_method_returning_nothing_keeps_none_alive(qapp) -> None:
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        label.setText("x")
        label.update()
    lost = before - sys.getrefcount(None)
    assert abs(lost) < NOISE, f"{lost} references to None lost in {2 * CALLS} Qt calls"


def test_a_signal_emit_keeps_true_alive(qapp) -> None:
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        changed = Signal(int)

    emitter = Emitter()
    received: list[int] = []
    emitter.changed.connect(received.append)
    before_true, before_none = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(CALLS):
        emitter.changed.emit(i)
    assert len(received) == CALLS
    lost_true = before_true - sys.getrefcount(True)
    lost_none = before_none - sys.getrefcount(None)
    assert abs(lost_true) < NOISE, f"{lost_true} references to True lost in {CALLS} emits"
    assert abs(lost_none) < NOISE, f"{lost_none} references to None lost in {CALLS} emits"


def test_a_python_slot_called_by_qt_keeps_none_alive(qapp) -> None:
    from PySide6.QtCore import QCoreApplication, QTimer

    calls: list[int] = []
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: calls.append(1))
    before = sys.getrefcount(None)
    timer.start()
    while len(calls) < CALLS:
        QCoreApplication.processEvents()
    timer.stop()
    lost = before - sys.getrefcount(None)
    assert abs(lost) < NOISE, f"{lost} references to None lost in {len(calls)} slot calls"
