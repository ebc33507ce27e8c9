"""Writing outputs safely: a temporary file in the same folder, then a rename.

A crash or a cancel mid-write never leaves a half-written output, and an input file
is never overwritten.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
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


def refuse_overwriting_inputs(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """Raise `InputError` if `output` is one of `inputs` (same file on disk)."""
    out = Path(output).resolve()
    for item in inputs:
        if item is not None and Path(item).resolve() == out:
            raise InputError(
                "the output would overwrite an input file; choose another output name.", output
            )


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
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"the folder {folder} does not exist; create it or choose another.", path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=folder)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, OUTPUT_MODE)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
