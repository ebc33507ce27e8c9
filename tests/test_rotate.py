"""Rotation: same matrix as scipy's "zyx" Euler angles, about the origin or the centroid."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from core.errors import InputError
from core.rotate import rotate, rotation_matrix


def test_matrix_is_scipys_zyx_in_degrees() -> None:
    expected = Rotation.from_euler("zyx", [30, -45, 10], degrees=True).as_matrix()
    np.testing.assert_allclose(rotation_matrix(30, -45, 10), expected, atol=1e-15)


def test_quarter_turn_about_z_sends_x_to_y() -> None:
    out = rotate(np.array([[1.0, 0.0, 0.0]]), 90, 0, 0)
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.0]], atol=1e-12)


def test_rotation_keeps_distances_and_returns_a_new_array() -> None:
    xyz = np.random.default_rng(1).normal(size=(1000, 3))
    before = xyz.copy()
    out = rotate(xyz, 10, 20, 30)
    assert out is not xyz and out.dtype == np.float64
    np.testing.assert_array_equal(xyz, before)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), np.linalg.norm(xyz, axis=1))


def test_about_centroid_keeps_the_centroid_in_place() -> None:
    xyz = np.random.default_rng(2).normal(size=(500, 3)) + [100.0, -50.0, 3.0]
    out = rotate(xyz, 45, 0, 15, about="centroid")
    np.testing.assert_allclose(out.mean(axis=0), xyz.mean(axis=0), atol=1e-9)
    inverse = Rotation.from_euler("zyx", [45, 0, 15], degrees=True).inv()
    back = inverse.apply(out - xyz.mean(axis=0)) + xyz.mean(axis=0)
    np.testing.assert_allclose(back, xyz, atol=1e-9)


def test_real_scan_round_trip(data_dir) -> None:
    xyz = np.loadtxt(data_dir / "test55.xyz", delimiter=",", usecols=(0, 1, 2))
    out = rotate(xyz, 0, 0, 90)
    np.testing.assert_allclose(out[:, 0], xyz[:, 0])
    np.testing.assert_allclose(out[:, 1], -xyz[:, 2], atol=1e-12)
    np.testing.assert_allclose(out[:, 2], xyz[:, 1], atol=1e-12)


def test_bad_centre_and_shape_are_input_errors() -> None:
    with pytest.raises(InputError):
        rotate(np.zeros((3, 3)), 0, 0, 0, about="corner")
    with pytest.raises(InputError):
        rotate(np.zeros((3, 2)), 0, 0, 0)
