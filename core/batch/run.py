"""Running a planned batch on Dask: a local cluster of processes, or the user's scheduler.

One Dask task a file. Results come back as they finish: one summary line a file, the
state file updated after each, a progress bar over the whole batch (Dask's
``TextProgressBar``, on stderr) when stderr is a terminal. The first Ctrl-C cancels
what has not finished and leaves the finished files recorded, so the next run resumes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from core.batch.plan import BatchState, FileJob
from core.batch.tasks import Outcome, run_command
from core.errors import Cancelled, InputError

#: Seconds between two looks at the cancel flag while waiting for results.
POLL_SECONDS = 0.2


@dataclass
class BatchResult:
    """Counts of a batch run, and each file's line in batch order."""

    done: int = 0
    skipped: int = 0
    failed: int = 0
    lines: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator:
    """A Dask client: on `scheduler` (an address) or on a new local cluster of processes.

    The local cluster listens on 127.0.0.1 only, one thread a worker process (the steps
    use their own threads), no dashboard; it is shut down on leaving. Its logs are
    silenced below CRITICAL: a file's trouble comes back as its `Outcome`, and workers
    log a traceback when the scheduler closes before their last heartbeat.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}); check it is running."
            ) from None
        with client:
            yield client
        return
    n = workers or min(os.cpu_count() or 1, 8)
    with warnings.catch_warnings():
        # Dask's HTTP routes take another port when 8787 is busy: nothing for the user to do.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.CRITICAL,
        )  # fmt: skip
    with cluster, Client(cluster) as client:
        yield client


def run_jobs(
    client,
    jobs: list[FileJob],
    state: BatchState,
    *,
    submit: Callable[[FileJob], object] | None = None,
    out: IO[str] | None = None,
    bar: bool = False,
    cancel: Callable[[], bool] | None = None,
) -> BatchResult:
    """Run the unfinished `jobs` on `client`; print one line a file as each ends.

    Parameters
    ----------
    submit : callable or None
        Makes a file's Dask future (default: the single-file command, `run_command`).
    cancel : callable or None
        Polled while waiting; when it returns True the unfinished tasks are cancelled
        and `Cancelled` is raised.
    """
    from distributed import wait

    out = sys.stdout if out is None else out
    result = BatchResult()
    todo = []
    for job in jobs:
        if state.finished(job):
            result.skipped += 1
            _say(out, result, job, "skipped, finished in an earlier run with these options")
        else:
            todo.append(job)
    if submit is None:
        submit = lambda job: client.submit(  # noqa: E731
            run_command, job.argv, os.getcwd(), key=task_key(job), pure=False
        )
    pending = {submit(job): job for job in todo}
    if bar and pending:
        _start_bar(list(pending), client)
    while pending:
        if cancel is not None and cancel():
            client.cancel(list(pending), force=True)
            raise Cancelled("cancelled by the user")
        try:
            finished, _ = wait(list(pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
        except TimeoutError:  # nothing finished yet: look at the cancel flag again
            continue
        for future in finished:
            job = pending.pop(future)
            outcome = _outcome(future)
            if outcome.ok:
                result.done += 1
                state.record(job, outcome.line)
                _say(out, result, job, f"{outcome.line} ({outcome.seconds:.1f} s)")
            else:
                result.failed += 1
                _say(out, result, job, f"FAILED: {outcome.line}")
    return result


def task_key(job: FileJob, stage: str = "") -> str:
    """A Dask key naming the file, unique to this run (a shared scheduler keeps old keys)."""
    return f"denselabel{stage}-{job.index}-{uuid.uuid4().hex[:10]}"


def _outcome(future) -> Outcome:
    """The task's `Outcome`, or a failure saying why Dask could not run it."""
    try:
        value = future.result()
    except Exception as exc:  # a worker died, or the task could not be sent to one
        return Outcome(
            False,
            f"Dask could not run it ({type(exc).__name__}: {exc}); check the workers' logs "
            "and their memory, then run the batch again (finished files are skipped).",
            0.0,
        )
    if isinstance(value, Outcome):
        return value
    return Outcome(False, f"the worker sent back {value!r}; this is a bug, please report it.", 0.0)


def _say(out: IO[str], result: BatchResult, job: FileJob, line: str) -> None:
    result.lines[job.input] = line
    # Starts by clearing the line, in case the progress bar is drawn there.
    prefix = "\r\x1b[K" if out.isatty() else ""
    print(f"{prefix}{job.input}: {line}", file=out, flush=True)


def _start_bar(futures: list, client) -> None:
    """Dask's text progress bar over `futures`, drawn on stderr from a background thread."""
    from distributed.diagnostics.progressbar import TextProgressBar

    class StderrBar(TextProgressBar):
        def _draw_bar(self, remaining, all, **kwargs):
            frac = (1 - remaining / all) if all else 1.0
            text = "#" * int(self.width * frac)
            sys.stderr.write(f"\r[{text:<{self.width}}] | {int(100 * frac)}% of the batch")
            sys.stderr.flush()

        def _draw_stop(self, **kwargs):
            sys.stderr.write("\33[2K\r")
            sys.stderr.flush()

    def show() -> None:
        with contextlib.suppress(Exception):  # the bar is a courtesy: never fail the batch
            StderrBar(futures, scheduler=client.scheduler.address, width=30)

    threading.Thread(target=show, name="batch-progress", daemon=True).start()


def wall_time(function: Callable[[], BatchResult]) -> tuple[BatchResult, float]:
    """Run `function`, return its result and the seconds it took."""
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start
