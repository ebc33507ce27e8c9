"""Measuring labels in the panel: scores, confusion heat map, wrong points, sweep, report."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.cloud import UNLABELED
from tests.gui.conftest import load_review_scene, voxel_nearest_scene

VOXEL = 0.3


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(30_000, 4, VOXEL)


@pytest.fixture
def review(main_window, tmp_path, monkeypatch, scene):
    """(session, panel) with the scene's own labels as truth and the sample labeled."""
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    session.set_sample_labels(scene[1].sample.labels)
    return session, main_window.panels["Labels"]


def _carry_back_voxel(qtbot, session, panel):
    panel.carry_back.method.setCurrentText("voxel")
    panel.carry_back.run_button.click()
    qtbot.waitUntil(lambda: session.state.labels_full is not None, timeout=30_000)


def test_scores_and_confusion_match_core(qtbot, review, scene):
    from core.metrics import evaluate
    from core.transfer import transfer_labels_map

    session, panel = review
    cloud, down, classes = scene
    metrics = panel.metrics
    assert "Carry the labels back" in metrics.summary.text()
    assert not metrics.save_button.isEnabled()
    _carry_back_voxel(qtbot, session, panel)
    qtbot.waitUntil(lambda: metrics.scores is not None, timeout=30_000)
    expected = evaluate(transfer_labels_map(down.sample.labels, down.index_map), cloud.labels)
    assert metrics.scores.accuracy == pytest.approx(expected.accuracy)
    assert f"{expected.accuracy:.2%}" in metrics.summary.text()
    assert f"{expected.miou:.3f}" in metrics.summary.text()
    table = metrics.confusion
    assert table.rowCount() == len(expected.classes)
    assert table.columnCount() == len(expected.classes) + 1
    names = {c.id: c.name for c in classes}
    assert table.verticalHeaderItem(0).toolTip() == f"known {names[expected.classes[0]]}"
    assert table.item(0, 0).text() == f"{expected.per_class_iou[expected.classes[0]]:.3f}"
    for r in range(table.rowCount()):
        for c in range(table.rowCount()):
            assert int(table.item(r, c + 1).text().replace(",", "")) == expected.confusion[r, c]
    # The diagonal dominates, so its cells are the darkest of their rows.
    diagonal, beside = table.item(0, 1).background().color(), table.item(0, 2).background().color()
    assert diagonal.red() < beside.red()
    metrics.errors_button.click()
    assert session.state.display.color_by == "errors"
    metrics.errors_button.click()
    assert session.state.display.color_by == "labels"


def test_scores_inside_a_tile(qtbot, review, scene):
    from core.metrics import crop_tile, evaluate

    session, panel = review
    cloud, down, _ = scene
    _carry_back_voxel(qtbot, session, panel)
    lo, hi = cloud.bounds()
    tile = (tuple(lo), (float((lo[0] + hi[0]) / 2), float(hi[1]), float(hi[2])))
    session.set_display(replace(session.state.display, tile=tile))
    assert panel.metrics.tile_only.isEnabled()
    panel.metrics.scores = None
    panel.metrics.tile_only.setChecked(True)
    qtbot.waitUntil(lambda: panel.metrics.scores is not None, timeout=30_000)
    mask = crop_tile(cloud.xyz, np.asarray(tile[0]), np.asarray(tile[1]))
    expected = evaluate(session.state.labels_full, cloud.labels, mask=mask)
    assert panel.metrics.scores.n_scored == expected.n_scored < len(cloud)


def test_known_labels_from_a_file(qtbot, review, scene, tmp_path):
    session, panel = review
    cloud, _, _ = scene
    session.set_truth(None)
    assert "No known labels" in panel.metrics.summary.text()
    assert not panel.metrics.sweep.run_button.isEnabled()
    truth = cloud.labels.copy()
    truth[::2] = UNLABELED  # known labels for part of the cloud only
    np.save(tmp_path / "truth.npy", truth)
    panel.metrics.load_truth(str(tmp_path / "truth.npy"))
    qtbot.waitUntil(lambda: session.state.truth_full is not None, timeout=20_000)
    np.testing.assert_array_equal(session.state.truth_full, truth)
    _carry_back_voxel(qtbot, session, panel)
    qtbot.waitUntil(lambda: panel.metrics.scores is not None, timeout=30_000)
    assert panel.metrics.scores.n_scored == int(np.sum(truth != UNLABELED))
    # A file of another length is refused with a dialog; the truth stays.
    np.save(tmp_path / "short.npy", truth[:-5])
    with qtbot.waitSignal(session.error, timeout=20_000):
        panel.metrics.load_truth(str(tmp_path / "short.npy"))
    np.testing.assert_array_equal(session.state.truth_full, truth)


def test_sweep_offers_the_best_setting(qtbot, review):
    session, panel = review
    sweep = panel.metrics.sweep
    assert sweep.run_button.isEnabled(), sweep.note.text()
    assert not sweep.use_best_button.isEnabled()
    sweep.run_button.click()
    qtbot.waitUntil(lambda: sweep.result is not None, timeout=120_000)
    assert sweep.table.rowCount() == 12  # 5 k x 2 weights + the index map + auto
    best = sweep.result.best
    assert best.miou == max(r.miou for r in sweep.result.rows)
    assert best.setting in sweep.note.text()
    bold_rows = [r for r in range(sweep.table.rowCount()) if sweep.table.item(r, 0).font().bold()]
    assert [sweep.table.item(r, 0).text() for r in bold_rows] == [best.setting]
    sweep.use_best_button.click()
    transfer = session.state.transfer
    assert transfer.method == best.method
    if best.method == "knn":
        assert (transfer.k, transfer.weights) == (best.k, best.weights)
        assert panel.carry_back.k.value() == best.k


def test_save_metrics_json_and_csv(qtbot, review, tmp_path):
    from core.report import read_metrics

    session, panel = review
    _carry_back_voxel(qtbot, session, panel)
    qtbot.waitUntil(lambda: panel.metrics.scores is not None, timeout=30_000)
    for suffix in (".json", ".csv"):
        path = tmp_path / f"metrics{suffix}"
        panel.metrics.save_report(str(path))
        data = read_metrics(path)
        assert data["accuracy"] == pytest.approx(panel.metrics.scores.accuracy)
    assert read_metrics(tmp_path / "metrics.json")["extra"]["transfer"]["method"] == "voxel"
