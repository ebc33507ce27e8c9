"""Issue 9.7: the sweep scores auto too, "Use best" can pick it, and its note follows the state."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import wait_for_job


@pytest.fixture(scope="module")
def test55(data_dir):
    """test55 with its known labels, and a voxel-nearest sample labeled from them."""
    from dataclasses import replace

    from core.downsample import downsample
    from core.io import read_cloud
    from core.labels_io import read_labels

    cloud = read_cloud(data_dir / "test55.xyz")
    cloud = replace(cloud, labels=read_labels(data_dir / "test55.labels", len(cloud)))
    return cloud, downsample(cloud, "voxel-nearest", voxel_size=0.01)


def test_sweep_offers_auto_when_it_is_best(qtbot, main_window, test55):
    from core.carry_back import carry_back
    from core.metrics import evaluate
    from gui.panels.review_sweep import SweepWidget
    from gui.session import DownsampleSettings

    cloud, down = test55
    session = main_window.session
    session.set_cloud(cloud, "test55.xyz")
    sweep = main_window.panels["Labels"].findChild(SweepWidget)
    session.set_truth(None)  # the known labels are loaded below
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.01))
    session.set_sample_labels(down.sample.labels)
    assert "Needs known labels" in sweep.note.text()
    session.set_truth(cloud.labels)  # the known labels were loaded
    assert "Needs" not in sweep.note.text() and sweep.run_button.isEnabled()

    qtbot.mouseClick(sweep.run_button, Qt.MouseButton.LeftButton)
    wait_for_job(qtbot, sweep.job, timeout=120_000)
    settings = [sweep.table.item(r, 0).text() for r in range(sweep.table.rowCount())]
    assert "auto" in settings and "voxel" in settings
    auto = next(row for row in sweep.result.rows if row.method == "auto")
    # The auto row is what carrying back with auto gives on the same points.
    labels, _ = carry_back("auto", cloud, down.sample, down.sample.labels, down.index_map,
                           voxel_size=0.01)  # fmt: skip
    assert auto.miou == pytest.approx(evaluate(labels, cloud.labels).miou, abs=0.01)
    best = max(sweep.result.rows, key=lambda row: row.miou)
    assert sweep.result.best.miou == pytest.approx(best.miou)
    qtbot.mouseClick(sweep.use_best_button, Qt.MouseButton.LeftButton)
    assert session.state.transfer.method == sweep.result.best.method
    assert sweep.result.best.miou >= auto.miou  # "Use best" never makes labels worse
