"""Carrying labels from the labeled sample back to every point of the full cloud."""

from __future__ import annotations

import numba
import numpy as np
from scipy.spatial import cKDTree

from core.cloud import UNLABELED
from core.errors import InputError
from core.knn_cells import FAR, make_rule, query_cells, sort_by_cell, vote_by_cells
from core.knn_prep import codes_to_labels, gather_rows, occupied_cells, scatter_codes, sort_sample
from core.knn_search import ONE_THREAD_UP_TO, SCAN_ALL_UP_TO, few_far
from core.progress import CancelFn, ProgressFn, chunked, report
from core.voxel import corners, ring_knn

WEIGHTS = ("uniform", "distance")
#: Points per query chunk: small enough for a prompt cancel, large enough to keep cores busy.
_QUERY_CHUNK = 400_000


def transfer_labels_map(labels_sample: np.ndarray, index_map: np.ndarray) -> np.ndarray:
    """Labels of the full cloud through the index map: ``labels_sample[index_map]``.

    Parameters
    ----------
    labels_sample : (M,) uint8 or uint16
        One label per sample point.
    index_map : (N,) int
        Row of the sample point that stands for each full point.

    Returns
    -------
    (N,) same dtype as `labels_sample`
    """
    labels_sample = np.asarray(labels_sample)
    index_map = np.asarray(index_map)
    if len(index_map) and (index_map.min() < 0 or index_map.max() >= len(labels_sample)):
        raise InputError(
            f"the index map points past the {len(labels_sample):,} sample labels; "
            "use the labels of the sample this map was made with."
        )
    return labels_sample.take(index_map)


def transfer_labels_knn(
    sample_xyz: np.ndarray,
    labels_sample: np.ndarray,
    full_xyz: np.ndarray,
    *,
    k: int = 3,
    weights: str = "uniform",
    max_distance: float | None = None,
    workers: int = -1,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """Label every full point by a vote of its `k` nearest labeled sample points.

    Sample points labeled `UNLABELED` do not vote. Ties go to the lowest label, as in
    scikit-learn's ``KNeighborsClassifier``; with ``weights="distance"`` a vote weighs
    ``1 / distance`` and a sample point at distance 0 wins outright, again as there.
    The result is exact (the same as a tree search), but most points never get one:
    where every possible voter of a grid cell shares one class, its points take that
    class directly (see `NeighbourGrid`), 10-20x faster than scikit-learn on 2 cores.

    Parameters
    ----------
    sample_xyz : (M, 3) float
    labels_sample : (M,) uint8 or uint16
    full_xyz : (N, 3) float
    k : int
        Number of neighbours that vote.
    weights : {"uniform", "distance"}
    max_distance : float or None
        Neighbours farther than this (metres) do not vote; a point with no voter stays
        `UNLABELED`.
    workers : int
        Threads for the neighbour search (-1 = all cores).

    Returns
    -------
    (N,) same dtype as `labels_sample`
    """
    labels_sample = np.asarray(labels_sample)
    _check_knn_inputs(sample_xyz, labels_sample, full_xyz, k, weights, max_distance)
    labels_full = np.full(len(full_xyz), UNLABELED, dtype=labels_sample.dtype)
    voters = labels_sample != UNLABELED
    if not voters.any() or len(full_xyz) == 0:
        report(progress, 1.0, "no labeled sample points")
        return labels_full
    report(progress, 0.0, "indexing the labeled sample")
    all_vote = bool(voters.all())
    classes, codes = _class_codes(labels_sample if all_vote else labels_sample[voters])
    sample_xyz = np.asarray(sample_xyz, np.float64)
    grid = NeighbourGrid(sample_xyz if all_vote else sample_xyz[voters], codes)
    k_eff = min(int(k), len(codes))
    max_d2 = np.inf if max_distance is None else float(max_distance) ** 2
    most = int(getattr(numba.config, "NUMBA_NUM_THREADS", 1))
    threads = most if workers < 1 else min(int(workers), most)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        won = grid.vote(
            np.ascontiguousarray(full_xyz, dtype=np.float64),
            k_eff,
            max_d2,
            weights,
            progress,
            cancel,
        )
    finally:
        numba.set_num_threads(previous)
    codes_to_labels(won, classes, labels_full.dtype.type(UNLABELED), labels_full)
    return labels_full


def _class_codes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct labels (C,) and the rank (M,) int32 of each label among them."""
    if labels.dtype.kind == "u" and labels.dtype.itemsize <= 2:
        # A lookup table: O(M), where np.unique sorts.
        present = np.flatnonzero(np.bincount(labels, minlength=1))
        table = np.zeros(int(present[-1]) + 1, np.int32)
        table[present] = np.arange(len(present), dtype=np.int32)
        return present.astype(labels.dtype), table[labels]
    classes, codes = np.unique(labels, return_inverse=True)
    return classes, codes.reshape(-1).astype(np.int32)


def _vote(dist: np.ndarray, idx: np.ndarray, codes: np.ndarray, weights: str) -> np.ndarray:
    """Winning class code (n,) int32 from (n, k) neighbour distances and rows (-1 = none).

    Codes are ranks of the sorted labels, so the lowest code is the lowest label; a
    row with no neighbour gets -1.
    """
    valid = idx >= 0
    labels = codes[np.where(valid, idx, 0)].astype(np.int64)
    if weights == "distance":
        with np.errstate(divide="ignore"):
            w = np.where(valid, 1.0 / dist, 0.0)
        exact = (dist == 0) & valid
        hit = exact.any(axis=1)
        w[hit] = exact[hit]
    else:
        w = valid.astype(np.float64)
    # Support of each neighbour's label among the k: O(k^2) per point, any number of classes.
    support = np.zeros_like(w)
    for j in range(labels.shape[1]):
        support += (labels == labels[:, j : j + 1]) * w[:, j : j + 1]
    support[~valid] = -1.0
    best = support.max(axis=1, keepdims=True)
    # Among the labels with the best support, the lowest wins (scikit-learn's tie rule).
    candidates = np.where(support == best, labels, np.iinfo(np.int64).max)
    winner = candidates.min(axis=1)
    winner[~valid.any(axis=1)] = -1
    return winner.astype(np.int32)


def _check_knn_inputs(
    sample_xyz: np.ndarray,
    labels_sample: np.ndarray,
    full_xyz: np.ndarray,
    k: int,
    weights: str,
    max_distance: float | None,
) -> None:
    if len(sample_xyz) != len(labels_sample):
        raise InputError(
            f"there are {len(labels_sample):,} labels for {len(sample_xyz):,} sample points; "
            "use the labels made for this sample."
        )
    for name, xyz in (("sample", sample_xyz), ("full cloud", full_xyz)):
        if np.ndim(xyz) != 2 or np.shape(xyz)[1] != 3:
            raise InputError(f"the {name} points must have shape (N, 3), got {np.shape(xyz)}.")
    if int(k) < 1:
        raise InputError(f"k must be at least 1, got {k}.")
    if weights not in WEIGHTS:
        raise InputError(f"unknown weights {weights!r}; use 'uniform' or 'distance'.")
    if max_distance is not None and not max_distance > 0:
        raise InputError(f"the maximum distance must be positive, got {max_distance}.")


# Nearest-neighbour search on a grid of cells (for carrying labels back): the sample
# sorted into cells, the queries taken cell by cell (see core.knn_cells).


class NeighbourGrid:
    """Sample points sorted into a dense grid of cells, for exact k-nearest-neighbour votes.

    Parameters
    ----------
    xyz : (M, 3) float64
        Sample points.
    codes : (M,) int32
        Class code of each point (0 .. C-1).
    per_cell : float
        Points per occupied cell the cell size aims at.
    """

    #: Cap on dense cells per sample point (memory: 8-12 bytes a cell).
    cells_per_point = 4.0
    #: Cells always allowed, however small the sample. Every cell costs a few passes
    #: (counting sorts of the sample and the queries): a floor of 1e6 cells was 20-40%
    #: of a carry-back from a 44k-point sample (test55), 2e5 halves that part.
    min_cells = 2e5

    def __init__(self, xyz: np.ndarray, codes: np.ndarray, per_cell: float = 1.5) -> None:
        xyz = np.ascontiguousarray(xyz, dtype=np.float64)
        m = len(xyz)
        if m >= 2**31 - 1:
            raise InputError("the sample has over 2 billion points; downsample it further.")
        lo, hi = corners(xyz)
        extent = np.maximum(hi - lo, 1e-9)
        h = float(np.cbrt(np.prod(extent) / m))
        # Scans are surfaces: points per cell grow with the square of the cell size.
        h *= float(np.sqrt(per_cell * occupied_cells(xyz, lo, extent, h) / m))
        # Keep the dense cell arrays within a few times the sample's own size.
        cells = float(np.prod(np.floor(extent / h) + 1))
        limit = max(self.cells_per_point * m, self.min_cells)
        if cells > limit:
            h *= float(np.cbrt(cells / limit)) * 1.01
        self.lo, self.h = lo, h
        self.dims = (np.floor(extent / h) + 1).astype(np.int64)
        codes = np.ascontiguousarray(codes, dtype=np.int32)
        self.starts, self.pts, self.codes = sort_sample(xyz, codes, lo, h, self.dims)
        self._tree: cKDTree | None = None

    def vote(
        self,
        queries: np.ndarray,
        k: int,
        max_d2: float,
        weights: str = "uniform",
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> np.ndarray:
        """Winning class code (n,) int32 of the k-NN vote of each query; -1 = no voter.

        Parameters
        ----------
        queries : (n, 3) float64, C-contiguous
        """
        grid = (self.pts, self.codes, self.starts, self.lo, self.h, self.dims)
        rule = make_rule(self.h, k, max_d2)
        cells = query_cells(queries, self.lo, self.h, self.dims)
        rows, group_cell, group_start = sort_by_cell(cells, int(np.prod(self.dims)))
        del cells
        won = np.full(len(queries), FAR, np.int32)
        # Chunks of about _QUERY_CHUNK queries: progress and a prompt cancel.
        per_chunk = max(1, int(len(group_cell) * _QUERY_CHUNK / max(len(queries), 1)))
        distance = weights == "distance"
        buffer = np.empty((0, 3))
        for part in chunked(len(group_cell), per_chunk, progress, cancel, "carrying labels back"):
            first, last = group_start[part.start], group_start[part.stop]
            # The chunk's queries copied in cell order: the kernel then reads memory in
            # order (25% faster than reaching into the cloud's own order).
            mine = rows[first:last]
            if len(buffer) < len(mine):
                buffer = np.empty((len(mine), 3))
            gather_rows(queries, mine, buffer)
            got = np.empty(len(mine), np.int32)
            starts = group_start[part.start : part.stop + 1] - first
            vote_by_cells(buffer, group_cell[part], starts, grid, rule, distance, got)
            scatter_codes(got, mine, won)
        # Queries outside the grid, or far from every sample point: rings, then a scan.
        hard = np.flatnonzero(won == FAR)
        if len(hard):
            d2, idx = self.knn(queries[hard], k, max_d2)
            won[hard] = _vote(np.sqrt(d2), idx, self.codes, weights)
        return won

    def knn(self, queries: np.ndarray, k: int, max_d2: float) -> tuple[np.ndarray, np.ndarray]:
        """Squared distances (n, k) float64 and rows (n, k) int64 (-1 = none) of the k nearest."""
        d2 = np.empty((len(queries), k))
        rows = np.empty((len(queries), k), np.int64)
        queries = np.ascontiguousarray(queries, dtype=np.float64)
        grid = (self.pts, self.starts, self.lo, self.h, self.dims)
        if len(queries) <= ONE_THREAD_UP_TO:
            few_far(queries, *grid, k, max_d2, False, d2, rows)
        else:
            ring_knn(queries, *grid, k, max_d2, d2, rows)
        far = np.flatnonzero(rows[:, 0] == -2)
        if 0 < len(far) <= SCAN_ALL_UP_TO:
            # A few: a scan of the sample each, cheaper than building a tree.
            far_d2, far_rows = d2[far], rows[far]
            few_far(queries[far], *grid, k, max_d2, True, far_d2, far_rows)
            d2[far], rows[far] = far_d2, far_rows
        elif len(far):
            if self._tree is None:
                self._tree = cKDTree(self.pts, balanced_tree=False, compact_nodes=False)
            bound = np.nextafter(np.sqrt(max_d2), np.inf) if np.isfinite(max_d2) else np.inf
            dist, idx = self._tree.query(queries[far], k=k, distance_upper_bound=bound, workers=-1)
            dist, idx = dist.reshape(len(far), k), idx.reshape(len(far), k)
            missing = (idx >= len(self.pts)) | (dist * dist > max_d2)
            d2[far] = np.where(missing, np.inf, dist * dist)
            rows[far] = np.where(missing, -1, idx)
        return d2, rows
