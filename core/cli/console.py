"""Progress on stderr and Ctrl-C for the command line.

The command line reports on stderr and prints results on stdout, so scripts can pipe
results (``--json``) while a person still sees progress.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from core.errors import Cancelled
from core.progress import ProgressFn

BAR_WIDTH = 24
#: Seconds between two redraws of the bar: fast enough to look live, cheap on big clouds.
REDRAW_SECONDS = 0.1


@dataclass
class Console:
    """Progress on stderr: a live bar on a terminal, one line per step otherwise.

    Also holds the cancel flag set by the first Ctrl-C, so long core operations stop
    at their next chunk and leave no partial output.
    """

    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    quiet: bool = False
    cancelled: bool = False

    @property
    def live(self) -> bool:
        return not self.quiet and self.stream.isatty()

    def cancel(self) -> bool:
        """The `CancelFn` handed to core operations."""
        return self.cancelled

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[ProgressFn]:
        """Run one named step; yields the progress callback for the core function."""
        if self.cancelled:
            raise Cancelled("cancelled by the user")
        start = time.perf_counter()
        bar = _Bar(self.stream, title) if self.live else None
        if bar is not None:
            bar(0.0, "")
        try:
            yield bar if bar is not None else _ignore_progress
        except BaseException:
            if bar is not None:
                bar.clear()
            raise
        seconds = time.perf_counter() - start
        if bar is not None:
            bar.clear()
        if not self.quiet:
            print(f"{title}: {seconds:.2f} s", file=self.stream, flush=True)

    def clear(self) -> None:
        """End a half-drawn bar line before an error message."""
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _ignore_progress(fraction: float, message: str = "") -> None:
    """Progress callback for a non-terminal stderr: nothing per chunk."""


class _Bar:
    """A one-line bar: ``title [#####-----]  42% message``, redrawn at most ten times a second."""

    def __init__(self, stream: IO[str], title: str):
        self.stream = stream
        self.title = title
        self.last_draw = 0.0
        self.last_text = ""

    def __call__(self, fraction: float, message: str = "") -> None:
        now = time.perf_counter()
        if now - self.last_draw < REDRAW_SECONDS and fraction < 1.0:
            return
        filled = int(round(BAR_WIDTH * min(max(fraction, 0.0), 1.0)))
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        text = f"{self.title} [{bar}] {100 * fraction:3.0f}%"
        if message and message != self.title:
            text += f" {message}"
        if text != self.last_text:
            self.stream.write("\r" + text[:200] + "\x1b[K")
            self.stream.flush()
            self.last_text = text
        self.last_draw = now

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


def stop_at_once(console: Console) -> None:
    """End the process now with status 130, leaving no temporary file behind.

    Not by raising KeyboardInterrupt: the handler may run inside a library callback
    (llvmlite while numba compiles, a ctypes callback), which would print its own
    traceback or turn the interrupt into a SystemError.
    """
    from core.atomic import remove_live_temporaries

    remove_live_temporaries()
    console.clear()
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    os.write(2, b"denselabel: cancelled; no output was written for the unfinished step.\n")
    os._exit(130)


@contextlib.contextmanager
def ctrl_c_cancels(console: Console) -> Iterator[None]:
    """First Ctrl-C asks the running operation to stop cleanly; a second one interrupts.

    Core operations poll the flag between chunks, so the first Ctrl-C stops them
    within a moment and every output stays whole (atomic writes). A step that does not
    poll (a file read) ends first; a second Ctrl-C stops it at once. SIGTERM (a service
    manager, ``kill``) stops at once, like the second Ctrl-C. Only installed in the main
    thread (Python allows signal handlers nowhere else).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum, frame):
        if signum == signal.SIGINT and not console.cancelled:
            console.cancelled = True
            console.clear()
            print("stopping... (Ctrl-C again to stop at once)", file=console.stream, flush=True)
            return
        stop_at_once(console)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
