"""Scores: accuracy, IoU and the confusion matrix, by hand on small cases and on a real scan."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, jaccard_score

from core.cloud import UNLABELED
from core.errors import InputError
from core.metrics import crop_tile, evaluate


def test_small_case_by_hand() -> None:
    true = np.array([0, 0, 1, 1, 2, UNLABELED], dtype=np.uint8)
    pred = np.array([0, 1, 1, 1, UNLABELED, 0], dtype=np.uint8)
    scores = evaluate(pred, true)
    assert scores.n_scored == 5
    assert scores.n_unlabeled_predicted == 1
    assert scores.accuracy == pytest.approx(3 / 5)
    assert scores.classes == [0, 1, 2]
    assert scores.per_class_iou == pytest.approx({0: 1 / 2, 1: 2 / 3, 2: 0.0})
    assert scores.miou == pytest.approx((1 / 2 + 2 / 3 + 0) / 3)
    np.testing.assert_array_equal(scores.confusion, [[1, 1, 0], [0, 2, 0], [0, 0, 0]])


def test_matches_sklearn_on_real_labels(data_dir) -> None:
    true = np.loadtxt(data_dir / "test55.labels", dtype=np.int64)
    rng = np.random.default_rng(0)
    pred = np.where(rng.random(len(true)) < 0.1, rng.integers(0, 17, len(true)), true)
    scores = evaluate(pred, true)
    assert scores.accuracy == pytest.approx(np.mean(pred == true))
    classes = sorted(set(true) | set(pred))
    np.testing.assert_array_equal(scores.confusion, confusion_matrix(true, pred, labels=classes))
    iou = jaccard_score(true, pred, labels=classes, average=None)
    assert list(scores.per_class_iou.values()) == pytest.approx(list(iou))
    assert scores.miou == pytest.approx(float(np.mean(iou)))


def test_to_dict_is_json_ready() -> None:
    scores = evaluate(np.array([1, 2, 2]), np.array([1, 2, 1]))
    data = json.loads(json.dumps(scores.to_dict()))
    assert {"accuracy", "miou", "per_class_iou", "confusion", "classes"} <= set(data)
    assert data["per_class_iou"] == {"1": 0.5, "2": 0.5}
    assert data["confusion"] == [[1, 1], [0, 1]]


def test_mask_and_tile() -> None:
    xyz = np.array([[0.0, 0, 0], [1.0, 1, 1], [2.0, 2, 2], [0.5, 3, 0.5]])
    inside = crop_tile(xyz, [0, 0, 0], [1, 1, 1])
    np.testing.assert_array_equal(inside, [True, True, False, False])
    scores = evaluate(np.array([1, 1, 0, 0]), np.array([1, 1, 1, 1]), mask=inside)
    assert scores.n_scored == 2 and scores.accuracy == 1.0
    with pytest.raises(InputError):
        crop_tile(xyz, [1, 1, 1], [0, 0, 0])


def test_given_classes_and_mismatched_lengths() -> None:
    scores = evaluate(np.array([1, 3]), np.array([1, 1]), classes=[1, 2])
    assert scores.classes == [1, 2]
    assert scores.per_class_iou[1] == pytest.approx(0.5)
    assert np.isnan(scores.per_class_iou[2])
    with pytest.raises(InputError):
        evaluate(np.zeros(3), np.zeros(4))
