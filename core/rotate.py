"""Rotating a cloud by Euler angles, as the AWS notebook does (z, then y, then x, in degrees)."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from core.errors import InputError

ABOUT = ("origin", "centroid")


def rotation_matrix(z: float, y: float, x: float) -> np.ndarray:
    """The rotation by Euler angles ``z, y, x`` in degrees (intrinsic "zyx", as scipy reads it).

    Returns
    -------
    (3, 3) float64
        Rows are applied as ``xyz @ R.T``.
    """
    return np.asarray(
        Rotation.from_euler("zyx", [z, y, x], degrees=True).as_matrix(), dtype=np.float64
    )


def rotate(xyz: np.ndarray, z: float, y: float, x: float, about: str = "origin") -> np.ndarray:
    """Rotate points by Euler angles ``z, y, x`` in degrees.

    Parameters
    ----------
    xyz : (N, 3) float
        Points; not modified.
    z, y, x : float
        Angles in degrees, applied as in `rotation_matrix`.
    about : {"origin", "centroid"}
        Centre of the rotation. The notebook rotates about the origin; about the
        centroid keeps the cloud in place on screen. `xyz` is a cloud's recentred
        coordinates, so for a georeferenced cloud "origin" is its `offset`: turning
        about the map's true origin would move it kilometres away.

    Returns
    -------
    (N, 3) float64
        A new array.
    """
    if about not in ABOUT:
        raise InputError(f"rotation centre {about!r} is unknown; use 'origin' or 'centroid'.")
    points = np.asarray(xyz, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise InputError(f"points must have shape (N, 3), got {points.shape}; give x, y, z.")
    if not np.isfinite([z, y, x]).all():
        raise InputError(
            f"the rotation angles must be finite numbers of degrees, got z={z} y={y} x={x}; "
            "give finite angles."
        )
    matrix = rotation_matrix(z, y, x)
    # One output array: matmul writes into it directly, so memory stays at input + output.
    out = np.empty_like(points)
    if about == "centroid" and len(points):
        centre = points.mean(axis=0)
        np.matmul(points, matrix.T, out=out)
        out += centre - centre @ matrix.T
    else:
        np.matmul(points, matrix.T, out=out)
    return out
