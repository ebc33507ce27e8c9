"""Level the ground: find a scan's dominant ground-like plane and the turn that makes it flat.

The notebook levels a tilted scan by trying rotation angles by hand; this fits the plane
(RANSAC on a subset, then least squares on its inliers) and returns the angles directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from core.errors import InputError
from core.progress import CancelFn, check_cancel

#: Points the plane is searched in; a plane of a few % of the scan still gets thousands.
SUBSET = 60_000
TRIES = 300
#: Only planes within this angle of the current up direction count as ground.
MAX_TILT_DEG = 60.0


@dataclass(frozen=True)
class Plane:
    """A plane through `point` with unit `normal` (pointing up, normal[2] >= 0)."""

    normal: np.ndarray  # (3,) float64
    point: np.ndarray  # (3,) float64
    inliers: float  # share of the points searched within the distance threshold


def ground_plane(xyz: np.ndarray, seed: int = 0, cancel: CancelFn | None = None) -> Plane:
    """The plane holding the most points among those tilted less than `MAX_TILT_DEG`.

    Parameters
    ----------
    xyz : (N, 3) float
        The points as they are seen now (already turned by the current rotation).

    Raises
    ------
    InputError
        Fewer than 3 points, or no ground-like plane (a scan standing on its side: turn
        it roughly upright first).
    """
    if len(xyz) < 3:
        raise InputError("levelling needs at least 3 points; open a scan first.")
    rng = np.random.default_rng(seed)
    points = np.asarray(xyz, dtype=np.float64)
    if len(points) > SUBSET:
        points = points[rng.choice(len(points), SUBSET, replace=False)]
    mean = points.mean(axis=0)
    points = points - mean  # far georeferenced coordinates lose precision
    threshold = 0.005 * float(np.ptp(points, axis=0).max()) or 1e-6
    min_up = np.cos(np.radians(MAX_TILT_DEG))
    best_count, best = 0, None
    triples = rng.integers(0, len(points), size=(TRIES, 3))
    for i, (a, b, c) in enumerate(triples):
        if i % 50 == 0:
            check_cancel(cancel)
        normal = np.cross(points[b] - points[a], points[c] - points[a])
        length = np.linalg.norm(normal)
        if length == 0 or abs(normal[2]) / length < min_up:
            continue
        normal /= length
        count = int((np.abs((points - points[a]) @ normal) < threshold).sum())
        if count > best_count:
            best_count, best = count, (normal, points[a])
    if best is None:
        raise InputError(
            "no ground-like plane found; turn the scan roughly upright first, then level it."
        )
    inliers = points[np.abs((points - best[1]) @ best[0]) < threshold]
    centre = inliers.mean(axis=0)
    # Least squares: the normal is the direction of least spread of the inliers.
    normal = np.linalg.svd(inliers - centre, full_matrices=False)[2][-1]
    normal = normal if normal[2] >= 0 else -normal
    return Plane(normal=normal, point=centre + mean, inliers=len(inliers) / len(points))


def levelling_angles(normal: np.ndarray, current: tuple[float, float, float]) -> tuple[float, ...]:
    """New (z, y, x) degrees (scipy "zyx", as core.rotate) that turn the plane flat.

    `normal` is the ground's normal as seen at the `current` (z, y, x) rotation; the
    result is the current rotation followed by the smallest turn taking `normal` to +z,
    so the heading the user chose is kept as far as possible.
    """
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    axis = np.cross(n, [0.0, 0.0, 1.0])
    sine, cosine = np.linalg.norm(axis), float(n[2])
    turn = (
        Rotation.identity()
        if sine < 1e-12
        else Rotation.from_rotvec(axis / sine * np.arctan2(sine, cosine))
    )
    now = Rotation.from_euler("zyx", list(current), degrees=True)
    z, y, x = (turn * now).as_euler("zyx", degrees=True)
    return float(z), float(y), float(x)
