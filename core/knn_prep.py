"""Setting up a KNN carry-back: the sample's grid, the queries' cells, rows in and out.

On scans of a few hundred thousand points these steps were a third of the carry-back:
numpy's fancy indexing of (N, 3) rows (``xyz[order]``) costs 5-10x a compiled copy, and
sizing the cells through a full voxel grouping cost more than the grid itself. Each
step here is one compiled pass. The copies run on one thread: they take a few
milliseconds, and waking a second thread on a shared machine can cost as much.
"""

# mypy: disable-error-code="assignment"
from __future__ import annotations

import numba
import numpy as np

from core.voxel import count_voxels

#: Dense cells per sample point below which occupied cells are counted on a byte map.
_DENSE_COUNT = 8


def occupied_cells(xyz: np.ndarray, lo: np.ndarray, extent: np.ndarray, h: float) -> int:
    """Number of occupied cells of edge h from corner lo (3,) (= `count_voxels`).

    Parameters
    ----------
    xyz : (M, 3) float64, C-contiguous
    """
    dims = (np.floor(extent / h) + 1).astype(np.int64)
    if float(np.prod(dims.astype(np.float64))) <= _DENSE_COUNT * len(xyz) + 1e6:
        return int(_count_dense(xyz, lo, h, dims))
    # Cells far more than points (a flat or stretched sample): group sparsely instead.
    return count_voxels(xyz, h)


@numba.njit(cache=True, nogil=True)
def _count_dense(xyz, lo, h, dims):  # pragma: no cover - compiled
    seen = np.zeros(dims[0] * dims[1] * dims[2], np.uint8)
    count = 0
    for i in range(xyz.shape[0]):
        c = _cell(xyz, i, lo, h, dims)
        count += seen[c] == 0
        seen[c] = 1
    return count


@numba.njit(cache=True, nogil=True, inline="always")
def _cell(xyz, i, lo, h, dims):  # pragma: no cover - compiled
    """Flat cell of sample point i, clamped into the grid's last cell on each axis."""
    ix = min(np.int64(np.floor((xyz[i, 0] - lo[0]) / h)), dims[0] - 1)
    iy = min(np.int64(np.floor((xyz[i, 1] - lo[1]) / h)), dims[1] - 1)
    iz = min(np.int64(np.floor((xyz[i, 2] - lo[2]) / h)), dims[2] - 1)
    return (ix * dims[1] + iy) * dims[2] + iz


@numba.njit(cache=True, nogil=True)
def sort_sample(xyz, codes, lo, h, dims):  # pragma: no cover - compiled
    """The sample grouped by cell: (starts (cells + 1,) int32, points (M, 3), codes (M,)).

    A stable counting sort whose last pass writes the points and codes in place, instead
    of an order array and two fancy-indexed copies.
    """
    m = xyz.shape[0]
    cell = np.empty(m, np.int64)
    starts = np.zeros(dims[0] * dims[1] * dims[2] + 1, np.int32)
    for i in range(m):
        c = _cell(xyz, i, lo, h, dims)
        cell[i] = c
        starts[c + 1] += 1
    for c in range(1, starts.shape[0]):
        starts[c] += starts[c - 1]
    fill = starts[:-1].copy()
    pts = np.empty((m, 3))
    out_codes = np.empty(m, np.int32)
    for i in range(m):
        p = fill[cell[i]]
        fill[cell[i]] += 1
        pts[p, 0], pts[p, 1], pts[p, 2] = xyz[i, 0], xyz[i, 1], xyz[i, 2]
        out_codes[p] = codes[i]
    return starts, pts, out_codes


@numba.njit(cache=True, nogil=True)
def gather_rows(xyz, rows, out):  # pragma: no cover - compiled
    """out[j] = xyz[rows[j]] for (n, 3) out: the chunk's queries in cell order."""
    for j in range(rows.shape[0]):
        r = rows[j]
        out[j, 0], out[j, 1], out[j, 2] = xyz[r, 0], xyz[r, 1], xyz[r, 2]


@numba.njit(cache=True, nogil=True)
def scatter_codes(got, rows, won):  # pragma: no cover - compiled
    """won[rows[j]] = got[j]: the chunk's votes back in the cloud's order."""
    for j in range(rows.shape[0]):
        won[rows[j]] = got[j]


@numba.njit(cache=True, nogil=True)
def codes_to_labels(won, classes, unlabeled, out):  # pragma: no cover - compiled
    """out[i] = classes[won[i]], or `unlabeled` where the code is negative (no voter)."""
    for i in range(won.shape[0]):
        w = won[i]
        out[i] = classes[w] if w >= 0 else unlabeled
