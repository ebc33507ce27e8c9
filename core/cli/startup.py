"""Ctrl-C and SIGTERM while the command is still starting (importing numpy and the rest).

Imported first by ``core.cli``, before anything slow: until `started` is called, either
signal ends the process at once with status 130 and "cancelled" (nothing has been
written yet), instead of a KeyboardInterrupt traceback from deep inside an import.
Only the stdlib is used here, so this module itself loads in microseconds.
"""

from __future__ import annotations

import os
import signal
import sys

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_previous: dict[int, object] = {}


def _quit(signum, frame) -> None:
    # os.write and os._exit: safe at any point of an import, unlike print and sys.exit.
    os.write(2, b"denselabel: cancelled; nothing was written.\n")
    os._exit(130)


def _install() -> None:
    for signum in _SIGNALS:
        previous = signal.getsignal(signum)
        # Only the plain defaults are replaced: a host program (pytest, the window) that set
        # its own handler keeps it.
        if previous in (signal.default_int_handler, signal.SIG_DFL):
            try:
                signal.signal(signum, _quit)
            except ValueError:  # not the main thread: Python allows handlers nowhere else
                return
            _previous[signum] = previous


def started() -> None:
    """The command line is loaded: give the signals back to the normal handlers."""
    while _previous:
        signum, previous = _previous.popitem()
        if signal.getsignal(signum) is _quit:
            signal.signal(signum, previous)  # type: ignore[arg-type]


def ignore_signals_while_exiting() -> None:
    """The command has finished and reported: a late Ctrl-C must not kill the exit.

    Python resets its handlers to the default while it finalizes (joining worker
    threads can take a moment), so a signal then would end the process by the signal
    instead of with the status already decided; an ignored signal is left alone.
    """
    for signum in _SIGNALS:
        try:
            signal.signal(signum, signal.SIG_IGN)
        except ValueError:  # not the main thread
            return


if "pytest" not in sys.modules:
    _install()
