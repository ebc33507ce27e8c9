"""Shared fixtures: the real scans in ../shared/data and a small synthetic scene."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The folder of real scans: $DENSELABEL_DATA, or ../shared/data beside the project."""
    env = os.environ.get("DENSELABEL_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    folder = shared_data_dir()
    if not (folder / "brighton_small.xyz").exists():
        pytest.fail(
            f"the real scans are missing from {folder}; "
            "set DENSELABEL_DATA to the shared data folder"
        )
    return folder


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave a Qt test process without Python's teardown of Qt and VTK objects.

    That teardown crashed (a segfault after "60 passed"); by now the results are printed
    and the other plugins have cleaned up, so exiting here changes nothing but the crash.
    The exit status is kept.
    """
    if "PySide6.QtWidgets" in sys.modules:
        # os._exit skips atexit, where pytest-xvfb stops its display: stop it here.
        xvfb = sys.modules.get("pytest_xvfb")
        if xvfb is not None:
            xvfb.shutdown_xvfb()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status)
