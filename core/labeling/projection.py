"""Points to screen pixels with a 4x4 view-projection matrix, as the viewport draws them.

Screen pixels have x to the right and y down, (0, 0) at the top-left corner of the top-left
pixel, as mouse events report them. Depth is linear (metres along the view direction for a
rigid camera), so a depth tolerance means the same thing near and far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from core.progress import CancelFn, ProgressFn, chunked

#: Points per chunk between two cancel checks.
CHUNK = 2_000_000


@dataclass(frozen=True)
class Camera:
    """What a selection needs to know about the view.

    Attributes
    ----------
    matrix : (4, 4) float64
        World to clip coordinates (OpenGL convention: NDC in [-1, 1]), e.g. VTK's
        ``GetCompositeProjectionTransformMatrix(aspect, -1, 1)``.
    width, height : int
        Screen size in pixels.
    """

    matrix: np.ndarray
    width: int
    height: int

    def params(self) -> np.ndarray:
        """(20,) float64: the matrix row by row, then width, height, depth row, depth scale."""
        m = np.asarray(self.matrix, np.float64).reshape(4, 4)
        perspective = bool(np.any(np.abs(m[3, :3]) > 1e-12))
        # Perspective: clip w is the eye depth; orthographic: clip z is linear in it.
        row = 3 if perspective else 2
        scale = 1.0 / max(float(np.linalg.norm(m[row, :3])), 1e-300)
        return np.concatenate([m.ravel(), [self.width, self.height, row, scale]])


@numba.njit(cache=True, nogil=True, inline="always")
def project_one(p, x, y, z):  # pragma: no cover - compiled
    """Screen x, screen y, linear depth and whether (x, y, z) is inside the view frustum."""
    cx = p[0] * x + p[1] * y + p[2] * z + p[3]
    cy = p[4] * x + p[5] * y + p[6] * z + p[7]
    cz = p[8] * x + p[9] * y + p[10] * z + p[11]
    cw = p[12] * x + p[13] * y + p[14] * z + p[15]
    if cw <= 0.0:
        return 0.0, 0.0, 0.0, False
    nx = cx / cw
    ny = cy / cw
    nz = cz / cw
    sx = (nx + 1.0) * 0.5 * p[16]
    sy = (1.0 - ny) * 0.5 * p[17]
    depth = (cw if p[18] == 3.0 else cz) * p[19]
    inside = -1.0 <= nx <= 1.0 and -1.0 <= ny <= 1.0 and -1.0 <= nz <= 1.0
    return sx, sy, depth, inside


@numba.njit(parallel=True, cache=True, nogil=True)
def _project(xyz, p, screen, depth, inside):  # pragma: no cover - compiled
    for i in numba.prange(xyz.shape[0]):
        sx, sy, d, ok = project_one(p, xyz[i, 0], xyz[i, 1], xyz[i, 2])
        screen[i, 0] = sx
        screen[i, 1] = sy
        depth[i] = d
        inside[i] = ok


def project_points(
    xyz: np.ndarray,
    camera: Camera,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Screen position, depth and in-frustum flag of every point.

    Parameters
    ----------
    xyz : (N, 3) float32 or float64
    camera : Camera

    Returns
    -------
    screen : (N, 2) float64
        Pixel x (right) and y (down).
    depth : (N,) float64
        Linear depth along the view direction; larger is farther.
    inside : (N,) bool
        In front of the camera and inside the view frustum (near/far planes included).
    """
    p = camera.params()
    n = len(xyz)
    screen = np.empty((n, 2), np.float64)
    depth = np.empty(n, np.float64)
    inside = np.empty(n, np.bool_)
    for part in chunked(n, CHUNK, progress, cancel, "projecting points"):
        _project(xyz[part], p, screen[part], depth[part], inside[part])
    return screen, depth, inside


def look_at_matrix(
    eye: npt.ArrayLike,
    target: npt.ArrayLike,
    up: npt.ArrayLike,
    *,
    fov_deg: float | None = 30.0,
    aspect: float = 1.0,
    near: float = 0.1,
    far: float = 100.0,
    half_height: float = 1.0,
) -> np.ndarray:
    """A view-projection matrix as OpenGL and VTK build it (for tests and scripts).

    ``fov_deg=None`` gives an orthographic view `half_height` metres tall above and below.

    Returns
    -------
    (4, 4) float64
    """
    eye_at, target_at, up_dir = (np.asarray(a, np.float64) for a in (eye, target, up))
    forward = target_at - eye_at
    forward /= np.linalg.norm(forward)
    side = np.cross(forward, up_dir)
    side /= np.linalg.norm(side)
    true_up = np.cross(side, forward)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = side, true_up, -forward
    view[:3, 3] = -view[:3, :3] @ eye_at
    proj = np.zeros((4, 4))
    if fov_deg is None:
        proj[0, 0] = 1.0 / (half_height * aspect)
        proj[1, 1] = 1.0 / half_height
        proj[2, 2] = -2.0 / (far - near)
        proj[2, 3] = -(far + near) / (far - near)
        proj[3, 3] = 1.0
    else:
        f = 1.0 / np.tan(np.radians(fov_deg) / 2)
        proj[0, 0] = f / aspect
        proj[1, 1] = f
        proj[2, 2] = (far + near) / (near - far)
        proj[2, 3] = 2 * far * near / (near - far)
        proj[3, 2] = -1.0
    return proj @ view
