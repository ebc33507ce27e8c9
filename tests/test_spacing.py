"""core.spacing on real scans: point spacing, voxel ranges and defaults, voxel-count estimates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from core.errors import Cancelled
from core.io import read_cloud
from core.spacing import (
    estimate_voxel_count,
    point_spacing,
    scan_scale,
    voxel_size_for_count,
)
from core.voxel import count_voxels

SCANS = ("test55.xyz", "brighton_small.xyz", "autzen_trim.las", "lone-star.laz")


@pytest.fixture(scope="module", params=SCANS)
def scan(request, data_dir) -> np.ndarray:
    return read_cloud(data_dir / request.param).xyz


def full_median_spacing(xyz: np.ndarray) -> float:
    """Every point's nearest other (non-duplicate) point, the slow way."""
    distances, _ = cKDTree(xyz).query(xyz, k=4)
    nearest = np.where(distances > 0, distances, np.inf).min(axis=1)
    return float(np.median(nearest[np.isfinite(nearest)]))


def test_a_regular_grid_has_its_step_as_spacing():
    step = 0.01
    grid = np.stack(np.meshgrid(np.arange(300), np.arange(300), indexing="ij"), -1).reshape(-1, 2)
    xyz = np.column_stack([grid * step, np.zeros(len(grid))])
    doubled = np.concatenate([xyz, xyz[:1000]])  # duplicates do not make the spacing 0
    assert point_spacing(doubled) == pytest.approx(step)
    # Over `exact_up_to` points it is measured in blocks of space: still the grid's step.
    assert point_spacing(doubled, exact_up_to=20_000) == pytest.approx(step, rel=0.01)


def test_spacing_of_real_scans_matches_a_full_search(scan):
    truth = full_median_spacing(scan)
    assert point_spacing(scan) == pytest.approx(truth, rel=0.05)
    # The path for clouds too big for one tree, forced on a real scan.
    assert point_spacing(scan, exact_up_to=50_000) == pytest.approx(truth, rel=0.12)


def test_default_voxel_thins_every_scan_but_keeps_its_shape(scan):
    scale = scan_scale(scan)
    lo, hi = scale.voxel_range()
    assert lo <= scale.spacing <= scale.default_voxel() < hi
    assert hi >= scale.extent / 5
    kept = count_voxels(scan, scale.default_voxel()) / len(scan)
    # The fixed 5 cm kept 0.33 % of test55 and 100 % of autzen; here every scan is thinned.
    assert 0.15 < kept < 0.65


def test_voxel_count_estimate_from_a_subset_is_close(scan):
    scale = scan_scale(scan)
    subset = scan[np.random.default_rng(0).choice(len(scan), len(scan) // 4, replace=False)]
    for voxel in (scale.default_voxel(), 3 * scale.default_voxel()):
        exact = count_voxels(scan, voxel)
        estimate = estimate_voxel_count(subset, voxel, len(scan))
        assert 0.75 * exact < estimate < 1.35 * exact
        assert estimate >= count_voxels(subset, voxel)  # never below what the subset shows


def test_voxel_size_for_a_target_count(scan):
    scale = scan_scale(scan)
    subset = scan[:: max(len(scan) // 100_000, 1)]
    target = len(scan) // 20
    voxel = voxel_size_for_count(subset, target, len(scan), scale.voxel_range())
    assert 0.8 * target < count_voxels(scan, voxel) < 1.25 * target
    with pytest.raises(Cancelled):
        voxel_size_for_count(subset, target, len(scan), scale.voxel_range(), cancel=lambda: True)


def test_scale_cancels():
    xyz = np.random.default_rng(0).random((500_000, 3))
    with pytest.raises(Cancelled):
        scan_scale(xyz, cancel=lambda: True)
