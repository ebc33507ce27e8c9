"""The newest of a stream of requests, shown in the status bar with progress and Cancel.

`gui.workers.LatestOnly` runs previews quietly, which suits a cloud that previews in a
blink; on a big cloud a preview or a comparison takes seconds, and the user must see it
working and be able to stop it (issue 9.6). Same rules as LatestOnly: a new request
cancels the running one, and only the newest request's result is delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from gui.session import Session
from gui.workers import Job, WorkFn, run_job

#: Jobs whose loss costs nothing (a preview is recomputed on the next change): closing the
#: window does not ask about them.
DISPOSABLE_TITLES = {"Previewing the downsample", "Comparing downsamples"}


class ShownLatest(QObject):
    """Run only the newest request, through the status bar (progress, Cancel, Esc)."""

    def __init__(self, session: Session, title: str, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        self.title = title
        self.generation = 0
        self._running: Job | None = None
        self._pending: tuple[int, WorkFn, Callable[[Any], None], Callable[[str], None]] | None
        self._pending = None
        self.on_cancelled: Callable[[], None] | None = None  # the user pressed Cancel

    def submit(self, fn: WorkFn, on_done: Callable[[Any], None], on_error: Callable[[str], None]):
        self.generation += 1
        self._pending = (self.generation, fn, on_done, on_error)
        if self._running is not None:
            self._running.cancel()
        else:
            self._start_pending()

    def cancel(self) -> None:
        """Drop the pending request and stop the running one; no result will arrive."""
        self.generation += 1
        self._pending = None
        if self._running is not None:
            self._running.cancel()

    def is_busy(self) -> bool:
        return self._running is not None or self._pending is not None

    def _start_pending(self) -> None:
        if self._pending is None:
            return
        generation, fn, on_done, on_error = self._pending
        self._pending = None
        newest = lambda: generation == self.generation  # noqa: E731
        job = run_job(
            self._session,
            self.title,
            fn,
            lambda result: on_done(result) if newest() else None,
            lambda sentence: on_error(sentence) if newest() else None,
            owner=self,
        )
        # Cancelled while still the newest request: the user's Cancel, not a newer request.
        job.cancelled.connect(lambda: self._user_cancelled() if newest() else None)
        job.ended.connect(self._job_ended)
        self._running = job

    def _user_cancelled(self) -> None:
        if self.on_cancelled is not None:
            self.on_cancelled()

    def _job_ended(self) -> None:
        self._running = None
        self._start_pending()
