"""Ctrl-C (once or twice) and SIGTERM at any moment of a real run: status 130, "cancelled".

Each run is a real ``denselabel`` process; the signal lands while Python is still
importing, during the first step, or (twice) inside a compiled numba step. Never a
traceback, never another status.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Prints a line, then imports and runs the command line: a signal sent on that line lands
#: during the imports (they take a few hundred milliseconds).
STARTER = (
    "import sys; sys.stderr.write('starting\\n'); sys.stderr.flush(); "
    "from core.cli import main; sys.exit(main())"
)
DEMO = ["demo", "--points", "1500000"]


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", STARTER, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(process: subprocess.Popen, text: str) -> str:
    """stderr lines up to the first holding `text`."""
    assert process.stderr is not None
    seen = []
    for line in iter(process.stderr.readline, ""):
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError("".join(seen))


def finish(process: subprocess.Popen, before: str) -> tuple[int, str]:
    try:
        _, rest = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, before + rest


def assert_cancelled(status: int, stderr: str) -> None:
    assert status == 130, stderr
    assert "cancelled" in stderr, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_still_importing(signum):
    process = start(*DEMO)
    before = wait_for(process, "starting")
    # Into numpy's import (about 0.15 s); the first milliseconds, before core/cli/startup.py
    # is loaded, still belong to Python's own start.
    time.sleep(0.08)
    process.send_signal(signum)
    assert_cancelled(*finish(process, before))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0.05, 0.4])
def test_a_signal_early_in_the_run(signum, delay):
    process = start(*DEMO)
    before = wait_for(process, "starting")
    time.sleep(delay)
    process.send_signal(signum)
    assert_cancelled(*finish(process, before))


@pytest.mark.parametrize("gap", [0.0, 0.05, 0.3])
def test_ctrl_c_twice_inside_a_numba_step(gap):
    process = start(*DEMO)
    # The scene is made: the voxel downsample (compiled numba code) starts now.
    before = wait_for(process, "generating the scene")
    process.send_signal(signal.SIGINT)
    time.sleep(gap)
    process.send_signal(signal.SIGINT)
    assert_cancelled(*finish(process, before))


def test_sigterm_in_the_middle_of_a_step():
    process = start(*DEMO)
    before = wait_for(process, "generating the scene")
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    assert_cancelled(*finish(process, before))
