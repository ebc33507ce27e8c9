"""An exception nobody caught in a Qt slot reaches the user as a sentence, not only stderr.

Qt cannot propagate a Python exception out of a slot or an event handler: PySide6 hands it
to ``sys.excepthook`` and carries on, so without this guard the user sees nothing while the
window is half updated (issue 9: a stale cloud after opening a smaller scan, no dialog).
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType
from typing import Any

import shiboken6
from PySide6.QtCore import QTimer

from gui.session import Session

TITLE = "Unexpected error"


def sentence_for(exc: BaseException) -> str:
    """One sentence for `exc` (core.failure's wording when it is there)."""
    try:
        from core.failure import describe
    except ImportError:  # pragma: no cover - core.failure is being added alongside
        return f"unexpected {type(exc).__name__} ({exc}); this is a bug in DenseLabel."
    return describe(exc)


class SlotGuard:
    """Installed as ``sys.excepthook`` by the main window while it is open.

    The traceback still goes to stderr (for a bug report); the sentence goes to
    ``session.error`` on the next turn of the event loop, so the dialog never opens inside
    the failing slot. A burst of the same failure (one per redraw) shows one dialog.
    """

    def __init__(self, session: Session):
        self._session = session
        self._previous: Any = None
        self._pending: set[str] = set()
        self.caught: list[BaseException] = []  # what reached the user, newest last

    def install(self) -> None:
        if sys.excepthook is not self:
            self._previous = sys.excepthook
            sys.excepthook = self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous or sys.__excepthook__

    def __call__(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        previous = self._previous or sys.__excepthook__
        if previous is not sys.__excepthook__:
            previous(kind, exc, tb)  # e.g. pytest-qt, which fails the test that raised
        else:
            traceback.print_exception(kind, exc, tb, file=sys.stderr)
        if issubclass(kind, KeyboardInterrupt):
            return
        self.caught.append(exc)
        sentence = sentence_for(exc)
        if sentence in self._pending:
            return
        self._pending.add(sentence)
        QTimer.singleShot(0, lambda: self._tell(sentence))

    def _tell(self, sentence: str) -> None:
        self._pending.discard(sentence)
        if shiboken6.isValid(self._session):
            self._session.error.emit(TITLE, sentence)
