"""Long work off the UI thread, with progress, cancel and results delivered as signals.

The worker thread runs a plain function ``fn(progress, cancel)`` that calls core; it never
touches Qt objects. Results cross threads at exactly one place: the signals of `Job`, which
Qt queues to the UI thread because the Job lives there (the Open3D threaded-app pattern).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, cast

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

from core.errors import Cancelled, InputError
from core.failure import describe
from core.progress import CancelFn, ProgressFn
from gui.session import Session

WorkFn = Callable[[ProgressFn, CancelFn], Any]
ErrorFn = Callable[[str], None]

# Progress from a tight loop could flood the event queue; 20 updates a second is smooth enough.
_PROGRESS_INTERVAL_S = 0.05


class Job(QObject):
    """One run of a function on the thread pool; lives on the UI thread.

    Signals
    -------
    progressed(float, str) : fraction in [0, 1] and a message.
    finished_ok(object) : the function's result.
    failed(str) : a sentence for the user.
    cancelled() : the function raised `Cancelled`.
    ended() : after any of the three above.
    """

    progressed = Signal(float, str)
    finished_ok = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()
    # The one crossing: emitted on the worker thread, received by `_deliver` on the UI
    # thread (queued, because this object lives there).
    _crossing = Signal(str, object)

    def __init__(self, title: str, fn: WorkFn, parent: QObject | None = None):
        super().__init__(parent)
        self.title = title
        self._fn: WorkFn | None = fn
        self._cancel_flag = threading.Event()
        self._done_flag = threading.Event()
        self._last_progress = 0.0
        self.delivered = False  # True once the outcome reached the UI thread
        # Set by the worker thread once it dropped its reference, so the last reference (and
        # the QObject's deletion) is always on the UI thread, the Job's own thread.
        self._released = threading.Event()
        self._crossing.connect(self._deliver)
        # Qt deleting this object while the worker emits from it is a data race (seen as
        # "Slot 'QEventLoop::' not found" raised in the worker): the deletion waits for an
        # emit in flight, and no emit starts once it began.
        self._emit_lock = threading.Lock()
        self._deleted = threading.Event()
        lock, deleted = self._emit_lock, self._deleted

        def deleting() -> None:
            with lock:
                deleted.set()

        self.destroyed.connect(deleting, Qt.ConnectionType.DirectConnection)

    # -- called on the UI thread ------------------------------------------------------
    def cancel(self) -> None:
        """Ask the function to stop at its next cancel check."""
        self._cancel_flag.set()

    def is_cancelled(self) -> bool:
        return self._cancel_flag.is_set()

    def is_running(self) -> bool:
        return not self._done_flag.is_set()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the worker returned (for tests and shutdown); True if it did."""
        return self._done_flag.wait(timeout_ms / 1000)

    @Slot(str, object)
    def _deliver(self, kind: str, payload: object) -> None:
        if kind == "progress":
            fraction, message = cast(tuple[float, str], payload)
            self.progressed.emit(fraction, message)
            return
        if kind == "done":
            self.finished_ok.emit(payload)
        elif kind == "failed":
            self.failed.emit(str(payload))
        else:
            self.cancelled.emit()
        self.delivered = True
        self.ended.emit()

    @Slot()
    def _forget(self) -> None:
        """Let the Job be collected: drop the registry's reference once the worker let go."""
        if self._released.is_set():
            _live_jobs.discard(self)
        else:
            QTimer.singleShot(5, self._forget)

    # -- called on the worker thread --------------------------------------------------
    def _progress(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last_progress >= _PROGRESS_INTERVAL_S or fraction >= 1.0:
            self._last_progress = now
            # The window (the Job's owner) may be gone while this runs: emitting would raise
            # "Signal source has been deleted" here. Nobody is left to tell: stop the work.
            with self._emit_lock:
                if self._deleted.is_set() or not shiboken6.isValid(self):
                    raise Cancelled("the job's window was closed")
                self._crossing.emit("progress", (float(fraction), message))

    def _run(self) -> None:
        kind, payload = "done", None
        fn, self._fn = self._fn, None  # the closure may hold big arrays: do not keep it
        try:
            if fn is None:
                raise RuntimeError("a job runs once")
            payload = fn(self._progress, self._cancel_flag.is_set)
        except Cancelled:
            kind = "cancelled"
        except (InputError, OSError, MemoryError) as exc:
            # The same sentence the command line prints for it (core.failure).
            kind, payload = "failed", describe(exc)
        except Exception as exc:  # a bug: show it rather than lose it in a thread
            traceback.print_exc(file=sys.stderr)
            kind, payload = "failed", describe(exc)
        finally:
            self._done_flag.set()
        self._emit_outcome(kind, payload)

    def _emit_outcome(self, kind: str, payload: object) -> None:
        # The window may have closed while this ran: Qt then deleted the Job, and emitting
        # would raise "Signal source has been deleted" in this thread. Nobody is left to
        # tell, so the outcome is dropped (closeEvent cancels and waits for every job).
        with self._emit_lock:
            if not self._deleted.is_set() and shiboken6.isValid(self):
                self._crossing.emit(kind, payload)


class _Runnable(QRunnable):
    def __init__(self, job: Job):
        super().__init__()
        self._job: Job | None = job

    def run(self) -> None:
        job, self._job = self._job, None
        if job is None:
            return
        released = job._released
        try:
            job._run()
        finally:
            del job  # before `released`: the UI thread may drop the last reference after it
            released.set()


# Jobs are kept alive here until they end; otherwise Python could collect a Job whose
# signals are still to be delivered.
_live_jobs: set[Job] = set()


def cancel_all() -> None:
    """Ask every running job to stop, previews included (the window is closing)."""
    for job in list(_live_jobs):
        job.cancel()


def wait_all(pools: list[QThreadPool], timeout_ms: int = 10_000) -> bool:
    """Wait for `pools` and Qt's global pool to finish their jobs; True if all did."""
    done = True
    for pool in [*pools, QThreadPool.globalInstance()]:
        done = pool.waitForDone(timeout_ms) and done
    return done


def start(job: Job, pool: QThreadPool | None = None) -> Job:
    """Run `job` on `pool` (default: Qt's global thread pool)."""
    _live_jobs.add(job)
    job.ended.connect(job._forget)
    (pool or QThreadPool.globalInstance()).start(_Runnable(job))
    return job


def run_job(
    session: Session,
    title: str,
    fn: WorkFn,
    on_done: Callable[[Any], None],
    on_error: Callable[[str], None] | None = None,
    *,
    quiet: bool = False,
    owner: QObject | None = None,
    pool: QThreadPool | None = None,
) -> Job:
    """Run ``fn(progress, cancel)`` on a worker thread and hand its result to `on_done`.

    Parameters
    ----------
    session : Session
        Gets ``busy``/``progress``/``idle`` (unless `quiet`), ``error`` for failures and
        ``message`` when cancelled; its ``cancel_requested`` cancels the job.
    title : str
        What the job does, in the user's words ("Reading brighton_small.xyz").
    fn : callable
        ``fn(progress, cancel) -> result``; runs on a worker thread, must not touch Qt.
    on_done : callable
        Called on the UI thread with the result.
    on_error : callable, optional
        Called on the UI thread with the sentence instead of ``session.error``.
    quiet : bool
        True for previews: no status-bar progress, not cancelled by the Cancel button.
    owner : QObject, optional
        The result is dropped if `owner` was deleted meanwhile (a closed window or panel);
        defaults to the object of `on_done` when that is a QObject's method.
    pool : QThreadPool, optional
        Where to run; a private pool keeps quick jobs from queueing behind long ones.
    """
    job = Job(title, fn)
    if owner is None:  # a bound method of a widget: drop the result once the widget is gone
        bound = getattr(on_done, "__self__", None)
        owner = bound if isinstance(bound, QObject) else None
    alive = (lambda: True) if owner is None else (lambda: shiboken6.isValid(owner))
    report = on_error if on_error is not None else (lambda s: session.error.emit(title, s))
    job.finished_ok.connect(lambda result: on_done(result) if alive() else None)
    job.failed.connect(lambda sentence: report(sentence) if alive() else None)
    if not quiet:
        job.cancelled.connect(lambda: session.message.emit(f"{title}: cancelled"))
        job.progressed.connect(session.progress)
        # Qt drops this connection when the Job is deleted (no lambda holding the Job).
        session.cancel_requested.connect(job.cancel)
        job.ended.connect(session.idle)
        session.busy.emit(title)
    return start(job, pool)


class LatestOnly(QObject):
    """Run only the newest of a stream of requests (a slider being dragged).

    A new request cancels the running one and replaces any pending one; a result is
    delivered only if no newer request arrived meanwhile (a generation counter), so the
    view never goes back to a stale preview. One job at a time keeps the cores for it.
    Quiet by default (a preview in a blink); ``quiet=False`` shows each job in the status
    bar with progress and Cancel (a big cloud's preview takes seconds, issue 9.6), and
    `on_cancelled` hears the user's Cancel (not the cancel of a newer request).
    """

    def __init__(
        self,
        session: Session,
        parent: QObject | None = None,
        pool: QThreadPool | None = None,
        *,
        quiet: bool = True,
    ):
        super().__init__(parent)
        self._session = session
        self.generation = 0
        self._pool = pool
        self.quiet = quiet
        self.on_cancelled: Callable[[], None] | None = None
        self._running: Job | None = None
        self._pending: tuple[int, str, WorkFn, Callable[[Any], None], ErrorFn | None] | None = None

    def submit(
        self,
        title: str,
        fn: WorkFn,
        on_done: Callable[[Any], None],
        on_error: ErrorFn | None = None,
    ) -> None:
        """Queue `fn`; `on_done(result)` runs only if this is still the newest request.

        Failures go to `on_error(sentence)` (same rule), or to ``session.error`` without it.
        """
        self.generation += 1
        self._pending = (self.generation, title, fn, on_done, on_error)
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

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Tests: wait for the running job's thread (signals still need the event loop)."""
        return self._running.wait(timeout_ms) if self._running is not None else True

    def _start_pending(self) -> None:
        if self._pending is None:
            return
        generation, title, fn, on_done, on_error = self._pending
        self._pending = None

        def deliver(result: Any) -> None:
            if generation == self.generation:
                on_done(result)

        def report(sentence: str) -> None:
            if generation != self.generation:
                return
            if on_error is not None:
                on_error(sentence)
            else:
                self._session.error.emit(title, sentence)

        job = run_job(
            self._session, title, fn, deliver, report, quiet=self.quiet, owner=self, pool=self._pool
        )
        job.cancelled.connect(lambda: self._cancelled(generation))
        job.ended.connect(self._job_ended)
        self._running = job

    def _cancelled(self, generation: int) -> None:
        # Cancelled while still the newest request: the user's Cancel, not a newer request.
        if generation == self.generation and self.on_cancelled is not None:
            self.on_cancelled()

    def _job_ended(self) -> None:
        self._running = None
        self._start_pending()
