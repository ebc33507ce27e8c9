"""The scale of a scan: its point spacing and extent, and voxel sizes that suit it.

A Kinect table top has points 1.5 mm apart, an aerial LiDAR tile one metre apart: one fixed
voxel range (and one default) cannot suit both, so the window derives them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from core.progress import CancelFn, ProgressFn, check_cancel, report
from core.voxel import group_voxels

#: Points whose nearest neighbour is measured; the median of 10,000 is stable to ~1 %.
QUERIES = 10_000
#: Up to this many points the spacing is measured on every point (a tree in ~0.2 s).
EXACT_UP_TO = 400_000
#: Blocks of space a bigger cloud is measured in.
BLOCKS = 24
#: Default voxel edge in point spacings: a scan keeps roughly a third of its points.
DEFAULT_SPACINGS = 3.0


@dataclass(frozen=True)
class ScanScale:
    """How far apart a scan's points are and how big it is, in metres."""

    spacing: float  # median distance from a point to its nearest neighbour
    extent: float  # the longest side of the bounding box

    def voxel_range(self) -> tuple[float, float]:
        """Smallest and largest voxel edge worth offering (metres), both "nice" numbers.

        From half the spacing (keeps every point) to a fifth of the extent (a handful of
        voxels across the scan).
        """
        lo = _nice_floor(max(self.spacing / 2, 1e-4))
        hi = _nice_ceil(max(self.extent / 5, lo * 100))
        return lo, hi

    def default_voxel(self) -> float:
        """A first voxel edge that visibly thins the cloud without losing its shape."""
        lo, hi = self.voxel_range()
        return float(min(max(_nice_round(DEFAULT_SPACINGS * self.spacing), lo), hi))


def scan_scale(
    xyz: np.ndarray,
    seed: int = 0,
    exact_up_to: int = EXACT_UP_TO,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ScanScale:
    """Point spacing and extent of (N, 3) `xyz`; see `point_spacing`."""
    extent = float(np.ptp(xyz, axis=0).max()) if len(xyz) else 0.0
    spacing = point_spacing(xyz, seed, exact_up_to, progress, cancel)
    return ScanScale(spacing=spacing or max(extent / 1000, 1e-3), extent=extent)


def point_spacing(
    xyz: np.ndarray,
    seed: int = 0,
    exact_up_to: int = EXACT_UP_TO,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> float:
    """Median nearest-neighbour distance of (N, 3) float `xyz`, in its units; 0.0 if unknown.

    Up to `exact_up_to` points it is measured for `QUERIES` random points against every
    point. A bigger cloud is measured the same way inside a few whole blocks of space
    (the blocks holding random points, so dense parts count as much as they hold): every
    point of a block is kept, so the spacing is the cloud's own, not a thinned subset's.
    Duplicated points (distance 0) are left out.
    """
    n = len(xyz)
    if n < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    if n <= exact_up_to:
        return _median_nn(xyz, rng, progress, cancel)
    return _median_nn(_blocks(xyz, rng, exact_up_to, cancel), rng, progress, cancel)


def _blocks(
    xyz: np.ndarray, rng: np.random.Generator, most: int, cancel: CancelFn | None
) -> np.ndarray:
    """Every point of `BLOCKS` cubes around random points, at most about `most` points."""
    lo = xyz.min(axis=0)
    edge = float(np.ptp(xyz, axis=0).max()) / 16 or 1.0
    seeds = xyz[rng.choice(len(xyz), BLOCKS, replace=False)]
    # Choose the block size on a random subset (cheap), then take the blocks in one pass.
    probe = xyz[rng.choice(len(xyz), min(len(xyz), 200_000), replace=False)]
    scale = len(xyz) / len(probe)
    for _ in range(12):
        inside = np.isin(_cell_keys(probe, lo, edge), _cell_keys(seeds, lo, edge))
        if inside.sum() * scale <= most:
            break
        edge /= 2
    check_cancel(cancel)
    return xyz[np.isin(_cell_keys(xyz, lo, edge), _cell_keys(seeds, lo, edge))]


def _cell_keys(xyz: np.ndarray, lo: np.ndarray, edge: float) -> np.ndarray:
    cells = ((xyz - lo) / edge).astype(np.int64)
    return (cells[:, 0] << 42) + (cells[:, 1] << 21) + cells[:, 2]


def _median_nn(
    xyz: np.ndarray, rng: np.random.Generator, progress: ProgressFn | None, cancel: CancelFn | None
) -> float:
    report(progress, 0.0, "measuring the point spacing")
    tree = cKDTree(np.asarray(xyz, dtype=np.float64))
    check_cancel(cancel)
    queries = xyz[rng.choice(len(xyz), min(QUERIES, len(xyz)), replace=False)]
    # k=4 finds the first neighbour that is not a duplicate in most clouds.
    distances, _ = tree.query(queries, k=4)
    report(progress, 1.0, "measuring the point spacing")
    positive = np.where(distances > 0, distances, np.inf).min(axis=1)
    positive = positive[np.isfinite(positive)]
    return float(np.median(positive)) if len(positive) else 0.0


def estimate_voxel_count(subset: np.ndarray, voxel_size: float, n_full: int) -> int:
    """Occupied voxels of the full cloud, estimated from a random (M, 3) `subset` of it.

    Counting a subset's voxels misses voxels none of its points fell in (5x too few at
    fine voxels); Chao's estimator adds them back from how many voxels hold one or two
    subset points. Never below the subset's count, never above `n_full`.
    """
    counts = group_voxels(np.asarray(subset, dtype=np.float64), voxel_size).counts
    seen = len(counts)
    if len(subset) >= n_full:
        return seen
    ones, twos = int((counts == 1).sum()), int((counts == 2).sum())
    unseen = ones * ones / (2 * twos) if twos else ones * (ones - 1) / 2
    return int(min(max(seen + unseen, seen), n_full))


def voxel_size_for_count(
    subset: np.ndarray,
    target: int,
    n_full: int,
    bounds: tuple[float, float],
    cancel: CancelFn | None = None,
) -> float:
    """The voxel edge (metres) whose estimated sample has about `target` points.

    A bisection on a log scale within `bounds` over `estimate_voxel_count` (which falls as
    the voxel grows); 14 steps narrow a 1000x range to 0.05 %.
    """
    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    if estimate_voxel_count(subset, bounds[0], n_full) <= target:
        return bounds[0]
    for _ in range(14):
        check_cancel(cancel)
        mid = (lo + hi) / 2
        if estimate_voxel_count(subset, math.exp(mid), n_full) > target:
            lo = mid
        else:
            hi = mid
    return float(math.exp(hi))


def _nice_floor(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above `value`."""
    power = 10 ** math.floor(math.log10(value))
    return max(m * power for m in (1, 2, 5) if m * power <= value * (1 + 1e-9))


def _nice_ceil(value: float) -> float:
    power = 10 ** math.floor(math.log10(value))
    return min(m * power for m in (1, 2, 5, 10) if m * power >= value * (1 - 1e-9))


def _nice_round(value: float) -> float:
    """`value` to two significant digits (2.37 mm -> 2.4 mm), as a user would type it."""
    return float(f"{value:.2g}")
