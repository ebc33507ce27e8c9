"""Writing outputs safely: temporary files in the same folder, then renames.

A crash or a cancel mid-write never leaves a half-written output, an input file is
never overwritten (by any path: a symlink, a hard link, `..`), and a command with
several outputs (a sample and its index map) leaves either all the old files or all the
new ones. Temporaries left by a killed run are removed the next time the same output
is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from core.errors import InputError


def _umask_mode() -> int:
    """0666 minus the process umask: what open() would give, unlike mkstemp's 0600."""
    # Reading the umask means setting it; done once at import, before worker threads
    # write files, because a thread creating a file between the two calls would get 0666.
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: Permissions of every output file (the umask is read once; see `_umask_mode`).
OUTPUT_MODE = _umask_mode()
#: Temporaries being written right now, removed by `remove_live_temporaries` on a hard stop.
_LIVE: set[Path] = set()
#: Characters of mkstemp's random part (8 of them).
_RANDOM = "[a-z0-9_]{8}"


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def refuse_overwriting_inputs(output: str | Path, inputs: Iterable[str | Path | None]) -> None:
    """Raise `InputError` if `output` is one of `inputs` (the same file on disk, by any path)."""
    out = Path(output)
    for item in inputs:
        if item is not None and _same_file(out, Path(item)):
            raise InputError(
                f"the output would overwrite an input file ({Path(item).name}); "
                "choose another output name.",
                output,
            )


def check_outputs(outputs: Sequence[str | Path], inputs: Iterable[str | Path | None] = ()) -> None:
    """Every problem that would stop writing `outputs`, found before anything is written.

    Raises
    ------
    InputError
        An output is an input, two outputs are one file, an output is a folder, or its
        folder is missing or not writable (the message names the output).
    """
    inputs = [i for i in inputs if i is not None]
    seen: list[Path] = []
    for output in map(Path, outputs):
        refuse_overwriting_inputs(output, inputs)
        if any(_same_file(output, other) for other in seen):
            raise InputError("two outputs are the same file; give each its own name.", output)
        seen.append(output)
        if output.is_dir():
            raise InputError("this is a folder; give a file name for the output.", output)
        folder = _folder(output)
        if not folder.is_dir():
            raise InputError(
                f"the folder {folder} does not exist; create it or choose another.", output
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(
                f"you may not write in the folder {folder}; choose another output folder.",
                output,
            )


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def stale_temporaries(path: str | Path) -> list[Path]:
    """Hidden temporaries of `path` (``.NAME.XXXXXXXX.SUFFIX``) that a killed run left."""
    target = Path(path)
    pattern = re.compile(re.escape(f".{target.stem}.") + _RANDOM + re.escape(target.suffix) + "$")
    folder = _folder(target)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [folder / name for name in names if pattern.match(name)]


def _remove_stale(path: Path) -> None:
    for stale in stale_temporaries(path):
        with contextlib.suppress(OSError):
            stale.unlink()


def _new_temporary(target: Path) -> Path:
    folder = _folder(target)
    if not folder.is_dir():
        raise InputError(
            f"the folder {folder} does not exist; create it or choose another.", target
        )
    _remove_stale(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise _named(exc, target) from exc
    os.close(fd)
    return Path(tmp)


def _named(exc: OSError, target: Path) -> InputError:
    """The error of writing a temporary, told about the output the user asked for."""
    from core.failure import describe_os_error

    exc.filename = str(target)
    return InputError(describe_os_error(exc).split(": ", 1)[-1], target)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside `path`; rename it onto `path` only on success."""
    with atomic_path(path) as tmp, open(tmp, mode) as handle:
        yield handle
        handle.flush()
        # On disk before the rename, so a power cut never leaves an empty output.
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Give a temporary path beside `path` for libraries that open files themselves.

    The temporary keeps the target's suffix so format detection by extension works.
    """
    with atomic_outputs([path]) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_outputs(
    paths: Sequence[str | Path], inputs: Iterable[str | Path | None] = ()
) -> Iterator[list[Path]]:
    """Temporary paths for several outputs, renamed onto them together at the end.

    Every output is checked (`check_outputs`) before a byte is written; on any error or
    Ctrl-C inside the block every temporary is removed and the old outputs stay. The
    renames run with Ctrl-C and SIGTERM held back, so they happen all or not at all.

    Parameters
    ----------
    paths : sequence of path
        The outputs, in the order the temporaries are yielded.
    inputs : iterable of path
        Files the command reads; none of them may be an output.
    """
    targets = [Path(p) for p in paths]
    check_outputs(targets, inputs)
    temps: list[Path] = []
    try:
        for target in targets:
            temps.append(_new_temporary(target))
            _LIVE.add(temps[-1])
        yield temps
        _commit(temps, targets)
    except BaseException as exc:
        for tmp in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        names = [str(t) for t in temps]
        if isinstance(exc, OSError) and exc.filename in names:
            raise _named(exc, targets[names.index(exc.filename)]) from exc
        if isinstance(exc, InputError) and exc.path in names:
            # A writer names the file it was given; the user knows the output's own name.
            target = targets[names.index(exc.path)]
            raise InputError(exc.message, target, exc.line, exc.field) from exc
        raise
    finally:
        _LIVE.difference_update(temps)


def remove_live_temporaries() -> None:
    """Delete every temporary still being written (before a hard stop: the second Ctrl-C).

    Renames run with the signals held back (`_commit`), so an output is never lost here:
    each target keeps its old file or already has its complete new one.
    """
    for tmp in list(_LIVE):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _LIVE.clear()


def _commit(temps: list[Path], targets: list[Path]) -> None:
    for tmp in temps:
        if not tmp.exists():
            raise InputError("the output was not written; try again.", targets[temps.index(tmp)])
        os.chmod(tmp, OUTPUT_MODE)
        _fsync(tmp)
    with _signals_held():
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)


def _fsync(path: Path) -> None:
    # On disk before the rename, so a power cut never leaves an empty output.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for a moment (delivered right after)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield  # Python handles signals in the main thread only
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
