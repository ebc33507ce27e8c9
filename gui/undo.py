"""The window's undo history (strokes, crops): a plain Python stack with Qt signals.

Not QUndoStack: its commands are C++ objects, and Python subclasses of QUndoCommand
(each holding Python state) died with the process. When Python's collector freed a
session's reference cycles at exit, ~QUndoStack deleted commands whose memory was already
freed (SIGSEGV in QUndoStack::clear, seen with gdb after the Label mode tests, PySide6
6.11). Here the commands are Python objects, freed like any other.
tests/gui/test_undo_teardown.py fails if a crash at exit comes back.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Signal


class Command(Protocol):
    """One undoable step: `redo` runs when it is pushed (as QUndoCommand's did)."""

    def redo(self) -> None: ...

    def undo(self) -> None: ...

    def text(self) -> str: ...


class UndoStack(QObject):
    """Commands in order, and the index of the next one to redo (QUndoStack's API subset)."""

    canUndoChanged = Signal(bool)  # noqa: N815 - QUndoStack's names, used by the panels
    canRedoChanged = Signal(bool)  # noqa: N815
    indexChanged = Signal(int)  # noqa: N815

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._commands: list[Command] = []
        self._index = 0

    def push(self, command: Command) -> None:
        """Run `command` and put it on top; what was undone before it is dropped."""
        before = self._state()
        del self._commands[self._index :]
        command.redo()
        self._commands.append(command)
        self._index = len(self._commands)
        self._announce(before)

    def undo(self) -> None:
        if self._index == 0:
            return
        before = self._state()
        self._index -= 1
        self._commands[self._index].undo()
        self._announce(before)

    def redo(self) -> None:
        if self._index == len(self._commands):
            return
        before = self._state()
        self._commands[self._index].redo()
        self._index += 1
        self._announce(before)

    def clear(self) -> None:
        before = self._state()
        self._commands.clear()
        self._index = 0
        self._announce(before)

    def count(self) -> int:
        return len(self._commands)

    def index(self) -> int:
        return self._index

    def canUndo(self) -> bool:  # noqa: N802 - QUndoStack's name
        return self._index > 0

    def canRedo(self) -> bool:  # noqa: N802 - QUndoStack's name
        return self._index < len(self._commands)

    def undoText(self) -> str:  # noqa: N802 - QUndoStack's name
        return self._commands[self._index - 1].text() if self.canUndo() else ""

    def _state(self) -> tuple[bool, bool, int]:
        return self.canUndo(), self.canRedo(), self._index

    def _announce(self, before: tuple[bool, bool, int]) -> None:
        can_undo, can_redo, index = self._state()
        if can_undo != before[0]:
            self.canUndoChanged.emit(can_undo)
        if can_redo != before[1]:
            self.canRedoChanged.emit(can_redo)
        if index != before[2]:
            self.indexChanged.emit(index)
