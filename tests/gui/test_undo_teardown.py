"""The process survives its windows' undo stacks: strokes and crops pushed onto a window's
QUndoStack, the window closed, Python's garbage collector at exit must not crash.

It crashed at exit (SIGSEGV in QUndoStack::clear inside ~QUndoStack, while gc.collect
freed the sessions' reference cycles) after these two files ran in one process. Run
there, in a child pytest, because a crash would kill this whole test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_closed_windows_with_strokes_on_their_undo_stacks_exit_cleanly():
    files = ["tests/gui/test_paint_prepare.py", "tests/gui/test_paint_state.py"]
    command = [sys.executable, "-X", "faulthandler", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*command, *files], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    tail = (done.stdout + done.stderr)[-2000:]
    assert "Segmentation fault" not in tail, tail
    assert done.returncode == 0, tail
