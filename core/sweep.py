"""Which carry-back setting suits this cloud: a sweep over k and weights on the labeled part.

When some full-resolution points have known labels (the file was labeled, or the user loaded
labels for a tile), every setting is scored on those points only, so the user can pick the
best one before carrying labels to the whole cloud.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from core.cloud import UNLABELED
from core.errors import InputError
from core.progress import CancelFn, ProgressFn, check_cancel, report, sub_progress

#: Neighbour counts and weightings tried by default.
SWEEP_K: tuple[int, ...] = (1, 3, 5, 8, 12)
SWEEP_WEIGHTS: tuple[str, ...] = ("uniform", "distance")


@dataclass(frozen=True)
class SweepRow:
    """One carry-back setting and its scores on the labeled part.

    `method` is "knn" or "voxel" (the index map; `k` and `weights` are then None).
    """

    method: str
    k: int | None
    weights: str | None
    accuracy: float
    miou: float
    n_scored: int

    @property
    def setting(self) -> str:
        """The setting in the user's words, e.g. 'knn k=5 distance'."""
        if self.method != "knn":
            return self.method
        return f"knn k={self.k} {self.weights}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class SweepResult:
    """All rows of a sweep, in the order tried, and the best of them (highest mIoU)."""

    rows: list[SweepRow]
    best: SweepRow
    n_points: int  # labeled full points scored (after the cap)


def labeled_part(
    truth_full: np.ndarray,
    mask: np.ndarray | None = None,
    max_points: int | None = 200_000,
    seed: int = 0,
) -> np.ndarray:
    """Indices of the full points to score: truth known, inside `mask`, at most `max_points`.

    Parameters
    ----------
    truth_full : (N,) integer array
        Known labels; UNLABELED points are left out.
    mask : (N,) bool or None
        A tile or any other part of the cloud to restrict to.
    max_points : int or None
        A seeded random subset keeps the sweep fast on 20M-point clouds; the
        ranking of settings is stable well below that.

    Returns
    -------
    (M,) int64, sorted
    """
    keep = truth_full != UNLABELED
    if mask is not None:
        keep &= mask
    index = np.flatnonzero(keep)
    if max_points is not None and len(index) > max_points:
        rng = np.random.default_rng(seed)
        index = np.sort(rng.choice(index, size=max_points, replace=False))
    return index


def sweep_transfer(
    sample_xyz: np.ndarray,
    labels_sample: np.ndarray,
    full_xyz: np.ndarray,
    truth_full: np.ndarray,
    *,
    index_map: np.ndarray | None = None,
    ks: tuple[int, ...] = SWEEP_K,
    weights: tuple[str, ...] = SWEEP_WEIGHTS,
    max_distance: float | None = None,
    mask: np.ndarray | None = None,
    max_points: int | None = 200_000,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> SweepResult:
    """Score every (k, weights) of KNN, and the index map if given, on the labeled part.

    Parameters
    ----------
    sample_xyz : (M, 3) float64
    labels_sample : (M,) uint8 or uint16
    full_xyz : (N, 3) float64
    truth_full : (N,) uint8 or uint16
        Known labels of the full cloud; UNLABELED where unknown.
    index_map : (N,) int32 or None
        Sample row standing for each full point; adds a "voxel" row when given.
    mask : (N,) bool or None
        Score only inside this part (e.g. a tile).

    Raises
    ------
    InputError
        No full point has a known label (inside the mask).
    """
    from core.metrics import evaluate
    from core.transfer import transfer_labels_knn, transfer_labels_map

    part = labeled_part(truth_full, mask, max_points)
    if len(part) == 0:
        raise InputError("no point of the full cloud has a known label here; load known labels.")
    truth = truth_full[part]
    # Scores over the same class list keep rows comparable when a setting misses a class.
    classes = sorted(int(c) for c in np.unique(truth))
    settings: list[tuple[str, int | None, str | None]] = [
        ("knn", k, w) for k in ks for w in weights
    ]
    if index_map is not None:
        settings.append(("voxel", None, None))
    rows = []
    for i, (method, k, weight) in enumerate(settings):
        check_cancel(cancel)
        report(progress, i / len(settings), f"scoring {method} {k or ''} {weight or ''}".strip())
        if method == "voxel":
            assert index_map is not None
            predicted = transfer_labels_map(labels_sample, index_map[part])
        else:
            assert k is not None and weight is not None
            predicted = transfer_labels_knn(
                sample_xyz,
                labels_sample,
                full_xyz[part],
                k=k,
                weights=weight,
                max_distance=max_distance,
                progress=sub_progress(progress, i / len(settings), (i + 1) / len(settings)),
                cancel=cancel,
            )
        scores = evaluate(predicted, truth, classes=classes)
        rows.append(
            SweepRow(method, k, weight, float(scores.accuracy), float(scores.miou), len(part))
        )
    report(progress, 1.0, "sweep done")
    return SweepResult(rows=rows, best=best_row(rows), n_points=len(part))


def best_row(rows: list[SweepRow]) -> SweepRow:
    """The row with the highest mIoU; ties go to higher accuracy, then fewer neighbours."""
    if not rows:
        raise ValueError("no rows to choose from")
    return max(rows, key=lambda r: (round(r.miou, 9), round(r.accuracy, 9), -(r.k or 0)))
