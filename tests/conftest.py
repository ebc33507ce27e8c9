"""Shared fixtures: the real scans in ../shared/data and a small synthetic scene."""

from __future__ import annotations

import os
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
