"""Progress and cancel callbacks shared by the GUI, the CLI and the tests.

Every long operation takes ``progress(fraction, message)`` and ``cancel() -> bool``.
Both may be None. Work is done in chunks so cancel is honoured within a fraction of a
second and progress moves smoothly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from core.errors import Cancelled

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


def report(progress: ProgressFn | None, fraction: float, message: str = "") -> None:
    """Call `progress` if given, clamping the fraction into [0, 1]."""
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def check_cancel(cancel: CancelFn | None) -> None:
    """Raise `Cancelled` if the user asked to stop."""
    if cancel is not None and cancel():
        raise Cancelled("cancelled by the user")


def chunked(
    n: int,
    chunk: int,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    message: str = "",
    span: tuple[float, float] = (0.0, 1.0),
) -> Iterator[slice]:
    """Yield slices covering ``range(n)`` in chunks, reporting progress within `span`.

    Checks `cancel` before every chunk so long loops stop promptly.
    """
    lo, hi = span
    chunk = max(int(chunk), 1)
    for start in range(0, n, chunk):
        check_cancel(cancel)
        report(progress, lo + (hi - lo) * start / max(n, 1), message)
        yield slice(start, min(start + chunk, n))
    report(progress, hi, message)


def sub_progress(progress: ProgressFn | None, lo: float, hi: float) -> ProgressFn | None:
    """A progress callback mapping [0, 1] onto [lo, hi] of `progress`, for nested steps."""
    if progress is None:
        return None
    parent = progress

    def inner(fraction: float, message: str = "") -> None:
        parent(lo + (hi - lo) * min(max(fraction, 0.0), 1.0), message)

    return inner
