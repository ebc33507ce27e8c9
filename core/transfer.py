"""Carrying labels from the labeled sample back to every point of the full cloud."""

from __future__ import annotations

import numba
import numpy as np
from scipy.spatial import cKDTree

from core.cloud import UNLABELED
from core.errors import InputError
from core.progress import CancelFn, ProgressFn, chunked, report
from core.voxel import cell_of, cells_of, corners, count_voxels, counting_sort, offer, ring_knn

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
        for part in chunked(len(full_xyz), _QUERY_CHUNK, progress, cancel, "carrying labels back"):
            queries = np.ascontiguousarray(full_xyz[part], dtype=np.float64)
            won = grid.pure_codes(queries, k_eff, max_d2, sweep=len(full_xyz) >= len(codes))
            hard = np.flatnonzero(won == -1)
            if len(hard):
                d2, idx = grid.knn(queries[hard], k_eff, max_d2)
                won[hard] = _vote(np.sqrt(d2), idx, grid.codes, weights)
            labels_full[part] = np.where(won >= 0, classes[np.maximum(won, 0)], UNLABELED)
    finally:
        numba.set_num_threads(previous)
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


# Nearest-neighbour search on a grid of cells (for carrying labels back).
#
# Most full points sit well inside one class. For a query cell whose surrounding block
# of (2R+1)^3 cells holds sample points of a single class, and at least k of them close
# enough to every point of the cell, the vote is known without any distance per point:
# a few nanoseconds per point instead of a tree search. Only the remaining points
# (near class boundaries) get an exact search, ring by ring around their cell.

_UNKNOWN = -2
_HARD = -1
#: Certainly no voter within max_distance: the point stays unlabeled.
_NONE = -3
_R = 2
#: A hard cell is split into _SPLIT^3 smaller boxes: their voters are fewer, so purer.
_SPLIT = 2


@numba.njit(cache=True, nogil=True)
def _box_verdict(grid, rule, ix, iy, iz, low, size, bound, unused):  # pragma: no cover
    """The class code every query in a box gets, or _HARD when that is not certain.

    The box (corner `low`, edge `size`) lies in cell (ix, iy, iz). The farthest point of
    the box from a sample point p bounds p's distance to any query in it, so the k-th
    smallest such bound, U, bounds every query's k-th neighbour distance. Only sample
    points within U of the box can vote; if they all share one class, it wins. Points
    outside the block of (2R + 1)^3 cells are at least R * h >= U away.
    """
    pts, codes, starts, lo, h, dims = grid
    k, reach2, max_d2 = rule
    ny, nz = dims[1], dims[2]
    bound[:] = np.inf
    # Any k points give a valid bound. The cell's own points make it tightest (their far
    # corner is at most sqrt(3) h away); the 3^3 neighbours help only when it has < k.
    close = 0
    here = (ix * ny + iy) * nz + iz
    for p in range(starts[here], starts[here + 1]):
        d2 = _box2(pts, p, low, size, True)
        if d2 <= reach2:
            close = offer(d2, p, bound, unused, close, k)
    if close < k:
        close = 0
        bound[:] = np.inf
        for jx in range(max(ix - 1, 0), min(ix + 1, dims[0] - 1) + 1):
            for jy in range(max(iy - 1, 0), min(iy + 1, ny - 1) + 1):
                base = (jx * ny + jy) * nz
                for p in range(
                    starts[base + max(iz - 1, 0)], starts[base + min(iz + 1, nz - 1) + 1]
                ):
                    d2 = _box2(pts, p, low, size, True)
                    if d2 <= reach2:
                        close = offer(d2, p, bound, unused, close, k)
    if close >= k:
        limit2 = bound[k - 1]
    elif max_d2 <= (_R * h) ** 2:
        # Fewer than k voters within max_distance: all within it may vote, none beyond.
        limit2 = max_d2
    else:
        return _HARD
    label = _NONE
    for jx in range(max(ix - _R, 0), min(ix + _R, dims[0] - 1) + 1):
        gap_x = max(abs(jx - ix) - 1, 0) * h
        for jy in range(max(iy - _R, 0), min(iy + _R, ny - 1) + 1):
            # Cells farther from this cell than the bound cannot hold a voter.
            gap2 = gap_x**2 + (max(abs(jy - iy) - 1, 0) * h) ** 2
            if gap2 > limit2:
                continue
            dz = min(np.int64(np.sqrt(limit2 - gap2) / h) + 1, _R)
            base = (jx * ny + jy) * nz
            for p in range(starts[base + max(iz - dz, 0)], starts[base + min(iz + dz, nz - 1) + 1]):
                if codes[p] != label and _box2(pts, p, low, size, False) <= limit2:
                    if label >= 0:
                        return _HARD
                    label = codes[p]
    if label >= 0 and close == 0:
        # Some queries of the box may reach that voter and others none.
        return _HARD
    return label


@numba.njit(cache=True, nogil=True, inline="always")
def _box2(pts, p, low, size, far):  # pragma: no cover - compiled
    """Squared distance from point p to the farthest (or nearest) point of a box."""
    d2 = 0.0
    for a in range(3):
        v = pts[p, a]
        if far:
            gap = max(abs(v - low[a]), abs(low[a] + size - v))
        else:
            gap = max(0.0, low[a] - v, v - low[a] - size)
        d2 += gap * gap
    return d2


@numba.njit(cache=True, nogil=True)
def _corner(grid, ix, iy, iz):  # pragma: no cover - compiled
    lo, h = grid[3], grid[4]
    return np.array([lo[0] + ix * h, lo[1] + iy * h, lo[2] + iz * h])


@numba.njit(parallel=True, cache=True, nogil=True)
def _pure_pass(queries, grid, rule, verdict, slot, parts, out):  # pragma: no cover
    """Certain class codes of queries; a hard cell is split into smaller boxes, decided alike."""
    lo, h, dims = grid[3], grid[4], grid[5]
    k = rule[0]
    for i in numba.prange(queries.shape[0]):
        ix = cell_of(queries[i, 0], lo[0], h)
        iy = cell_of(queries[i, 1], lo[1], h)
        iz = cell_of(queries[i, 2], lo[2], h)
        if not (0 <= ix < dims[0] and 0 <= iy < dims[1] and 0 <= iz < dims[2]):
            out[i] = _HARD
            continue
        cell = (ix * dims[1] + iy) * dims[2] + iz
        v = verdict[cell]
        if v == _UNKNOWN:
            v = _box_verdict(
                grid,
                rule,
                ix,
                iy,
                iz,
                _corner(grid, ix, iy, iz),
                h,
                np.empty(k),
                np.empty(k, np.int64),
            )
            # Threads may both decide a cell; they write the same value.
            verdict[cell] = v
        if v == _HARD and slot.shape[0] and slot[cell] >= 0:
            low = _corner(grid, ix, iy, iz)
            size = h / _SPLIT
            part = 0
            for a in range(3):
                j = min(max(int((queries[i, a] - low[a]) / size), 0), _SPLIT - 1)
                part = _SPLIT * part + j
                low[a] += j * size
            v = parts[slot[cell], part]
            if v == _UNKNOWN:
                v = _box_verdict(
                    grid, rule, ix, iy, iz, low, size, np.empty(k), np.empty(k, np.int64)
                )
                parts[slot[cell], part] = v
        out[i] = v


@numba.njit(parallel=True, cache=True, nogil=True)
def _sweep_verdicts(grid, rule, verdict):  # pragma: no cover
    """Verdicts of every occupied cell, in memory order: neighbouring cells stay in cache."""
    starts, dims, k = grid[2], grid[5], rule[0]
    ny, nz = dims[1], dims[2]
    for row in numba.prange(dims[0] * ny):
        ix, iy = row // ny, row % ny
        base = row * nz
        bound, unused = np.empty(k), np.empty(k, np.int64)
        for iz in range(nz):
            if starts[base + iz + 1] > starts[base + iz]:
                low = _corner(grid, ix, iy, iz)
                verdict[base + iz] = _box_verdict(
                    grid, rule, ix, iy, iz, low, grid[4], bound, unused
                )


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

    def __init__(self, xyz: np.ndarray, codes: np.ndarray, per_cell: float = 1.5) -> None:
        xyz = np.ascontiguousarray(xyz, dtype=np.float64)
        m = len(xyz)
        if m >= 2**31 - 1:
            raise InputError("the sample has over 2 billion points; downsample it further.")
        lo, hi = corners(xyz)
        extent = np.maximum(hi - lo, 1e-9)
        h = float(np.cbrt(np.prod(extent) / m))
        # Scans are surfaces: points per cell grow with the square of the cell size.
        h *= float(np.sqrt(per_cell * count_voxels(xyz, h) / m))
        # Keep the dense cell arrays within a few times the sample's own size.
        cells = float(np.prod(np.floor(extent / h) + 1))
        limit = max(self.cells_per_point * m, 1e6)
        if cells > limit:
            h *= float(np.cbrt(cells / limit)) * 1.01
        self.lo, self.h = lo, h
        self.dims = (np.floor(extent / h) + 1).astype(np.int64)
        n_cells = int(np.prod(self.dims))
        self.starts, order = counting_sort(cells_of(xyz, lo, h, self.dims), n_cells)
        self.pts = np.ascontiguousarray(xyz[order])
        self.codes = np.ascontiguousarray(codes[order], dtype=np.int32)
        self._rule: tuple[int, float, float] | None = None
        self._verdict = self._slot = self._parts = np.zeros(0, np.int32)
        self._tree: cKDTree | None = None

    def pure_codes(
        self, queries: np.ndarray, k: int, max_d2: float, sweep: bool = False
    ) -> np.ndarray:
        """Class code (n,) int32 of queries whose k-NN vote is certain.

        -1 marks the others (search them with `knn`), -3 those certainly without a
        voter within ``sqrt(max_d2)``. With `sweep`, every occupied cell is decided
        up front in memory order (worth it when the queries cover the sample).
        """
        reach = min(_R * self.h, float(np.sqrt(max_d2)))
        grid = (self.pts, self.codes, self.starts, self.lo, self.h, self.dims)
        rule = (int(k), reach * reach, float(max_d2))
        if self._rule != rule:
            self._rule = rule
            self._verdict = np.full(int(np.prod(self.dims)), _UNKNOWN, np.int32)
            self._slot = self._parts = np.zeros(0, np.int32)
            if sweep:
                _sweep_verdicts(grid, rule, self._verdict)
                # Hard cells are split into _SPLIT^3 boxes each, decided when first queried.
                hard = np.flatnonzero(self._verdict == _HARD)
                self._slot = np.full(len(self._verdict), -1, np.int32)
                self._slot[hard] = np.arange(len(hard), dtype=np.int32)
                self._parts = np.full((len(hard), _SPLIT**3), _UNKNOWN, np.int32)
        out = np.empty(len(queries), np.int32)
        parts = self._parts.reshape(-1, _SPLIT**3)
        _pure_pass(queries, grid, rule, self._verdict, self._slot, parts, out)
        return out

    def knn(self, queries: np.ndarray, k: int, max_d2: float) -> tuple[np.ndarray, np.ndarray]:
        """Squared distances (n, k) float64 and rows (n, k) int64 (-1 = none) of the k nearest."""
        d2 = np.empty((len(queries), k))
        rows = np.empty((len(queries), k), np.int64)
        queries = np.ascontiguousarray(queries, dtype=np.float64)
        ring_knn(queries, self.pts, self.starts, self.lo, self.h, self.dims, k, max_d2, d2, rows)
        far = np.flatnonzero(rows[:, 0] == -2)
        if len(far):
            if self._tree is None:
                self._tree = cKDTree(self.pts, balanced_tree=False, compact_nodes=False)
            bound = np.nextafter(np.sqrt(max_d2), np.inf) if np.isfinite(max_d2) else np.inf
            dist, idx = self._tree.query(queries[far], k=k, distance_upper_bound=bound, workers=-1)
            dist, idx = dist.reshape(len(far), k), idx.reshape(len(far), k)
            missing = (idx >= len(self.pts)) | (dist * dist > max_d2)
            d2[far] = np.where(missing, np.inf, dist * dist)
            rows[far] = np.where(missing, -1, idx)
        return d2, rows
