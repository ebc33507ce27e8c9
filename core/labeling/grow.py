"""Grow a segment from one clicked point over the sample's neighbours.

As rviz_cloud_annotation propagates labels over a neighbour graph: the graph (k nearest
neighbours) and the normals (local PCA) are built once per sample; a click then grows a
breadth-first search while the gap to the neighbour, the colour against the clicked
point and the angle between neighbouring normals stay within the tool's thresholds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from core.progress import CancelFn, ProgressFn, chunked, report

_QUERY_CHUNK = 250_000


@dataclass(frozen=True)
class NeighbourGraph:
    """The k nearest neighbours of every sample point, and its surface normal.

    Attributes
    ----------
    neighbours : (M, k) int32
    distances : (M, k) float32
        Metres, nearest first.
    normals : (M, 3) float32
        Unit normals (sign arbitrary) from the covariance of the point and its neighbours.
    """

    neighbours: np.ndarray
    distances: np.ndarray
    normals: np.ndarray


def neighbour_graph(
    xyz: np.ndarray,
    k: int = 12,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> NeighbourGraph:
    """Build the graph and the normals of a sample (once; growing reuses them).

    Parameters
    ----------
    xyz : (M, 3) float
    k : int
        Neighbours per point (the point itself excluded).
    """
    xyz = np.asarray(xyz, np.float64)
    m = len(xyz)
    k = max(1, min(int(k), m - 1))
    report(progress, 0.0, "indexing the sample")
    tree = cKDTree(xyz)
    neighbours = np.empty((m, k), np.int32)
    distances = np.empty((m, k), np.float32)
    for part in chunked(m, _QUERY_CHUNK, progress, cancel, "finding neighbours", (0.1, 0.9)):
        d, i = tree.query(xyz[part], k=k + 1, workers=-1)
        neighbours[part] = i[:, 1:]
        distances[part] = d[:, 1:]
    normals = np.empty((m, 3), np.float32)
    _normals(xyz, neighbours, normals)
    report(progress, 1.0, "normals ready")
    return NeighbourGraph(neighbours, distances, normals)


@numba.njit(cache=True, nogil=True, inline="always")
def _smallest_eigenvector(a00, a01, a02, a11, a12, a22):  # pragma: no cover - compiled
    """Unit eigenvector of the smallest eigenvalue of a symmetric 3x3 (closed form)."""
    p1 = a01 * a01 + a02 * a02 + a12 * a12
    q = (a00 + a11 + a22) / 3.0
    p2 = (a00 - q) ** 2 + (a11 - q) ** 2 + (a22 - q) ** 2 + 2.0 * p1
    if p2 <= 1e-30:
        return 0.0, 0.0, 1.0
    p = math.sqrt(p2 / 6.0)
    b00, b11, b22 = (a00 - q) / p, (a11 - q) / p, (a22 - q) / p
    b01, b02, b12 = a01 / p, a02 / p, a12 / p
    det = (
        b00 * (b11 * b22 - b12 * b12)
        - b01 * (b01 * b22 - b12 * b02)
        + b02 * (b01 * b12 - b11 * b02)
    )
    r = min(max(det / 2.0, -1.0), 1.0)
    lam = q + 2.0 * p * math.cos(math.acos(r) / 3.0 + 2.0 * math.pi / 3.0)
    # Rows of A - lam I span the plane orthogonal to the eigenvector: cross two of them.
    r0 = (a00 - lam, a01, a02)
    r1 = (a01, a11 - lam, a12)
    r2 = (a02, a12, a22 - lam)
    best = (0.0, 0.0, 1.0)
    best_norm = 0.0
    for u, v in ((r0, r1), (r0, r2), (r1, r2)):
        c = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
        norm = c[0] * c[0] + c[1] * c[1] + c[2] * c[2]
        if norm > best_norm:
            best, best_norm = c, norm
    if best_norm <= 0.0:
        return 0.0, 0.0, 1.0
    s = 1.0 / math.sqrt(best_norm)
    return best[0] * s, best[1] * s, best[2] * s


@numba.njit(cache=True, nogil=True)
def _normal_of(xyz, members):  # pragma: no cover - compiled
    k = members.shape[0]
    mx = my = mz = 0.0
    for j in range(k):
        mx += xyz[members[j], 0]
        my += xyz[members[j], 1]
        mz += xyz[members[j], 2]
    mx /= k
    my /= k
    mz /= k
    c00 = c01 = c02 = c11 = c12 = c22 = 0.0
    for j in range(k):
        dx = xyz[members[j], 0] - mx
        dy = xyz[members[j], 1] - my
        dz = xyz[members[j], 2] - mz
        c00 += dx * dx
        c01 += dx * dy
        c02 += dx * dz
        c11 += dy * dy
        c12 += dy * dz
        c22 += dz * dz
    return _smallest_eigenvector(c00, c01, c02, c11, c12, c22)


@numba.njit(parallel=True, cache=True, nogil=True)
def _normals(xyz, neighbours, out):  # pragma: no cover - compiled
    k = neighbours.shape[1]
    for i in numba.prange(xyz.shape[0]):
        members = np.empty(k + 1, np.int64)
        members[0] = i
        members[1:] = neighbours[i]
        nx, ny, nz = _normal_of(xyz, members)
        out[i, 0] = nx
        out[i, 1] = ny
        out[i, 2] = nz


@numba.njit(cache=True, nogil=True)
def _grow(
    neighbours,
    distances,
    normals,
    rgb,
    use_rgb,
    allowed,
    seed,
    max_gap,
    max_colour2,
    min_cos,
    limit,
):  # pragma: no cover - compiled
    m, k = neighbours.shape
    taken = np.zeros(m, np.bool_)
    queue = np.empty(min(m, limit), np.int32)
    queue[0] = seed
    taken[seed] = True
    head, tail = 0, 1
    while head < tail and tail < limit:
        u = queue[head]
        head += 1
        for j in range(k):
            v = neighbours[u, j]
            if taken[v] or distances[u, j] > max_gap or not allowed[v]:
                continue
            cos = abs(
                normals[u, 0] * normals[v, 0]
                + normals[u, 1] * normals[v, 1]
                + normals[u, 2] * normals[v, 2]
            )
            if cos < min_cos:
                continue
            if use_rgb:
                d2 = 0.0
                for c in range(3):
                    d = float(rgb[v, c]) - float(rgb[seed, c])
                    d2 += d * d
                if d2 > max_colour2:
                    continue
            taken[v] = True
            queue[tail] = v
            tail += 1
            if tail >= limit:
                break
    return np.sort(queue[:tail])


def grow_region(
    graph: NeighbourGraph,
    seed: int,
    *,
    rgb: np.ndarray | None = None,
    max_gap: float = 0.05,
    max_colour: float = 40.0,
    max_angle_deg: float = 20.0,
    allowed: np.ndarray | None = None,
    max_points: int | None = None,
) -> np.ndarray:
    """The segment grown from sample point `seed`.

    Parameters
    ----------
    graph : NeighbourGraph
    seed : int
        The clicked sample point.
    rgb : (M, 3) uint8, optional
        Colours; a neighbour joins only within `max_colour` (0-255 RGB distance) of the seed.
    max_gap : float
        Largest step, in metres, from a point of the segment to a neighbour it takes in.
    max_angle_deg : float
        Largest angle between the normals of two neighbouring points of the segment.
    allowed : (M,) bool, optional
        Points the segment may enter (e.g. not hidden); the seed is always in.
    max_points : int, optional
        Stop once the segment has this many points.

    Returns
    -------
    (K,) int32
        Sorted sample indices, the seed included.
    """
    m = len(graph.neighbours)
    ok = np.ones(m, np.bool_) if allowed is None else np.asarray(allowed, np.bool_)
    colours = np.zeros((1, 3), np.uint8) if rgb is None else np.asarray(rgb, np.uint8)
    limit = m if max_points is None else max(1, min(int(max_points), m))
    min_cos = math.cos(math.radians(float(max_angle_deg)))
    return _grow(
        graph.neighbours,
        graph.distances,
        graph.normals,
        colours,
        rgb is not None,
        ok,
        int(seed),
        float(max_gap),
        float(max_colour) ** 2,
        min_cos,
        limit,
    )
