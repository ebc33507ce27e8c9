"""What native libraries print on their way to an exception, kept off the user's terminal.

lazrs (Rust) prints a panic message, and with RUST_BACKTRACE set a whole backtrace, to the
process's stderr before the panic reaches Python as an exception, which the reader then
turns into one sentence. Around such a call, file descriptor 2 goes to a temporary file:
on success whatever was written is passed on unchanged, on an exception it is dropped.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator

# fd 2 is shared by the whole process: one capture at a time.
_LOCK = threading.Lock()


@contextlib.contextmanager
def native_stderr_held() -> Iterator[None]:
    """Hold back native writes to stderr during the block; drop them if it raises."""
    with _LOCK, tempfile.TemporaryFile() as held:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(held.fileno(), 2)
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if not failed:
                held.seek(0)
                text = held.read()
                if text:
                    os.write(2, text)
