"""Carrying labels back for every setting at once (the work behind `core.transfer_auto`).

Pure voxels take the map label; the full points of mixed voxels get a knn5 vote over the
sample, then each smoothing setting re-decides them from the full-resolution points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from core.cloud import UNLABELED
from core.progress import CancelFn, ProgressFn, check_cancel, report, sub_progress
from core.transfer import transfer_labels_knn
from core.transfer_auto_refine import (
    DECIDERS_PER_VOXEL,
    Setting,
    enforce_majority,
    mixed_samples,
    near_mixed,
    refine,
    thin_per_voxel,
    thin_voters,
)


@dataclass
class _Mixed:
    """The full points of mixed voxels and what is known about them before refining."""

    uncertain: np.ndarray  # (n,) int64 rows in the full cloud
    own: np.ndarray  # (n,) int64 class code of each one's sample point (-1: unlabeled)
    knn: np.ndarray  # (n,) int64 class code voted by the 5 nearest sample points
    current: np.ndarray  # (N,) int64 class code of every full point: map, knn inside mixed


def carry(
    full_xyz: np.ndarray,
    index_map: np.ndarray,
    sample_xyz: np.ndarray,
    labels_sample: np.ndarray,
    voxel_size: float,
    settings: list[Setting],
    rng: np.random.Generator,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[dict[Setting, np.ndarray], dict[str, Any]]:
    """Full labels (N,) (dtype of `labels_sample`) for each setting, and counts for the report.

    Parameters
    ----------
    full_xyz : (N, 3) float64
    index_map : (N,) int
        Sample point of each full point.
    sample_xyz : (M, 3) float64
    labels_sample : (M,) uint8 or uint16
        `UNLABELED` sample points do not vote.
    voxel_size : float
        Voxel edge of the downsample, metres.
    settings : list of Setting
    rng : numpy Generator
        For the thinning of voters.
    """
    classes = np.unique(labels_sample[labels_sample != UNLABELED])
    codes_sample = _encode(labels_sample, classes)
    mixed = mixed_samples(sample_xyz, codes_sample, voxel_size)
    check_cancel(cancel)
    codes = codes_sample[index_map]
    uncertain = np.flatnonzero(mixed[index_map])
    report(progress, 0.05, "voting in mixed voxels")
    # "map" alone needs a vote only where the sample point is unlabeled.
    need = codes[uncertain] < 0
    if any(s.name != "map" for s in settings):
        need[:] = True
    knn = transfer_labels_knn(
        sample_xyz, labels_sample, full_xyz[uncertain[need]], k=5, weights="distance", cancel=cancel
    )
    current = codes.copy()
    current[uncertain[need]] = _encode(knn, classes)
    m = _Mixed(uncertain, codes[uncertain], current[uncertain], current)
    decided: dict[Setting, np.ndarray] = {}
    for s in settings:
        # Full points of unlabeled sample points still need a vote, even with "map".
        decided[s] = np.where(m.own >= 0, m.own, m.knn) if s.name == "map" else m.knn
    smooth = [s for s in settings if s.sigma > 0]
    n_contested = 0
    if smooth:
        band = near_mixed(sample_xyz, mixed, (2.0 * max(s.sigma for s in smooth) + 1) * voxel_size)
        # Where the 5 nearest sample points all carry the own label, every setting keeps it.
        contested = np.flatnonzero(
            contested_points(sample_xyz, codes_sample, full_xyz[uncertain], m.own)
        )
        n_contested = len(contested)
        decided |= _smooth(
            full_xyz, index_map, m, band, contested, len(classes), voxel_size, smooth, rng,
            progress=progress, cancel=cancel,
        )  # fmt: skip
    out = {}
    for s, got in decided.items():
        full_codes = codes.copy()
        full_codes[uncertain] = got
        out[s] = _decode(full_codes, classes, labels_sample.dtype)
    stats = {
        "n_points": int(len(full_xyz)),
        "n_in_mixed_voxels": int(len(uncertain)),
        "n_contested": int(n_contested),
        "n_mixed_sample_points": int(mixed.sum()),
    }
    return out, stats


def _smooth(
    full_xyz: np.ndarray,
    index_map: np.ndarray,
    m: _Mixed,
    band: np.ndarray,
    contested: np.ndarray,
    n_classes: int,
    voxel_size: float,
    settings: list[Setting],
    rng: np.random.Generator,
    *,
    progress: ProgressFn | None,
    cancel: CancelFn | None,
) -> dict[Setting, np.ndarray]:
    """Class codes (n,) of the points of mixed voxels for each smoothing setting."""
    voters = thin_voters(index_map, band, rng)
    voters = voters[m.current[voters] >= 0]
    # In very dense voxels a few dozen points decide; the rest copy the nearest of them.
    deciders = contested[thin_per_voxel(index_map[m.uncertain[contested]], DECIDERS_PER_VOXEL, rng)]
    refined = refine(
        full_xyz[m.uncertain[deciders]],
        full_xyz[voters],
        m.current[voters],
        m.own[deciders],
        n_classes,
        voxel_size,
        settings,
        progress=sub_progress(progress, 0.1, 0.95),
        cancel=cancel,
    )
    nearest = _nearest(full_xyz[m.uncertain[deciders]], full_xyz[m.uncertain[contested]])
    out = {}
    for s, (got_deciders, share_deciders) in refined.items():
        got = m.knn.copy()
        got_contested = got_deciders[nearest]
        got[contested] = np.where(got_contested >= 0, got_contested, m.knn[contested])
        own_share = np.ones(len(m.uncertain))
        own_share[contested] = share_deciders[nearest]
        if s.majority:
            got = enforce_majority(got, m.own, own_share, index_map[m.uncertain])
        out[s] = got
    return out


def _nearest(points: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Index (n,) of the nearest of `points` to each query point (zeros if no points)."""
    if len(points) == 0:
        return np.zeros(len(query), np.int64)
    return cKDTree(points).query(query, 1, workers=-1)[1].astype(np.int64)


def contested_points(
    sample_xyz: np.ndarray,
    codes_sample: np.ndarray,
    query_xyz: np.ndarray,
    own_codes: np.ndarray,
    k: int = 5,
) -> np.ndarray:
    """(n,) bool: not all of the `k` nearest labeled sample points carry the own label."""
    labeled = np.flatnonzero(codes_sample >= 0)
    if len(labeled) == 0:
        return np.ones(len(query_xyz), bool)
    k = min(k, len(labeled))
    _, idx = cKDTree(sample_xyz[labeled]).query(query_xyz, k, workers=-1)
    near = codes_sample[labeled][idx.reshape(len(query_xyz), k)]
    return (near != own_codes[:, None]).any(axis=1) | (own_codes < 0)


def majority_labels(ids: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """Most frequent label (n_groups,) of each group; ties go to the lowest label."""
    classes, codes = np.unique(labels, return_inverse=True)
    key = ids.astype(np.int64) * len(classes) + codes.ravel()
    uniq, counts = np.unique(key, return_counts=True)
    group = uniq // len(classes)
    # Sort by group, then by count descending, then by label ascending: first row wins.
    order = np.lexsort((uniq % len(classes), -counts, group))
    first = np.ones(len(order), bool)
    first[1:] = group[order][1:] != group[order][:-1]
    best = order[first]
    out = np.full(n_groups, UNLABELED, labels.dtype)
    out[group[best]] = classes[uniq[best] % len(classes)]
    return out


def _encode(labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Class code (n,) int64 (row in `classes`) of each label; -1 for unlabeled."""
    codes = np.searchsorted(classes, labels).astype(np.int64)
    codes = np.minimum(codes, max(len(classes) - 1, 0))
    known = (labels != UNLABELED) & (len(classes) > 0)
    if len(classes):
        known &= classes[codes] == labels
    return np.where(known, codes, -1)


def _decode(codes: np.ndarray, classes: np.ndarray, dtype: np.dtype) -> np.ndarray:
    out = np.full(len(codes), UNLABELED, dtype)
    ok = codes >= 0
    out[ok] = classes[codes[ok]]
    return out
