"""Any failure as one sentence for the user: the CLI prints it, the window shows it.

`describe` is the single place that turns an exception into "file, line or field:
problem; what to do", so the command line and the error dialog say the same thing.
`exit_status` gives the command line's status for it: 2 bad input, 130 cancelled, 1
anything else.
"""

from __future__ import annotations

import errno
import re
import traceback
from pathlib import Path

from core.errors import Cancelled, InputError

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANCELLED = 1, 2, 130
CANCELLED_SENTENCE = "cancelled; no output was written for the unfinished step."

#: The hidden temporary beside an output (core.atomic): ``.NAME.XXXXXXXX.SUFFIX``.
_TEMP_NAME = re.compile(r"^\.(?P<stem>.+)\.[a-z0-9_]{8}(?P<suffix>\.[^.]*)?$")


def causes(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception it was raised from or during, innermost last."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def is_cancel(exc: BaseException) -> bool:
    """True when the user stopped the work (Ctrl-C, SIGTERM, a Cancel button).

    Also when a library turned the interrupt into another error on its way out (numba's
    dispatcher raises SystemError when a second Ctrl-C lands inside it).
    """
    return any(isinstance(e, KeyboardInterrupt | Cancelled) for e in causes(exc))


def user_path(name: str | Path) -> str:
    """The output the user asked for, when `name` is the hidden temporary written first."""
    path = Path(name)
    match = _TEMP_NAME.match(path.name)
    if match is None:
        return str(path)
    return str(path.with_name(match.group("stem") + (match.group("suffix") or "")))


def describe_os_error(exc: OSError) -> str:
    """A sentence for a failed open, read, write or rename, naming the user's path."""
    name = user_path(exc.filename) if exc.filename else None
    where = f"{Path(name).name}: " if name else ""
    code = exc.errno
    if code == errno.ENOENT:
        return f"{where}no such file or folder; check the path."
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"{where}permission denied; choose a file or folder you may use, "
            "or change its permissions."
        )
    if code == errno.ENOSPC:
        return f"{where}the disk is full; free some space or write to another disk."
    if code == errno.EROFS:
        return f"{where}the disk is read-only; write the output somewhere else."
    if code == errno.EISDIR:
        return f"{where}this is a folder, not a file; give a file name."
    if code == errno.ENOTDIR:
        return f"{where}a part of the path is a file, not a folder; check the path."
    if code == errno.ENAMETOOLONG:
        return f"{where}the name is too long; choose a shorter name."
    detail = exc.strerror or str(exc)
    return f"{where}{detail}; check the path, the permissions and the disk."


def describe(exc: BaseException) -> str:
    """One sentence for `exc`: what went wrong, where, and what to do.

    Returns
    -------
    str
        No traceback and no newline; for a bug (an exception nobody foresaw) the
        sentence names the exception and where it came from, to put in a report.
    """
    if is_cancel(exc):
        return CANCELLED_SENTENCE
    if isinstance(exc, InputError):
        return _one_line(str(exc))
    if isinstance(exc, OSError):
        return _one_line(describe_os_error(exc))
    if isinstance(exc, MemoryError):
        return (
            "not enough memory; try a larger voxel size, a smaller cloud or close other programs."
        )
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read; check that it is the right file."
    return _one_line(_unexpected(exc))


def exit_status(exc: BaseException) -> int:
    """The command line's exit status for `exc` (2 bad input, 130 cancelled, 1 other)."""
    if is_cancel(exc):
        return EXIT_CANCELLED
    if isinstance(exc, InputError | OSError):
        return EXIT_BAD_INPUT
    return EXIT_FAILED


def _unexpected(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    detail = str(exc)[:200] or "no details"
    return (
        f"unexpected {type(exc).__name__}{where} ({detail}); this is a bug in DenseLabel, "
        "please report it with the command you ran."
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
