"""The synthetic room: seeded, labeled, inside the room, classes mixing at voxel boundaries."""

from __future__ import annotations

import numpy as np
import pytest

from core.downsample import downsample
from core.errors import InputError
from core.scene import SCENE_CLASSES, make_scene, scene_settings


def test_scene_has_every_class_with_the_right_dtypes() -> None:
    cloud = make_scene(100_000, seed=0)
    assert len(cloud) == 100_000
    assert cloud.xyz.dtype == np.float64 and cloud.rgb.dtype == np.uint8
    assert cloud.labels.dtype == np.uint8
    assert [c.name for c in SCENE_CLASSES][:4] == ["floor", "wall", "furniture", "plant"]
    counts = np.bincount(cloud.labels, minlength=len(SCENE_CLASSES))
    assert np.all(counts > 1_000)


def test_scene_is_seeded() -> None:
    a, b, c = make_scene(5_000, seed=1), make_scene(5_000, seed=1), make_scene(5_000, seed=2)
    np.testing.assert_array_equal(a.xyz, b.xyz)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.xyz, c.xyz)


def test_points_lie_in_the_room_and_floor_is_flat() -> None:
    cloud = make_scene(50_000)
    size = np.array(scene_settings()["room"]["size"])
    assert np.all(cloud.xyz > -0.05) and np.all(cloud.xyz < size + 0.05)
    floor = cloud.xyz[cloud.labels == 0]
    assert abs(floor[:, 2].mean()) < 0.002 and floor[:, 2].std() < 0.01
    walls = cloud.xyz[cloud.labels == 1]
    near_wall = np.minimum.reduce(
        [walls[:, 0], walls[:, 1], size[0] - walls[:, 0], size[1] - walls[:, 1]]
    )
    assert np.abs(near_wall).max() < 0.05


def test_voxels_at_boundaries_mix_classes() -> None:
    cloud = make_scene(200_000, seed=5)
    result = downsample(cloud, "voxel-mean", voxel_size=0.05)
    pairs = np.unique(np.column_stack([result.index_map, cloud.labels]), axis=0)
    mixed = np.count_nonzero(np.bincount(pairs[:, 0]) > 1)
    assert 0.005 * len(result.sample) < mixed < 0.3 * len(result.sample)


def test_bad_size_is_an_input_error() -> None:
    with pytest.raises(InputError):
        make_scene(0)
