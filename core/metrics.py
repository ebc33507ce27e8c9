"""Scoring carried-back labels against known labels: accuracy, IoU per class, mIoU, confusion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from core.cloud import UNLABELED
from core.errors import InputError


@dataclass
class Scores:
    """How well predicted labels match the known ones.

    Attributes
    ----------
    accuracy : float
        Fraction of scored points whose predicted label is right.
    miou : float
        Mean of `per_class_iou` over the classes present in the truth or the prediction
        (classes in neither, when listed by hand, have NaN IoU and are left out).
    per_class_iou : dict[int, float]
        Intersection over union per class id.
    confusion : (C, C) int64
        ``confusion[i, j]`` = points of true class ``classes[i]`` predicted ``classes[j]``.
        Points predicted `UNLABELED` are counted as wrong but appear in no column.
    classes : list[int]
        Class id of each confusion row and column, ascending.
    n_scored : int
        Points with a known (not `UNLABELED`) true label, inside the mask.
    n_unlabeled_predicted : int
        Scored points the prediction left `UNLABELED`.
    """

    accuracy: float
    miou: float
    per_class_iou: dict[int, float]
    confusion: np.ndarray
    classes: list[int]
    n_scored: int
    n_unlabeled_predicted: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (class ids as string keys, the confusion as nested lists)."""
        return {
            "accuracy": float(self.accuracy),
            "miou": float(self.miou),
            "per_class_iou": {str(c): float(v) for c, v in self.per_class_iou.items()},
            "confusion": self.confusion.tolist(),
            "classes": [int(c) for c in self.classes],
            "n_scored": int(self.n_scored),
            "n_unlabeled_predicted": int(self.n_unlabeled_predicted),
        }


def evaluate(
    predicted: ArrayLike,
    true: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    classes: list[int] | None = None,
) -> Scores:
    """Score `predicted` against `true` labels.

    Parameters
    ----------
    predicted, true : (N,) integer
        Labels per point; `UNLABELED` (255) means no label. Points whose true label is
        `UNLABELED` are not scored; a predicted `UNLABELED` counts as wrong.
    mask : (N,) bool, optional
        Score only these points (e.g. a tile from `crop_tile`).
    classes : list of int, optional
        Classes to report; default: those present in the scored truth or prediction.
    """
    predicted = np.asarray(predicted)
    true = np.asarray(true)
    if predicted.shape != true.shape or predicted.ndim != 1:
        raise InputError(
            f"there are {predicted.size:,} predicted labels for {true.size:,} known labels; "
            "score labels of the same cloud."
        )
    keep = true != UNLABELED
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != true.shape:
            raise InputError(f"the mask has {mask.size:,} entries for {true.size:,} points.")
        keep &= mask
    pred = predicted[keep].astype(np.int64)
    truth = true[keep].astype(np.int64)
    unlabeled_predicted = pred == UNLABELED
    if classes is None:
        ids = np.union1d(np.unique(truth), np.unique(pred[~unlabeled_predicted]))
    else:
        ids = np.unique(np.asarray(classes, dtype=np.int64))
    confusion = _confusion(truth, pred, ids)
    n_scored = int(keep.sum())
    correct = int(np.count_nonzero(pred == truth))
    iou = _iou(confusion, truth, ids)
    per_class = {int(c): float(v) for c, v in zip(ids, iou, strict=True)}
    return Scores(
        accuracy=correct / n_scored if n_scored else float("nan"),
        miou=float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan"),
        per_class_iou=per_class,
        confusion=confusion,
        classes=[int(c) for c in ids],
        n_scored=n_scored,
        n_unlabeled_predicted=int(unlabeled_predicted.sum()),
    )


def _confusion(truth: np.ndarray, pred: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """(C, C) counts of (true, predicted) pairs among `ids`; one bincount over pair codes."""
    c = len(ids)
    if c == 0:
        return np.zeros((0, 0), np.int64)
    ti = np.searchsorted(ids, truth)
    pi = np.searchsorted(ids, pred)
    ok = (ti < c) & (pi < c)
    ok &= (ids[np.minimum(ti, c - 1)] == truth) & (ids[np.minimum(pi, c - 1)] == pred)
    counts = np.bincount(ti[ok] * c + pi[ok], minlength=c * c)
    return counts.reshape(c, c).astype(np.int64)


def _iou(confusion: np.ndarray, truth: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """IoU per class; a point predicted UNLABELED or outside `ids` still counts as a miss."""
    hits = np.diag(confusion).astype(np.float64)
    # True totals come from the truth itself, so misses into no column are not lost.
    true_total = _count_of(truth, ids).astype(np.float64)
    pred_total = confusion.sum(axis=0).astype(np.float64)
    union = true_total + pred_total - hits
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, hits / union, np.nan)


def _count_of(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Occurrences (C,) int64 of each of the sorted `ids` in `values`."""
    if len(ids) == 0:
        return np.zeros(0, np.int64)
    pos = np.searchsorted(ids, values)
    ok = pos < len(ids)
    ok[ok] = ids[pos[ok]] == values[ok]
    return np.bincount(pos[ok], minlength=len(ids)).astype(np.int64)


def crop_tile(xyz: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> np.ndarray:
    """Mask (N,) bool of the points inside the box ``lo <= p <= hi`` (both (3,) float)."""
    xyz = np.asarray(xyz)
    lo = np.asarray(lo, dtype=np.float64).reshape(3)
    hi = np.asarray(hi, dtype=np.float64).reshape(3)
    if np.any(lo > hi):
        raise InputError("the tile's minimum corner is above its maximum; swap them.")
    inside = np.ones(len(xyz), dtype=bool)
    for axis in range(3):
        column = xyz[:, axis]
        inside &= (column >= lo[axis]) & (column <= hi[axis])
    return inside
