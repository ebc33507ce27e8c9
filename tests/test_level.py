"""core.level: the dominant ground plane and the angles that make it horizontal."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import Cancelled, InputError
from core.io import read_cloud
from core.level import ground_plane, levelling_angles
from core.rotate import rotate
from core.scene import make_scene


def tilt(xyz: np.ndarray, z: float, y: float, x: float) -> np.ndarray:
    return rotate(xyz, z, y, x, "centroid")


@pytest.mark.parametrize("angles", [(0.0, 8.0, -5.0), (30.0, -12.0, 20.0), (0.0, 0.0, 0.0)])
def test_a_tilted_room_is_levelled(angles):
    room = make_scene(200_000, seed=2).xyz  # its floor is z = 0
    tilted = tilt(room, *angles)
    plane = ground_plane(tilted)
    assert plane.inliers > 0.2
    z, y, x = levelling_angles(plane.normal, (0.0, 0.0, 0.0))
    levelled = rotate(tilted, z, y, x, "centroid")
    floor = levelled[np.abs(room[:, 2]) < 0.005]  # the floor's points, after levelling
    assert np.ptp(floor[:, 2]) < 0.03  # flat to a few cm over a 6 m room
    # Levelling an already level room turns it by (almost) nothing.
    again = ground_plane(levelled)
    assert again.normal[2] == pytest.approx(1.0, abs=1e-4)


def test_levelling_keeps_the_current_turn(data_dir):
    """Angles are total: the current rotation followed by the levelling turn."""
    xyz = read_cloud(data_dir / "brighton_small.xyz").xyz
    current = (25.0, 0.0, 0.0)
    seen = rotate(xyz, *current, "centroid")
    plane = ground_plane(seen)
    z, y, x = levelling_angles(plane.normal, current)
    levelled = rotate(xyz, z, y, x, "centroid")
    assert ground_plane(levelled).normal[2] == pytest.approx(1.0, abs=1e-3)
    # Brighton is nearly level already: the heading stays about 25 degrees.
    assert z == pytest.approx(25.0, abs=3.0)


def test_real_scans_ground_is_found(data_dir):
    for name in ("brighton_small.xyz", "autzen_trim.las", "lone-star.laz"):
        xyz = read_cloud(data_dir / name).xyz
        plane = ground_plane(xyz)
        assert plane.normal[2] > 0.95, name  # these scans were taken upright
        assert plane.inliers > 0.05, name


def test_bad_input_and_cancel():
    with pytest.raises(InputError):
        ground_plane(np.zeros((2, 3)))
    wall = np.column_stack([np.random.default_rng(0).random((1000, 2)), np.zeros(1000)])
    with pytest.raises(InputError, match="upright"):
        ground_plane(wall[:, [0, 2, 1]])  # a vertical plane only
    with pytest.raises(Cancelled):
        ground_plane(make_scene(20_000, seed=1).xyz, cancel=lambda: True)
