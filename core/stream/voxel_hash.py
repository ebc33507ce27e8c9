"""Voxel sums in a hash table keyed by the voxel, grown chunk by chunk.

A voxel is the integer triple ``floor((p + shift) / voxel_size)``: with ``shift`` the
recentring offset this is ``floor(absolute / voxel_size)``, a grid that does not depend
on the chunk, the tile or the file. Each point is added to its voxel's running sums in
file order, so the sums are the same additions, in the same order, as
`core.voxel.voxel_sums` makes over the whole cloud: the means agree bit for bit.

The table is open addressing with linear probing over the triples; voxels get ids in
the order they are first seen (the caller renumbers them at the end).
"""

from __future__ import annotations

import numba
import numpy as np

#: Sum columns: x, y, z, r, g, b, r >> 8, g >> 8, b >> 8, intensity.
N_SUMS = 10


class VoxelTable:
    """Occupied voxels of everything added so far, with their sums and counts.

    Attributes
    ----------
    keys : (M, 3) int64
        Voxel triples in order of first appearance.
    sums : (M, 10) float64
        Sums of x, y, z, 16-bit colour, colour >> 8 and intensity (see `N_SUMS`).
    counts : (M,) int64
    """

    def __init__(self, voxel_size: float, shift: np.ndarray, capacity: int = 1 << 16):
        self.voxel_size = float(voxel_size)
        self.shift = np.asarray(shift, np.float64).reshape(3)
        self._slots = np.full(_power_of_two(capacity), -1, np.int64)
        self.keys = np.empty((capacity, 3), np.int64)
        self.sums = np.zeros((capacity, N_SUMS), np.float64)
        self.counts = np.zeros(capacity, np.int64)
        self.size = 0

    def add(self, xyz: np.ndarray, rgb16: np.ndarray | None, intensity: np.ndarray) -> np.ndarray:
        """Add a chunk of points; return the voxel id (m,) int32 of each, in first-seen order.

        Parameters
        ----------
        xyz : (m, 3) float64
        rgb16 : (m, 3) uint16 or None
        intensity : (m,) float32
        """
        m = len(xyz)
        self._reserve(self.size + m)
        colour = np.zeros((m, 3), np.uint16) if rgb16 is None else rgb16
        ids = np.empty(m, np.int32)
        self.size = _add(
            np.ascontiguousarray(xyz, np.float64),
            np.ascontiguousarray(colour, np.uint16),
            np.ascontiguousarray(intensity, np.float32),
            self.shift, self.voxel_size, self._slots, self.keys, self.sums, self.counts,
            self.size, ids,
        )  # fmt: skip
        return ids

    def _reserve(self, needed: int) -> None:
        """Room for `needed` voxels, with the table at most half full."""
        if needed > len(self.keys):
            grown = max(needed, 2 * len(self.keys))
            self.keys = _grow(self.keys, grown)
            self.sums = _grow(self.sums, grown)
            self.counts = _grow(self.counts, grown)
        if 2 * needed > len(self._slots):
            self._slots = np.full(_power_of_two(2 * needed), -1, np.int64)
            _rehash(self._slots, self.keys, self.size)

    def lexicographic_order(self) -> np.ndarray:
        """Voxel ids (M,) sorted by (ix, iy, iz): the order of `core.voxel.group_voxels`."""
        keys = self.keys[: self.size]
        return np.lexsort((keys[:, 2], keys[:, 1], keys[:, 0]))


def _power_of_two(n: int) -> int:
    return 1 << max(int(n - 1).bit_length(), 4)


def _grow(array: np.ndarray, rows: int) -> np.ndarray:
    out = np.zeros((rows, *array.shape[1:]), array.dtype)
    out[: len(array)] = array
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _slot_of(ix, iy, iz, mask):  # pragma: no cover - compiled
    h = (ix * 73856093) ^ (iy * 19349663) ^ (iz * 83492791)
    h ^= h >> 29
    return h & mask


@numba.njit(cache=True, nogil=True)
def _rehash(slots, keys, size):  # pragma: no cover - compiled
    mask = slots.shape[0] - 1
    for v in range(size):
        s = _slot_of(keys[v, 0], keys[v, 1], keys[v, 2], mask)
        while slots[s] >= 0:
            s = (s + 1) & mask
        slots[s] = v


@numba.njit(cache=True, nogil=True)
def _add(
    xyz, rgb, intensity, shift, voxel_size, slots, keys, sums, counts, size, ids
):  # pragma: no cover - compiled
    mask = slots.shape[0] - 1
    for i in range(xyz.shape[0]):
        # The same expression as core.voxel's keys, so floors agree bit for bit.
        ix = np.int64(np.floor((xyz[i, 0] + shift[0]) / voxel_size))
        iy = np.int64(np.floor((xyz[i, 1] + shift[1]) / voxel_size))
        iz = np.int64(np.floor((xyz[i, 2] + shift[2]) / voxel_size))
        s = _slot_of(ix, iy, iz, mask)
        while True:
            v = slots[s]
            if v < 0:
                v = size
                slots[s] = v
                keys[v, 0], keys[v, 1], keys[v, 2] = ix, iy, iz
                size += 1
                break
            if keys[v, 0] == ix and keys[v, 1] == iy and keys[v, 2] == iz:
                break
            s = (s + 1) & mask
        ids[i] = v
        counts[v] += 1
        for a in range(3):
            sums[v, a] += xyz[i, a]
            sums[v, 3 + a] += rgb[i, a]
            sums[v, 6 + a] += rgb[i, a] >> 8
        sums[v, 9] += intensity[i]
    return size
