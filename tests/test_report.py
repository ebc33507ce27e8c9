"""Metrics reports: written atomically, read back unchanged, counts as a user would count."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.classes import read_classes
from core.cloud import UNLABELED
from core.errors import InputError
from core.report import label_counts, read_metrics, write_metrics, write_sweep


@pytest.fixture(scope="module")
def brighton_scores(data_dir):
    """Scores of a noisy copy of the real brighton labels against the originals."""
    from core.labels_io import read_labels
    from core.metrics import evaluate

    truth = read_labels(data_dir / "brighton_small.labels")
    rng = np.random.default_rng(1)
    predicted = truth.copy()
    flip = rng.random(len(truth)) < 0.05
    predicted[flip] = rng.choice(np.array([0, 2, 3, 6], dtype=truth.dtype), int(flip.sum()))
    predicted[:100] = UNLABELED
    classes = read_classes(data_dir / "brighton_small.classes.txt")
    return evaluate(predicted, truth), classes


def test_label_counts_match_numpy(data_dir):
    from core.labels_io import read_labels

    labels = read_labels(data_dir / "brighton_small.labels")
    ids, counts = np.unique(labels, return_counts=True)
    assert label_counts(labels) == dict(zip(ids.tolist(), counts.tolist(), strict=True))
    assert sum(label_counts(labels).values()) == 401_286


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_metrics_round_trip(brighton_scores, tmp_path, suffix):
    scores, classes = brighton_scores
    path = tmp_path / f"metrics{suffix}"
    write_metrics(path, scores, classes=classes, extra={"method": "knn", "k": 5})
    data = read_metrics(path)
    assert data["accuracy"] == pytest.approx(scores.accuracy)
    assert data["miou"] == pytest.approx(scores.miou)
    assert data["n_scored"] == scores.n_scored == 401_286
    assert data["n_unlabeled_predicted"] == 100
    assert data["confusion"]["classes"] == list(scores.classes)
    np.testing.assert_array_equal(data["confusion"]["matrix"], scores.confusion)
    by_id = {row["id"]: row for row in data["classes"]}
    assert by_id[6]["name"] == "building"
    for class_id, iou in scores.per_class_iou.items():
        assert by_id[class_id]["iou"] == pytest.approx(iou)
    if suffix == ".json":
        assert data["extra"] == {"method": "knn", "k": 5}
    assert not list(tmp_path.glob(".*part"))  # no temporary left behind


def test_metrics_refuses_other_extensions(brighton_scores, tmp_path):
    with pytest.raises(InputError, match=".json or .csv"):
        write_metrics(tmp_path / "m.txt", brighton_scores[0])


def test_junk_report_is_an_input_error(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a DenseLabel metrics report"):
        read_metrics(path)


def test_write_sweep(tmp_path):
    from core.sweep import SweepResult, SweepRow

    rows = [
        SweepRow("knn", 3, "uniform", 0.9, 0.7, 10),
        SweepRow("knn", 5, "distance", 0.95, 0.8, 10),
    ]
    result = SweepResult(rows=rows, best=rows[1], n_points=10)
    write_sweep(tmp_path / "s.json", result)
    data = json.loads((tmp_path / "s.json").read_text())
    assert [r["best"] for r in data["rows"]] == [False, True]
    write_sweep(tmp_path / "s.csv", result)
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[0] == "method,k,weights,accuracy,miou,n_scored,best"
    assert lines[2].endswith(",True")


def test_label_counts_equal_numpys_on_a_real_label_file(data_dir):
    """The legend's counts (a histogram per thread for uint8/uint16 labels) are exact."""
    from core.labels_io import read_labels

    labels = read_labels(data_dir / "test55.labels", 175_178)
    for values in (labels.astype(np.uint8), labels.astype(np.uint16) * 300, labels.astype(int)):
        ids, counts = np.unique(values, return_counts=True)
        assert label_counts(values) == {int(i): int(n) for i, n in zip(ids, counts, strict=True)}
    assert label_counts(np.array([], np.uint8)) == {}
