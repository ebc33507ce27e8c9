"""Carrying labels back with settings chosen from the labeled sample alone (method `auto`).

Points of pure voxels (every sample point within 1.5 voxels carries the same label) take
the map label: exact and cheap. Points of mixed voxels are decided from the full-resolution
points around them (see `core.transfer_auto_refine`). Which way of deciding works best
depends on the scan, and the user has no labels for the full cloud, so the choice is made
by a self-test on the sample: voxelize the labeled sample again at twice the voxel size,
label those coarse voxels by majority (a perfect labeler), carry the labels back to the
sample with every setting, and keep the setting with the fewest errors.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from core.cloud import UNLABELED, PointCloud, in_frame_of
from core.errors import InputError
from core.progress import CancelFn, ProgressFn, check_cancel, report, sub_progress
from core.transfer_auto_carry import carry, majority_labels
from core.transfer_auto_refine import SETTINGS, Setting
from core.transfer_auto_size import estimate_voxel_size

__all__ = ["choose_setting", "majority_labels", "self_test", "transfer_labels_auto"]

#: Fewer labeled sample points than this: no self-test, use knn5.
_MIN_SELF_TEST = 200
_DEFAULT = Setting("knn5")
#: Labeled sample points the self-test looks at, at most (whole tiles of them).
_SELF_TEST_POINTS = 300_000
#: Relative self-test gain a smoothing setting needs over map and knn5 to be chosen.
_MARGIN = 0.05
#: Shifted coarse grids the self-test averages over.
_SHIFTS = 4


def transfer_labels_auto(
    full: PointCloud,
    sample: PointCloud,
    labels_sample: np.ndarray,
    index_map: np.ndarray,
    *,
    voxel_size: float | None = None,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Labels for every full point, deciding inside mixed voxels from the full-resolution points.

    Parameters
    ----------
    full : PointCloud
        The full cloud (N points).
    sample : PointCloud
        The downsampled cloud (M points) the labels belong to.
    labels_sample : (M,) uint8 or uint16
        One label per sample point; `UNLABELED` (255) points do not vote.
    index_map : (N,) int
        Row of the sample point that stands for each full point.
    voxel_size : float, optional
        Voxel edge of the downsample in metres; estimated from the index map if not given.
    seed : int
        Seed of the random thinning of voters (the result is deterministic for a seed).

    Returns
    -------
    labels_full : (N,) same dtype as `labels_sample`
    report : dict
        JSON-ready: the chosen setting, the self-test error of every setting, the voxel
        size used, how many points were refined, and the time taken.
    """
    start = time.perf_counter()
    labels_sample = np.asarray(labels_sample)
    index_map = np.asarray(index_map)
    _check_inputs(full, sample, labels_sample, index_map)
    # Files of one scan are recentred on their own when read: compare in the full cloud's frame.
    sample = in_frame_of(sample, full)
    rng = np.random.default_rng(seed)
    size_source = "given"
    if voxel_size is None:
        voxel_size, exact = estimate_voxel_size(full.xyz, index_map, len(sample), rng)
        size_source = "index map, exact grid" if exact else "index map, estimate"
    size = voxel_size
    if size is None or not size > 0:
        raise InputError(f"the voxel size must be a positive number of metres, got {size}.")
    report(progress, 0.02, "choosing settings on the labeled sample")
    test_errors = self_test(
        sample.xyz,
        labels_sample,
        size,
        rng,
        progress=sub_progress(progress, 0.02, 0.3),
        cancel=cancel,
    )
    chosen = choose_setting(test_errors)
    result, stats = carry(
        full.xyz,
        index_map,
        sample.xyz,
        labels_sample,
        size,
        [chosen],
        rng,
        progress=sub_progress(progress, 0.3, 1.0),
        cancel=cancel,
    )
    report(progress, 1.0, f"labels carried back ({chosen.name})")
    summary = {
        "method": "auto",
        "chosen": chosen.name,
        "sigma_voxels": chosen.sigma,
        "surface_weighting": chosen.surface,
        "voxel_size": float(size),
        "voxel_size_source": size_source,
        "self_test_error": {s.name: round(float(e), 6) for s, e in test_errors.items()},
        **stats,
        "seconds": round(time.perf_counter() - start, 3),
    }
    return result[chosen], summary


def self_test(
    sample_xyz: np.ndarray,
    labels_sample: np.ndarray,
    voxel_size: float,
    rng: np.random.Generator,
    *,
    settings: tuple[Setting, ...] = SETTINGS,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> dict[Setting, float]:
    """Error rate of each setting when the labeled sample is itself downsampled and carried back.

    The labeled sample plays the full cloud, voxels of twice `voxel_size` play the sample,
    each labeled by the majority of its points. Empty if too few sample points are labeled.
    """
    labeled = labels_sample != UNLABELED
    if labeled.sum() < _MIN_SELF_TEST:
        return {}
    xyz = sample_xyz[labeled]
    truth = labels_sample[labeled]
    if len(xyz) > _SELF_TEST_POINTS:
        keep = _random_tiles(xyz, 64 * voxel_size, _SELF_TEST_POINTS, rng)
        xyz, truth = xyz[keep], truth[keep]
    coarse_size = 2.0 * voxel_size
    errors = dict.fromkeys(settings, 0.0)
    # Errors are few (tens to hundreds of sample points): average over shifted grids.
    shifts = [np.zeros(3)] + [rng.random(3) * coarse_size for _ in range(_SHIFTS - 1)]
    for i, shift in enumerate(shifts):
        check_cancel(cancel)
        ids = _grid_ids(xyz, coarse_size, shift)
        n_groups = int(ids.max()) + 1
        counts = np.bincount(ids, minlength=n_groups)[:, None]
        coarse_xyz = np.stack([np.bincount(ids, xyz[:, a], n_groups) for a in range(3)], 1) / counts
        coarse_labels = majority_labels(ids, truth, n_groups)
        got, _ = carry(
            xyz,
            ids,
            coarse_xyz,
            coarse_labels,
            coarse_size,
            list(settings),
            rng,
            progress=sub_progress(progress, i / len(shifts), (i + 1) / len(shifts)),
            cancel=cancel,
        )
        for s, labels in got.items():
            errors[s] += float(np.mean(labels != truth)) / len(shifts)
    return errors


def choose_setting(test_errors: dict[Setting, float]) -> Setting:
    """The setting with the fewest self-test errors, but a smoothing setting only when it
    beats both map and knn5 by `_MARGIN`: a smaller gain is within the self-test's noise,
    and on scans whose voxels are mixed through and through the simple ways do better.
    """
    if not test_errors:
        return _DEFAULT
    simple = {s: e for s, e in test_errors.items() if s.sigma == 0}
    best_simple = min(simple, key=simple.__getitem__) if simple else _DEFAULT
    best = min(test_errors, key=test_errors.__getitem__)
    if best.sigma == 0 or not simple:
        return best
    return best if test_errors[best] <= (1 - _MARGIN) * simple[best_simple] else best_simple


def _random_tiles(xyz: np.ndarray, tile: float, n_max: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the points of random square tiles (edge `tile`), about `n_max` in all.

    Whole tiles, not random points, so the self-test sees boundaries at their real density.
    """
    cells = np.floor((xyz[:, :2] - xyz[:, :2].min(axis=0)) / tile).astype(np.int64)
    ids = np.unique(cells[:, 0] * (cells[:, 1].max() + 1) + cells[:, 1], return_inverse=True)[1]
    ids = ids.ravel()
    counts = np.bincount(ids)
    order = rng.permutation(len(counts))
    chosen = order[: int(np.searchsorted(np.cumsum(counts[order]), n_max)) + 1]
    return np.flatnonzero(np.isin(ids, chosen))


def _grid_ids(xyz: np.ndarray, size: float, shift: np.ndarray) -> np.ndarray:
    """Voxel number (N,) int64 of each point in a grid of edge `size` shifted by `shift`."""
    cells = np.floor((xyz - xyz.min(axis=0) + shift) / size).astype(np.int64)
    dims = cells.max(axis=0) + 1
    keys = (cells[:, 0] * dims[1] + cells[:, 1]) * dims[2] + cells[:, 2]
    return np.unique(keys, return_inverse=True)[1].ravel()


def _check_inputs(
    full: PointCloud, sample: PointCloud, labels_sample: np.ndarray, index_map: np.ndarray
) -> None:
    if len(labels_sample) != len(sample):
        raise InputError(
            f"there are {len(labels_sample):,} labels for {len(sample):,} sample points; "
            "use the labels made for this sample."
        )
    if len(index_map) != len(full):
        raise InputError(
            f"the index map has {len(index_map):,} entries for {len(full):,} points; "
            "use the map made when this cloud was downsampled."
        )
    if len(index_map) and (index_map.min() < 0 or index_map.max() >= len(sample)):
        raise InputError(
            f"the index map points past the {len(sample):,} sample points; "
            "use the map made with this sample."
        )
