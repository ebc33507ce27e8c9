"""Downsampling a cloud for labeling, with a map from every full point to its sample point.

The index map is what makes carrying labels back exact and instant:
``labels_full = labels_sample[index_map]``. For the voxel methods a full point maps to
the sample point of its voxel; for stride and random it maps to the nearest sample point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.cloud import PointCloud
from core.errors import InputError
from core.methods import METHODS, VOXEL_METHODS
from core.progress import CancelFn, ProgressFn, check_cancel, chunked, report, sub_progress
from core.voxel import (
    count_voxels,
    group_voxels,
    nearest_to_centres,
    voxel_mean_colours,
    voxel_means,
)

__all__ = [
    "METHODS",
    "Downsampled",
    "count_voxels",
    "downsample",
    "random_sample",
    "stride",
    "voxel_mean",
    "voxel_nearest",
]

#: Points per nearest-neighbour query chunk: cancel is honoured within a fraction of a second.
_QUERY_CHUNK = 500_000


@dataclass
class Downsampled:
    """A sample of a cloud and where each full point went.

    Attributes
    ----------
    sample : PointCloud
        The downsampled cloud (same offset and source as the full cloud).
    index_map : (N,) int32
        For each full point, the row of the sample point that stands for it.
    method : str
        One of `METHODS`.
    voxel_size : float or None
        Edge of the voxels in metres, for the voxel methods.
    """

    sample: PointCloud
    index_map: np.ndarray
    method: str
    voxel_size: float | None


def downsample(
    cloud: PointCloud,
    method: str,
    *,
    voxel_size: float | None = None,
    target: int | None = None,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Downsampled:
    """Downsample `cloud` by `method` (see `METHODS`).

    The voxel methods need `voxel_size` (metres); stride and random need `target`
    (number of sample points).
    """
    if method in VOXEL_METHODS:
        if voxel_size is None:
            raise InputError(f"the {method} method needs a voxel size; give one in metres.")
        fn = voxel_mean if method == "voxel-mean" else voxel_nearest
        return fn(cloud, voxel_size, progress=progress, cancel=cancel)
    if method in ("stride", "random"):
        if target is None:
            raise InputError(f"the {method} method needs a target number of points; give one.")
        if method == "stride":
            return stride(cloud, target, progress=progress, cancel=cancel)
        return random_sample(cloud, target, seed=seed, progress=progress, cancel=cancel)
    raise InputError(f"unknown downsampling method {method!r}; use one of {', '.join(METHODS)}.")


def voxel_mean(
    cloud: PointCloud,
    voxel_size: float,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Downsampled:
    """One point per occupied voxel: the mean xyz, rgb (rounded) and intensity of its points.

    The sample has no labels (they come from the labeler). Sample points are ordered by
    voxel key, so the result is deterministic.
    """
    report(progress, 0.0, "grouping points by voxel")
    groups = group_voxels(cloud.xyz, voxel_size)
    check_cancel(cancel)
    report(progress, 0.6, "averaging each voxel")
    xyz = voxel_means(groups, cloud.xyz)
    rgb = intensity = None
    if cloud.rgb is not None:
        rgb = voxel_mean_colours(groups, cloud.rgb)
    check_cancel(cancel)
    if cloud.intensity is not None:
        intensity = voxel_means(groups, cloud.intensity).astype(np.float32)
    sample = PointCloud(
        xyz=xyz, rgb=rgb, intensity=intensity, offset=cloud.offset, source=cloud.source
    )
    report(progress, 1.0, "voxel mean done")
    return Downsampled(sample, groups.ids, "voxel-mean", float(voxel_size))


def voxel_nearest(
    cloud: PointCloud,
    voxel_size: float,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Downsampled:
    """One real point per occupied voxel: the one closest to the voxel's mean, all attributes kept.

    Ties go to the point that comes first in the cloud.
    """
    report(progress, 0.0, "grouping points by voxel")
    groups = group_voxels(cloud.xyz, voxel_size)
    check_cancel(cancel)
    report(progress, 0.6, "finding the point nearest each voxel's mean")
    centres = voxel_means(groups, cloud.xyz)
    check_cancel(cancel)
    pick = nearest_to_centres(groups, cloud.xyz, centres)
    report(progress, 1.0, "voxel nearest done")
    return Downsampled(cloud.subset(pick), groups.ids, "voxel-nearest", float(voxel_size))


def stride(
    cloud: PointCloud,
    target: int,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Downsampled:
    """Every ``ceil(N / target)``-th point, as the notebook does (``pc[::step]``)."""
    n = _check_target(cloud, target)
    step = max(math.ceil(n / target), 1)
    pick = np.arange(0, n, step)
    return _with_nearest_map(cloud, pick, "stride", progress, cancel)


def random_sample(
    cloud: PointCloud,
    target: int,
    seed: int = 0,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Downsampled:
    """`target` points drawn without replacement (seeded), kept in their original order."""
    n = _check_target(cloud, target)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(n, size=min(int(target), n), replace=False))
    return _with_nearest_map(cloud, pick, "random", progress, cancel)


def _check_target(cloud: PointCloud, target: int) -> int:
    if len(cloud) == 0:
        raise InputError("the cloud has no points; load a cloud with points first.")
    if target is None or int(target) < 1:
        raise InputError(f"the target number of points must be at least 1, got {target}.")
    return len(cloud)


def _with_nearest_map(
    cloud: PointCloud,
    pick: np.ndarray,
    method: str,
    progress: ProgressFn | None,
    cancel: CancelFn | None,
) -> Downsampled:
    """Sample at `pick` and map every full point to its nearest sample point."""
    report(progress, 0.0, "indexing the sample")
    index_map = nearest_sample(
        cloud.xyz[pick], cloud.xyz, sub_progress(progress, 0.05, 1.0), cancel
    )
    # A picked point is its own nearest sample even when duplicates tie at distance 0.
    index_map[pick] = np.arange(len(pick), dtype=np.int32)
    return Downsampled(cloud.subset(pick), index_map, method, None)


def nearest_sample(
    sample_xyz: np.ndarray,
    full_xyz: np.ndarray,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """Row (N,) int32 of the nearest sample point for every full point (all cores, chunked)."""
    from scipy.spatial import cKDTree  # here: scipy.spatial costs 11 MB to import

    tree = cKDTree(sample_xyz, balanced_tree=False, compact_nodes=False)
    out = np.empty(len(full_xyz), np.int32)
    for part in chunked(len(full_xyz), _QUERY_CHUNK, progress, cancel, "mapping points to sample"):
        out[part] = tree.query(full_xyz[part], k=1, workers=-1)[1]
    return out
