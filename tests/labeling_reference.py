"""Brute-force numpy references for the labeling kernels, and views of the test clouds.

Plain numpy, one array operation over all points (or all edges) at a time, written
independently of the numba kernels so a test compares two ways of getting the answer.
"""

from __future__ import annotations

import numpy as np

from core.labeling.projection import Camera, look_at_matrix


def reference_projection(xyz: np.ndarray, camera: Camera):
    """Screen x, y, linear depth and in-frustum flag, column by column in float64."""
    m = np.asarray(camera.matrix, np.float64)
    x, y, z = (xyz[:, a].astype(np.float64) for a in range(3))
    clip = [m[r, 0] * x + m[r, 1] * y + m[r, 2] * z + m[r, 3] for r in range(4)]
    w = clip[3]
    with np.errstate(divide="ignore", invalid="ignore"):
        nx, ny, nz = clip[0] / w, clip[1] / w, clip[2] / w
    sx = (nx + 1.0) * 0.5 * camera.width
    sy = (1.0 - ny) * 0.5 * camera.height
    perspective = np.any(np.abs(m[3, :3]) > 1e-12)
    row = 3 if perspective else 2
    depth = clip[row] * (1.0 / np.linalg.norm(m[row, :3]))
    inside = (w > 0) & (np.abs(nx) <= 1) & (np.abs(ny) <= 1) & (np.abs(nz) <= 1)
    return sx, sy, depth, inside


def reference_in_polygon(sx, sy, vertices: np.ndarray) -> np.ndarray:
    """Even-odd crossing rule over every edge for every point."""
    odd = np.zeros(len(sx), bool)
    v = np.asarray(vertices, np.float64)
    for (xi, yi), (xj, yj) in zip(v, np.roll(v, -1, axis=0), strict=True):
        crosses = (yi > sy) != (yj > sy)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = (xj - xi) * (sy - yi) / (yj - yi) + xi
        odd ^= crosses & (sx < at)
    return odd


def reference_in_circles(sx, sy, centres: np.ndarray, radius: float) -> np.ndarray:
    inside = np.zeros(len(sx), bool)
    for cx, cy in np.asarray(centres, np.float64):
        inside |= (sx - cx) * (sx - cx) + (sy - cy) * (sy - cy) <= radius * radius
    return inside


def reference_above(sx, sy, start, end) -> np.ndarray:
    """Above the line on screen: smaller y than the line at the point's x."""
    (x0, y0), (x1, y1) = sorted([tuple(start), tuple(end)])
    return (x1 - x0) * (sy - y0) - (y1 - y0) * (sx - x0) < 0


def reference_depth(sx, sy, depth, inside, width, height, point_size) -> np.ndarray:
    """Nearest depth per pixel, each point splatted over its square with np.minimum.at."""
    buffer = np.full((height, width), np.inf)
    half = point_size / 2
    x0 = np.ceil(sx - half - 0.5).astype(np.int64)
    y0 = np.ceil(sy - half - 0.5).astype(np.int64)
    size = int(np.ceil(point_size)) + 1
    for dy in range(size):
        for dx in range(size):
            px, py = x0 + dx, y0 + dy
            ok = inside & (px + 0.5 < sx + half) & (py + 0.5 < sy + half)
            ok &= (px >= 0) & (px < width) & (py >= 0) & (py < height)
            np.minimum.at(buffer, (py[ok], px[ok]), depth[ok])
    return buffer


def reference_visible(sx, sy, depth, inside, buffer, tolerance) -> np.ndarray:
    h, w = buffer.shape
    px = np.clip(np.ceil(np.nan_to_num(sx)) - 1, 0, w - 1).astype(np.int64)
    py = np.clip(np.ceil(np.nan_to_num(sy)) - 1, 0, h - 1).astype(np.int64)
    return inside & (depth <= buffer[py, px] + tolerance)


def views_of(xyz: np.ndarray, width: int = 640, height: int = 480) -> list[Camera]:
    """A top view (perspective), an oblique perspective view and an oblique orthographic one."""
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    centre, extent = (lo + hi) / 2, float(np.linalg.norm(hi - lo))
    aspect = width / height
    top = look_at_matrix(
        centre + [0, 0, extent], centre, [0, 1, 0], aspect=aspect, near=extent * 0.3, far=extent * 2
    )
    side = look_at_matrix(
        centre + np.array([1.0, -1.2, 0.8]) * extent * 0.7,
        centre,
        [0, 0, 1],
        fov_deg=40,
        aspect=aspect,
        near=extent * 0.1,
        far=extent * 3,
    )
    ortho = look_at_matrix(
        centre + np.array([-1.0, 0.5, 0.6]) * extent,
        centre,
        [0, 0, 1],
        fov_deg=None,
        aspect=aspect,
        near=0.01,
        far=extent * 3,
        half_height=extent * 0.4,
    )
    return [Camera(m, width, height) for m in (top, side, ortho)]
