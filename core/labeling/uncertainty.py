"""Where the labels are unsure, and a review queue of the most unsure places.

A sample point stands for its full-cloud members (the index map). When those members
carry different labels after carrying back (KNN votes split at a boundary, hand
corrections), the sample point is unsure: `member_mixing` is the share of its members
outside their majority class. The carry-back methods have their own doubt too, even where
every member got the same label: `vote_disagreement` is how split the KNN vote is at each
sample point, `auto_disagreement` the same for the points auto decides by a vote (in
mixed voxels; pure voxels take their voxel's label, sure by auto's own rule). The queue
groups unsure points into places a camera can jump to, most unsure first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from core.cloud import UNLABELED
from core.progress import CancelFn, ProgressFn, chunked, report

_CHUNK = 4_000_000


@numba.njit(cache=True, nogil=True)
def _count(index_map, codes, counts):  # pragma: no cover - compiled
    for i in range(index_map.shape[0]):
        counts[index_map[i], codes[i]] += 1


def member_mixing(
    index_map: np.ndarray,
    labels_full: np.ndarray,
    n_sample: int,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """How mixed each sample point's members are.

    Parameters
    ----------
    index_map : (N,) int32
        Full point -> sample point.
    labels_full : (N,) uint8 or uint16
        Labels of the full cloud (carried back, corrected); UNLABELED counts as a class.
    n_sample : int

    Returns
    -------
    (M,) float32
        ``1 - (members in the majority class) / members``: 0 when all agree (or no
        members), up to ``1 - 1/C`` for an even split between C classes.
    """
    present = np.flatnonzero(np.bincount(labels_full, minlength=1))
    lut = np.zeros(int(present[-1]) + 1 if len(present) else 1, np.int32)
    lut[present] = np.arange(len(present), dtype=np.int32)
    counts = np.zeros((int(n_sample), max(len(present), 1)), np.int32)
    for part in chunked(len(labels_full), _CHUNK, progress, cancel, "counting member labels"):
        _count(index_map[part], lut[labels_full[part]], counts)
    total = counts.sum(axis=1)
    majority = counts.max(axis=1)
    mixing = np.zeros(int(n_sample), np.float32)
    has = total > 0
    mixing[has] = 1.0 - majority[has] / total[has]
    return mixing


def vote_disagreement(
    sample_xyz: np.ndarray,
    labels_sample: np.ndarray,
    *,
    k: int = 5,
    weights: str = "distance",
    max_distance: float | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """How split the KNN vote is around each sample point: the vote its members get.

    A member lies near, not on, its sample point, so the sample point is one voter among
    its `k` nearest other labeled sample points, weighted as the nearest of them (the
    vote at the point itself would always be sure: it would win outright). The others
    vote as in `core.transfer.transfer_labels_knn` (`weights`, `max_distance`).

    Parameters
    ----------
    sample_xyz : (M, 3) float
    labels_sample : (M,) uint8 or uint16
        `UNLABELED` points do not vote (they are scored from their k nearest voters).

    Returns
    -------
    (M,) float32
        ``1 - (support of the winning class) / (all support)``: 0 for a unanimous vote
        (or no voter), up to ``1 - 1/(k + 1)``.
    """
    labels_sample = np.asarray(labels_sample)
    out = np.zeros(len(labels_sample), np.float32)
    voters = np.flatnonzero(labels_sample != UNLABELED)
    if len(voters) == 0:
        return out
    xyz = np.asarray(sample_xyz, np.float64)
    tree = cKDTree(xyz[voters])
    k = min(int(k), len(voters) - 1) if len(voters) > 1 else 1
    bound = np.inf if max_distance is None else float(max_distance)
    votes = labels_sample[voters].astype(np.int64)
    position = np.full(len(labels_sample), -1, np.int64)
    position[voters] = np.arange(len(voters))
    for part in chunked(len(xyz), _CHUNK // 8, progress, cancel, "weighing the votes"):
        dist, idx = tree.query(xyz[part], k + 1, distance_upper_bound=bound, workers=-1)
        dist, idx = _as_voters(dist.reshape(-1, k + 1), idx.reshape(-1, k + 1), position[part])
        out[part] = _split(dist, idx, votes, weights)
    return out


def _as_voters(dist: np.ndarray, idx: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, k + 1) neighbours -> the voters: a labeled point itself at its nearest other
    voter's distance plus its k others; an unlabeled point's k nearest."""
    dist, idx = dist.copy(), idx.copy()
    rows = np.arange(len(own))
    is_self = idx == own[:, None]
    labeled = own >= 0
    found = is_self.any(axis=1) & labeled
    first_self = np.argmax(is_self, axis=1)
    others = np.where(is_self, np.inf, dist)
    nearest = others.min(axis=1)
    dist[rows[found], first_self[found]] = np.where(
        np.isfinite(nearest[found]), nearest[found], 1.0
    )
    drop_last = ~found  # an unlabeled point (or a self displaced by duplicates) has k + 1 others
    idx[drop_last, -1] = np.iinfo(idx.dtype).max
    dist[drop_last, -1] = np.inf
    return dist, idx


def _split(dist: np.ndarray, idx: np.ndarray, votes: np.ndarray, weights: str) -> np.ndarray:
    """1 - best support / all support of (n, k) neighbours (idx >= len(votes): none)."""
    valid = (idx < len(votes)) & np.isfinite(dist)
    labels = votes[np.where(valid, idx, 0)]
    if weights == "distance":
        with np.errstate(divide="ignore"):
            w = np.where(valid, 1.0 / dist, 0.0)
        exact = (dist == 0) & valid
        hit = exact.any(axis=1)
        w[hit] = exact[hit]  # a sample point at distance 0 wins outright, as in the vote
    else:
        w = valid.astype(np.float64)
    support = np.zeros_like(w)
    for j in range(labels.shape[1]):
        support += (labels == labels[:, j : j + 1]) * w[:, j : j + 1]
    total = w.sum(axis=1)
    best = np.where(valid, support, 0.0).max(axis=1)
    return np.where(total > 0, 1.0 - best / np.maximum(total, 1e-300), 0.0).astype(np.float32)


def auto_disagreement(
    sample_xyz: np.ndarray,
    labels_sample: np.ndarray,
    voxel_size: float | None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """Auto's own doubt per sample point: 0 in pure voxels (auto keeps their label), the
    split of its 5-nearest distance-weighted vote in mixed ones (without a voxel size,
    everywhere). (M,) float32 as `vote_disagreement`."""
    from core.transfer_auto_refine import mixed_samples

    split = vote_disagreement(sample_xyz, labels_sample, progress=progress, cancel=cancel)
    if voxel_size is None or not voxel_size > 0:
        return split
    labels_sample = np.asarray(labels_sample)
    codes = np.where(labels_sample == UNLABELED, -1, labels_sample.astype(np.int64))
    mixed = mixed_samples(np.asarray(sample_xyz, np.float64), codes, float(voxel_size))
    return np.where(mixed, split, 0.0).astype(np.float32)


def mean_per_sample(values: np.ndarray, index_map: np.ndarray, n_sample: int) -> np.ndarray:
    """(M,) float32 mean of a per-full-point value (e.g. 1 - auto's confidence) per sample point."""
    total = np.bincount(index_map, weights=values, minlength=n_sample)
    count = np.bincount(index_map, minlength=n_sample)
    return (total / np.maximum(count, 1)).astype(np.float32)


@dataclass(frozen=True)
class ReviewQueue:
    """Places to review, most unsure first.

    Attributes
    ----------
    centres : (K, 3) float64
        Where to point the camera (the unsure points' weighted centre in the place).
    scores : (K,) float64
        Sum of the unsure points' uncertainty in the place.
    worst : (K,) int64
        The most unsure sample point of each place.
    size : float
        Edge of a place, metres.
    """

    centres: np.ndarray
    scores: np.ndarray
    worst: np.ndarray
    size: float

    def __len__(self) -> int:
        return len(self.scores)


def review_queue(
    sample_xyz: np.ndarray,
    unsure: np.ndarray,
    *,
    size: float = 0.5,
    min_unsure: float = 0.05,
    limit: int | None = None,
) -> ReviewQueue:
    """Group unsure sample points into cubes of `size` metres, ordered by total uncertainty.

    Parameters
    ----------
    sample_xyz : (M, 3) float
    unsure : (M,) float, from `member_mixing` (or any score in [0, 1])
    min_unsure : float
        Points below this are sure enough and not reviewed.
    """
    keep = np.flatnonzero(unsure >= min_unsure)
    if len(keep) == 0:
        return ReviewQueue(np.zeros((0, 3)), np.zeros(0), np.zeros(0, np.int64), float(size))
    xyz = np.asarray(sample_xyz, np.float64)[keep]
    weight = np.asarray(unsure, np.float64)[keep]
    cells = np.floor(xyz / float(size)).astype(np.int64)
    _, place = np.unique(cells, axis=0, return_inverse=True)
    place = place.reshape(-1)
    n = int(place.max()) + 1
    scores = np.bincount(place, weights=weight, minlength=n)
    centres = np.column_stack(
        [np.bincount(place, weights=weight * xyz[:, a], minlength=n) / scores for a in range(3)]
    )
    # The most unsure point of each place: sort by (place, unsure) and take each last.
    order = np.lexsort((weight, place))
    last = np.flatnonzero(np.append(place[order][1:] != place[order][:-1], True))
    worst = keep[order[last]]
    ranked = np.argsort(-scores, kind="stable")[: limit if limit is not None else n]
    return ReviewQueue(centres[ranked], scores[ranked], worst[ranked], float(size))


def points_near(
    xyz: np.ndarray,
    centre: np.ndarray,
    half_size: float,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """(K,) int64 indices of the points within a cube of half-edge `half_size` around `centre`."""
    centre = np.asarray(centre, np.float64)
    found = []
    for part in chunked(len(xyz), _CHUNK, progress, cancel, "points of the place"):
        inside = np.all(np.abs(xyz[part] - centre) <= half_size, axis=1)
        found.append(np.flatnonzero(inside) + part.start)
    report(progress, 1.0)
    return np.concatenate(found) if found else np.zeros(0, np.int64)
