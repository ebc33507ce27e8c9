"""A project keeps its Ground Truth job: reopened, the panel shows the job's classes and bucket."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

from tests.gui.conftest import wait_for_job


def _exported_record(tmp_path: Path):
    from core.groundtruth.record import JobRecord

    return JobRecord(
        frame_path=str(tmp_path / "frame.bin"),
        frame_format="binary/xyzrgb",
        n_points=1000,
        offset=[0.0, 0.0, 0.0],
        origin="test55.xyz",
        classes=[
            {"id": 0, "name": "table", "color": [31, 119, 180]},
            {"id": 1, "name": "mug", "color": [255, 127, 14]},
        ],  # fmt: skip
        timestamp=0.0,
        created="2026-12-01T10:00:00",
        bucket="tabletop-labels",
        region="eu-west-1",
        path=str(tmp_path / "frame.job.json"),
    )


def test_a_reopened_project_shows_its_groundtruth_job(
    qtbot, main_window, tmp_path, data_dir, dialogs
):
    window = main_window
    scan = Path(shutil.copy(data_dir / "test55.xyz", tmp_path / "test55.xyz"))
    wait_for_job(qtbot, window.open_file(scan))
    record = _exported_record(tmp_path)
    window.projects.extras.groundtruth_job = asdict(record)  # exported, never submitted
    path = tmp_path / "tabletop.dlproj"
    wait_for_job(qtbot, window.projects.save_to(str(path)))

    wait_for_job(qtbot, window.open_file(scan))  # another session: the panel starts clean
    panel = window.panels["Ground Truth"]
    assert panel.form.bucket.text() != "tabletop-labels"
    with qtbot.waitSignal(window.projects.opened, timeout=60_000):
        window.projects.open_project(str(path))
    assert [c.name for c in panel.editor.classes()] == ["table", "mug"]
    assert panel.form.bucket.text() == "tabletop-labels"
    assert window.projects.extras.groundtruth_job["bucket"] == "tabletop-labels"
    assert dialogs == []
