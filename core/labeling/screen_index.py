"""Points bucketed by screen tile for one camera pose, with their depth buffer.

While the camera stands still, every stroke only needs the points under it. Built once
per pose (one pass: project, splat the depth, count per tile, then a counting sort), the
index lets a selection test only the points of the tiles its outline's box covers, as
QGIS culls whole chunks before testing single points. Selections through the index give
exactly the same points as the full pass (`core.labeling.select`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np

from core.labeling.depth import visible_mask
from core.labeling.projection import CHUNK, Camera, project_one
from core.progress import CancelFn, ProgressFn, chunked, report, sub_progress

#: Tile edge in pixels: small enough to cull, big enough to keep the tile table small.
TILE = 16


@dataclass(frozen=True)
class ScreenIndex:
    """The points in view, sorted by tile, and their depth buffer.

    Attributes
    ----------
    camera : Camera
    order : (K,) int32
        Points inside the view frustum, tile by tile.
    tile_start : (T + 1,) int64
        Points of tile t are ``order[tile_start[t]:tile_start[t + 1]]``; tiles run row
        by row, ``tiles_x`` per row.
    tiles_x : int
    depth : (height, width) float64
        Nearest depth per pixel (hidden classes left out).
    point_size : float
    tile_of : (N,) int32
        Each point's tile, -1 outside the view.
    """

    camera: Camera
    order: np.ndarray
    tile_start: np.ndarray
    tiles_x: int
    depth: np.ndarray
    point_size: float
    tile_of: np.ndarray
    #: tolerance -> (N,) bool visible points, made on first use (`visible_for`).
    _visible: dict[float, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @property
    def nbytes(self) -> int:
        arrays = (self.order, self.tile_start, self.depth, self.tile_of, *self._visible.values())
        return sum(a.nbytes for a in arrays)

    def visible_for(
        self,
        xyz: np.ndarray,
        tolerance: float,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> np.ndarray:
        """(N,) bool: the points within `tolerance` of the nearest depth at their pixel.

        Made once per tolerance (one pass as long as the index build's) and kept, so a
        stroke over whole tiles need not project their points again. Only the last
        tolerance is kept: the panel's value changes rarely.
        """
        key = float(tolerance)
        if key not in self._visible:
            self._visible.clear()
            mask = visible_mask(xyz, self.camera, self.depth, key, progress=progress, cancel=cancel)
            self._visible[key] = mask
        return self._visible[key]


@numba.njit(parallel=True, cache=True, nogil=True)
def _tile_and_splat(xyz, p, half, labels, skip, use_skip, tiles_x, tile_of, buffers):
    # pragma: no cover - compiled
    threads = buffers.shape[0]
    n = xyz.shape[0]
    h, w = buffers.shape[1], buffers.shape[2]
    for t in numba.prange(threads):
        buf = buffers[t]
        for i in range(n * t // threads, n * (t + 1) // threads):
            sx, sy, d, ok = project_one(p, xyz[i, 0], xyz[i, 1], xyz[i, 2])
            if not ok:
                tile_of[i] = -1
                continue
            # floor, as the selection's box is in floor pixels (not the depth pixel).
            px = min(max(int(math.floor(sx)), 0), w - 1)
            py = min(max(int(math.floor(sy)), 0), h - 1)
            tile_of[i] = (py // TILE) * tiles_x + px // TILE
            if use_skip and skip[labels[i]]:
                continue
            x0 = max(int(math.ceil(sx - half - 0.5)), 0)
            x1 = min(int(math.ceil(sx + half - 0.5)), w)
            y0 = max(int(math.ceil(sy - half - 0.5)), 0)
            y1 = min(int(math.ceil(sy + half - 0.5)), h)
            for yy in range(y0, y1):
                for xx in range(x0, x1):
                    if d < buf[yy, xx]:
                        buf[yy, xx] = d


@numba.njit(cache=True, nogil=True)
def _counting_sort(tile_of, n_tiles):  # pragma: no cover - compiled
    counts = np.zeros(n_tiles + 1, np.int64)
    for i in range(tile_of.shape[0]):
        if tile_of[i] >= 0:
            counts[tile_of[i] + 1] += 1
    start = np.cumsum(counts)
    fill = start[:-1].copy()
    order = np.empty(start[-1], np.int32)
    for i in range(tile_of.shape[0]):
        t = tile_of[i]
        if t >= 0:
            order[fill[t]] = i
            fill[t] += 1
    return order, start


def build_screen_index(
    xyz: np.ndarray,
    camera: Camera,
    *,
    point_size: float = 3.0,
    labels: np.ndarray | None = None,
    hidden: np.ndarray | None = None,
    tolerance: float | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ScreenIndex:
    """Index the points for one camera pose.

    Parameters
    ----------
    xyz : (N, 3) float32 or float64
    labels : (N,) uint8 or uint16, optional
    hidden : (256,) or (65536,) bool, optional
        Classes not drawn: they are indexed (never selected later) but hide nothing.
    tolerance : float, optional
        Also find the visible points for this tolerance now (`ScreenIndex.visible_for`),
        so the first stroke does not wait for them.
    """
    p = camera.params()
    tiles_x = -(-camera.width // TILE)
    tiles_y = -(-camera.height // TILE)
    threads = numba.get_num_threads()
    buffers = np.full((threads, camera.height, camera.width), np.inf)
    tile_of = np.empty(len(xyz), np.int32)
    use_skip = labels is not None and hidden is not None
    lab: np.ndarray = labels if labels is not None and use_skip else np.zeros(1, np.uint8)
    skip: np.ndarray = hidden if hidden is not None and use_skip else np.zeros(256, np.bool_)
    half = max(float(point_size), 1.0) / 2.0
    span = (0.0, 0.6 if tolerance is not None else 0.8)
    for part in chunked(len(xyz), CHUNK, progress, cancel, "indexing the view", span):
        part_labels = lab[part] if use_skip else lab
        _tile_and_splat(
            xyz[part], p, half, part_labels, skip, use_skip, tiles_x, tile_of[part], buffers
        )
    order, start = _counting_sort(tile_of, tiles_x * tiles_y)
    depth = buffers.min(axis=0) if threads > 1 else buffers[0]
    index = ScreenIndex(camera, order, start, tiles_x, depth, float(point_size), tile_of)
    if tolerance is not None:
        part_progress = sub_progress(progress, 0.65, 1.0)
        index.visible_for(xyz, tolerance, progress=part_progress, cancel=cancel)
    report(progress, 1.0, "view indexed")
    return index
