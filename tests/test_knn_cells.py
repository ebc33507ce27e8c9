"""The KNN carry-back's search paths: sparse fringes, far queries, vote ties, the grid setup."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from core.knn_prep import occupied_cells, sort_sample
from core.knn_search import SCAN_ALL_UP_TO
from core.transfer import NeighbourGrid, transfer_labels_knn
from core.voxel import corners, count_voxels
from tests.test_transfer import reference_knn


def fringe_cloud(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dense slab with a sparse haze around it: the haze's neighbours lie many cells away.

    The grid's cells are sized to the slab, so a haze query finds fewer than k points in
    its cell's 3 x 3 x 3 block (rings, then the cells past them), or k points of which a
    closer one may still lie outside the block.
    """
    rng = np.random.default_rng(seed)
    slab = np.column_stack([rng.uniform(0, 2, 20_000), rng.uniform(0, 2, 20_000)])
    slab = np.column_stack([slab, rng.normal(0, 0.003, 20_000)])
    haze = rng.uniform([-0.5, -0.5, 0.05], [2.5, 2.5, 1.5], size=(400, 3))
    sample = np.vstack([slab, haze])
    labels = rng.integers(0, 5, len(sample)).astype(np.uint8)
    near_haze = haze[rng.integers(0, len(haze), 3000)] + rng.normal(0, 0.05, (3000, 3))
    full = np.vstack([slab[::7] + rng.normal(0, 0.004, (len(slab[::7]), 3)), near_haze])
    return sample, labels, full


@pytest.mark.parametrize(
    ("k", "weights", "max_distance"),
    [(3, "uniform", None), (4, "uniform", None), (5, "distance", None), (3, "uniform", 0.12)],
)
def test_sparse_fringes_match_a_tree_and_a_plain_vote(k, weights, max_distance) -> None:
    sample, labels, full = fringe_cloud(seed=k)
    ours = transfer_labels_knn(
        sample, labels, full, k=k, weights=weights, max_distance=max_distance
    )
    expected = reference_knn(sample, labels, full, k, weights, max_distance)
    np.testing.assert_array_equal(ours, expected)
    # The haze really is sparse: most of its queries' k-th neighbours lie beyond their block.
    grid = NeighbourGrid(sample, labels.astype(np.int32))
    kth = cKDTree(sample).query(full[-3000:], k=k)[0][:, -1]
    assert np.mean(kth > grid.h) > 0.5


@pytest.mark.parametrize("n_far", [3, SCAN_ALL_UP_TO + 40])
def test_queries_far_from_the_sample_get_the_nearest_labels(n_far: int) -> None:
    """Queries dozens of cells from every sample point: a full scan when few, a tree when many."""
    rng = np.random.default_rng(n_far)
    sample = rng.uniform(0, 1, size=(5000, 3))
    labels = rng.integers(0, 7, len(sample)).astype(np.uint16)
    far = rng.uniform(0, 1, size=(n_far, 3)) + np.array([30.0, -20.0, 5.0]) * rng.random((n_far, 1))
    # Inside the grid too: a hole in the middle of a dense sample, wider than the rings reach.
    hole = np.linalg.norm(sample - 0.5, axis=1) > 0.45
    sample, labels = sample[hole], labels[hole]
    full = np.vstack([far, np.full((n_far, 3), 0.5) + rng.normal(0, 0.01, (n_far, 3))])
    for k in (1, 3):
        ours = transfer_labels_knn(sample, labels, full, k=k)
        np.testing.assert_array_equal(ours, reference_knn(sample, labels, full, k, "uniform", None))


def test_vote_ties_go_to_the_lowest_label() -> None:
    """k = 2 and k = 4 split evenly half the time: the lowest label wins, as in scikit-learn."""
    rng = np.random.default_rng(11)
    sample = rng.uniform(0, 1, size=(3000, 3))
    labels = rng.choice(np.array([9, 4, 6], np.uint8), len(sample))
    full = rng.uniform(0, 1, size=(20_000, 3))
    for k in (2, 4):
        ours = transfer_labels_knn(sample, labels, full, k=k)
        idx = cKDTree(sample).query(full, k=k)[1]
        votes = labels[idx]
        split = (votes[:, :1] != votes).any(axis=1)
        assert split.mean() > 0.3
        np.testing.assert_array_equal(ours, reference_knn(sample, labels, full, k, "uniform", None))
    # Two voters at once, one each side: 4 beats 9 though 9 is closer.
    two = np.array([[0.0, 0, 0], [1.0, 0, 0]])
    out = transfer_labels_knn(two, np.array([9, 4], np.uint8), np.array([[0.4, 0, 0]]), k=2)
    np.testing.assert_array_equal(out, [4])


def test_many_queries_in_a_cell_and_one_alone_agree() -> None:
    """A cell's queries are searched through its copied block, a lone query straight from the
    grid: the same point gets the same label either way."""
    rng = np.random.default_rng(5)
    sample = rng.uniform(0, 1, size=(4000, 3))
    labels = rng.integers(0, 3, len(sample)).astype(np.uint8)
    probe = rng.uniform(0, 1, size=(200, 3))
    crowd = np.repeat(probe, 40, axis=0) + rng.normal(0, 1e-4, (8000, 3))
    alone = transfer_labels_knn(sample, labels, probe, k=3)
    crowded = transfer_labels_knn(sample, labels, np.vstack([probe, crowd]), k=3)
    np.testing.assert_array_equal(crowded[: len(probe)], alone)
    np.testing.assert_array_equal(alone, reference_knn(sample, labels, probe, 3, "uniform", None))


@pytest.mark.parametrize("flat", [False, True])
def test_grid_setup_counts_and_sorts_like_the_voxel_code(flat: bool) -> None:
    rng = np.random.default_rng(2)
    xyz = rng.normal(size=(3000, 3)) * ([1.0, 2.0, 0.0] if flat else [1.0, 2.0, 0.5])
    lo, hi = corners(xyz)
    extent = np.maximum(hi - lo, 1e-9)
    for h in (0.05, 0.3, 1.0):
        assert occupied_cells(xyz, lo, extent, h) == count_voxels(xyz, h)
    h = 0.2
    dims = (np.floor(extent / h) + 1).astype(np.int64)
    codes = rng.integers(0, 9, len(xyz)).astype(np.int32)
    starts, pts, sorted_codes = sort_sample(xyz, codes, lo, h, dims)
    # The reference in plain numpy: clamped flat cells, a stable sort, counts per cell.
    ijk = np.minimum(np.floor((xyz - lo) / h).astype(np.int64), dims - 1)
    cell = (ijk[:, 0] * dims[1] + ijk[:, 1]) * dims[2] + ijk[:, 2]
    order = np.argsort(cell, kind="stable")
    counts = np.bincount(cell, minlength=int(np.prod(dims)))
    expected_starts = np.concatenate([[0], np.cumsum(counts)])
    np.testing.assert_array_equal(starts, expected_starts)
    np.testing.assert_array_equal(pts, xyz[order])
    np.testing.assert_array_equal(sorted_codes, codes[order])
