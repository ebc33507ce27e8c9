"""A depth buffer of the points themselves, and the visible-only test built on it.

As rviz_cloud_annotation does it: each point covers its drawn size on screen (a square of
`point_size` pixels, as VTK draws points), the buffer keeps the nearest depth per pixel,
and a point is visible when its depth is within `tolerance` of the nearest depth at its
own pixel. No VTK picking, so the test runs the same way without a window.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from core.labeling.projection import CHUNK, Camera, project_one
from core.progress import CancelFn, ProgressFn, chunked


def full_region(camera: Camera) -> tuple[int, int, int, int]:
    """The whole screen as a pixel region (x0, y0, x1, y1), end exclusive."""
    return 0, 0, int(camera.width), int(camera.height)


@numba.njit(cache=True, nogil=True, inline="always")
def pixel_of(sx, sy, width, height):  # pragma: no cover - compiled
    """The pixel holding screen position (sx, sy), clamped to the screen.

    ``ceil(s) - 1`` rather than ``floor(s)``: on a pixel border the point's square covers the
    pixel before it, so its own pixel is always one it drew.
    """
    px = min(max(int(math.ceil(sx)) - 1, 0), width - 1)
    py = min(max(int(math.ceil(sy)) - 1, 0), height - 1)
    return px, py


@numba.njit(parallel=True, cache=True, nogil=True)
def _splat(xyz, p, half, region, labels, skip, use_skip, buffers):  # pragma: no cover
    threads = buffers.shape[0]
    n = xyz.shape[0]
    rx0, ry0, rx1, ry1 = region[0], region[1], region[2], region[3]
    for t in numba.prange(threads):
        buf = buffers[t]
        for i in range(n * t // threads, n * (t + 1) // threads):
            if use_skip and skip[labels[i]]:
                continue
            sx, sy, d, ok = project_one(p, xyz[i, 0], xyz[i, 1], xyz[i, 2])
            if not ok:
                continue
            # Pixels whose centres fall inside the point's square of side 2 * half.
            x0 = max(int(math.ceil(sx - half - 0.5)), rx0)
            x1 = min(int(math.ceil(sx + half - 0.5)), rx1)
            y0 = max(int(math.ceil(sy - half - 0.5)), ry0)
            y1 = min(int(math.ceil(sy + half - 0.5)), ry1)
            for yy in range(y0, y1):
                for xx in range(x0, x1):
                    if d < buf[yy, xx]:
                        buf[yy, xx] = d


def depth_buffer(
    xyz: np.ndarray,
    camera: Camera,
    *,
    point_size: float = 3.0,
    labels: np.ndarray | None = None,
    hidden: np.ndarray | None = None,
    region: tuple[int, int, int, int] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """The nearest point depth at every pixel.

    Parameters
    ----------
    xyz : (N, 3) float32 or float64
    camera : Camera
    point_size : float
        Drawn size of a point in pixels (at least one pixel is covered).
    labels : (N,) uint8 or uint16, optional
    hidden : (256,) or (65536,) bool, optional
        Classes not drawn (they hide nothing): ``hidden[labels[i]]`` skips point i.
    region : (x0, y0, x1, y1) int, optional
        Only these pixels are filled (end exclusive); a selection needs only its outline's box.

    Returns
    -------
    (height, width) float64
        Linear depth; ``inf`` where no point is drawn (or outside `region`).
    """
    p = camera.params()
    x0, y0, x1, y1 = region if region is not None else full_region(camera)
    box = np.array(
        [max(x0, 0), max(y0, 0), min(x1, camera.width), min(y1, camera.height)], np.int64
    )
    threads = numba.get_num_threads()
    buffers = np.full((threads, camera.height, camera.width), np.inf)
    use_skip = labels is not None and hidden is not None
    lab: np.ndarray = labels if labels is not None and use_skip else np.zeros(1, np.uint8)
    skip: np.ndarray = hidden if hidden is not None and use_skip else np.zeros(256, np.bool_)
    half = max(float(point_size), 1.0) / 2.0
    for part in chunked(len(xyz), CHUNK, progress, cancel, "depth of the points"):
        _splat(xyz[part], p, half, box, lab[part] if use_skip else lab, skip, use_skip, buffers)
    return buffers.min(axis=0) if threads > 1 else buffers[0]


@numba.njit(parallel=True, cache=True, nogil=True)
def _visible(xyz, p, buffer, tolerance, out):  # pragma: no cover - compiled
    h, w = buffer.shape
    for i in numba.prange(xyz.shape[0]):
        sx, sy, d, ok = project_one(p, xyz[i, 0], xyz[i, 1], xyz[i, 2])
        if ok:
            px, py = pixel_of(sx, sy, w, h)
            out[i] = d <= buffer[py, px] + tolerance
        else:
            out[i] = False


def visible_mask(
    xyz: np.ndarray,
    camera: Camera,
    buffer: np.ndarray,
    tolerance: float,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> np.ndarray:
    """Which points are visible: in the frustum and within `tolerance` of the nearest depth.

    Parameters
    ----------
    xyz : (N, 3) float32 or float64
    buffer : (height, width) float64, from `depth_buffer`
    tolerance : float
        In depth units (metres for a rigid camera).

    Returns
    -------
    (N,) bool
    """
    p = camera.params()
    out = np.empty(len(xyz), np.bool_)
    for part in chunked(len(xyz), CHUNK, progress, cancel, "visible points"):
        _visible(xyz[part], p, buffer, float(tolerance), out[part])
    return out
