"""Telling the voxel size of a downsample from its index map (for `core.transfer_auto`).

The user typed a voxel size when downsampling, but only the sample and the index map reach
the transfer. The spread of each voxel's full points gives a first guess a little below
the edge (points rarely sit on both faces of a voxel); the exact edge is then the smallest
"typed-looking" number (three significant digits) whose grid, anchored at the cloud's
minimum corner as `core.voxel` does, puts every voxel's points in one cell.
"""

from __future__ import annotations

import math

import numpy as np

from core.errors import InputError
from core.voxel import corners

#: Full points used to guess and to check (random, without replacement).
_CHECK_POINTS = 200_000


def estimate_voxel_size(
    full_xyz: np.ndarray, index_map: np.ndarray, n_sample: int, rng: np.random.Generator
) -> tuple[float, bool]:
    """Voxel edge in metres, and whether it was confirmed exactly against the grid.

    Parameters
    ----------
    full_xyz : (N, 3) float64
    index_map : (N,) int
        Sample point of each full point.
    n_sample : int
        Number of sample points.
    rng : numpy Generator
        For the random subset of points looked at.
    """
    n = len(full_xyz)
    pick = rng.choice(n, _CHECK_POINTS, replace=False) if n > _CHECK_POINTS else np.arange(n)
    xyz = full_xyz[pick]
    ids = index_map[pick]
    guess = _spread_guess(xyz, ids, n_sample)
    lo, _ = corners(full_xyz)
    order = np.argsort(ids, kind="stable")
    xyz, ids = xyz[order] - lo, ids[order]
    # A few thousand points reject almost every wrong size; the rest confirm the survivor.
    few = slice(0, min(len(ids), 5_000))
    for size in _typed_sizes(0.9 * guess, 1.6 * guess):
        if _one_cell_per_voxel(xyz[few], ids[few], size) and _one_cell_per_voxel(xyz, ids, size):
            return size, True
    return guess, False


def _one_cell_per_voxel(xyz: np.ndarray, ids: np.ndarray, size: float) -> bool:
    """True if points with the same id (sorted by id) fall in one grid cell of edge `size`."""
    cells = np.floor(xyz / size)
    same = ids[1:] == ids[:-1]
    return bool(np.all((cells[1:] == cells[:-1]).all(axis=1) | ~same))


def _spread_guess(xyz: np.ndarray, ids: np.ndarray, n_sample: int) -> float:
    """95th percentile of the per-voxel extent along its widest axis (metres)."""
    lo = np.full((n_sample, 3), np.inf)
    hi = np.full((n_sample, 3), -np.inf)
    np.minimum.at(lo, ids, xyz)
    np.maximum.at(hi, ids, xyz)
    counts = np.bincount(ids, minlength=n_sample)
    extent = (hi - lo)[counts >= 2].max(axis=1)
    guess = float(np.percentile(extent, 95)) if len(extent) else 0.0
    if not guess > 0:
        raise InputError(
            "the voxel size cannot be told from the index map (one point per voxel); "
            "give the voxel size of the downsample."
        )
    return guess


def _typed_sizes(low: float, high: float) -> list[float]:
    """Numbers with at most three significant digits in [low, high], ascending."""
    out: set[float] = set()
    for exponent in range(math.floor(math.log10(low)) - 2, math.floor(math.log10(high)) + 1):
        for mantissa in range(100, 1000):
            # Built from text so 0.01 is the same float the user's "0.01" became.
            value = float(f"{mantissa}e{exponent}")
            if low <= value <= high:
                out.add(value)
    return sorted(out)
