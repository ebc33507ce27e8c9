"""The fast preview's voxel downsample is the voxel downsample: same voxels, order, means,
colours, intensities, nearest points and index map as `core.downsample`, on real scans."""

from __future__ import annotations

import numpy as np
import pytest

from core.cloud import PointCloud
from core.downsample import downsample
from core.errors import InputError
from core.io import read_cloud
from core.rotate import rotate
from core.scene import make_scene
from core.voxel_preview import prepare, voxel_preview


@pytest.fixture(scope="module")
def scans(data_dir) -> dict[str, PointCloud]:
    """Real scans of different kinds: photogrammetry with colour, a Kinect tabletop, a
    terrestrial scan with intensity only, airborne LiDAR; and the synthetic room."""
    names = ("brighton_small.laz", "test55.xyz", "lone-star.laz", "autzen_trim.las")
    clouds = {name: read_cloud(data_dir / name) for name in names}
    clouds["room"] = make_scene(300_000, seed=2)
    return clouds


def assert_same(fast, reference) -> None:
    got, want = fast.sample, reference.sample
    assert len(got) == len(want)
    np.testing.assert_allclose(got.xyz, want.xyz, rtol=0, atol=1e-9)
    for name in ("rgb", "intensity", "labels"):
        a, b = getattr(got, name), getattr(want, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=name)
    np.testing.assert_array_equal(fast.index_map(), reference.index_map)


@pytest.mark.parametrize("method", ["voxel-mean", "voxel-nearest"])
@pytest.mark.parametrize(
    "name", ["brighton_small.laz", "test55.xyz", "lone-star.laz", "autzen_trim.las", "room"]
)
def test_same_downsample_as_core_at_several_sizes(scans, name: str, method: str) -> None:
    cloud = scans[name]
    prepared = prepare(cloud)
    extent = float(np.max(prepared.hi - prepared.lo))
    # From a few points per voxel to a handful of voxels; one size hits the hash table
    # path (more (y, z) cells than the direct table holds) on the large scans.
    for voxel_size in (extent / 3000, extent / 400, extent / 37, extent / 3):
        reference = downsample(cloud, method, voxel_size=voxel_size)
        assert_same(voxel_preview(prepared, method, voxel_size), reference)


def test_rotated_cloud_and_coordinates_on_voxel_faces() -> None:
    # Points on a 1 cm lattice lie exactly on the faces of 1 cm and 5 mm voxels, where a
    # multiplication instead of the division would floor differently.
    rng = np.random.default_rng(4)
    xyz = rng.integers(0, 300, (60_000, 3)) * 0.01
    cloud = PointCloud(xyz=xyz, rgb=rng.integers(0, 256, (60_000, 3)))
    for voxel_size in (0.01, 0.005, 0.03, 0.07):
        prepared = prepare(cloud)
        assert_same(
            voxel_preview(prepared, "voxel-mean", voxel_size),
            downsample(cloud, "voxel-mean", voxel_size=voxel_size),
        )
    turned = cloud.with_xyz(rotate(cloud.xyz, 30, 10, 5))
    assert_same(
        voxel_preview(prepare(turned), "voxel-nearest", 0.02),
        downsample(turned, "voxel-nearest", voxel_size=0.02),
    )


def test_bad_voxel_sizes_and_empty_clouds_say_what_to_do() -> None:
    prepared = prepare(make_scene(1_000))
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(InputError, match="positive number of metres"):
            voxel_preview(prepared, "voxel-mean", bad)
    with pytest.raises(InputError, match="too small"):
        voxel_preview(prepared, "voxel-mean", 1e-19)
    with pytest.raises(InputError, match="no points"):
        prepare(PointCloud(np.zeros((0, 3))))


@pytest.mark.parametrize("method", ["voxel-mean", "voxel-nearest"])
def test_the_windows_fast_route_gives_the_plain_preview(scans, method: str) -> None:
    # What the live preview hands to "Use this sample": the sample and its index map.
    from gui.preview import exact_downsample, rotated_cloud
    from gui.session import DownsampleSettings, Rotation

    cloud, rotation = scans["brighton_small.laz"], Rotation(z=20.0, y=5.0)
    settings = DownsampleSettings(method, voxel_size=0.3)
    prepared = prepare(rotated_cloud(cloud, rotation))
    fast = exact_downsample(cloud, rotation, settings, prepared=prepared)
    plain = exact_downsample(cloud, rotation, settings)
    assert fast.rotation == plain.rotation and fast.n_full == plain.n_full == len(cloud)
    np.testing.assert_allclose(fast.sample.xyz, plain.sample.xyz, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(fast.index_map, plain.index_map)


def test_a_newer_slider_step_stops_it_after_a_quarter() -> None:
    from core.errors import Cancelled

    prepared = prepare(make_scene(50_000))
    asked: list[int] = []

    def cancel() -> bool:  # a newer request arrives after the first quarter of the slabs
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(Cancelled):
        voxel_preview(prepared, "voxel-mean", 0.05, cancel)
    assert len(asked) == 3  # before the second of the four compiled calls


def test_a_wall_across_x_at_fine_voxels() -> None:
    # A wall facing x puts 100-150k points into one slab with 90-150k cells in its cross-
    # section (the table and sums out of the cache): the same voxels, means, colours,
    # intensities and index map as core.
    rng = np.random.default_rng(7)
    wall = np.column_stack([rng.normal(0, 0.002, 150_000), rng.random((150_000, 2)) * [5, 3]])
    room = rng.random((50_000, 3)) * [6, 5, 3]
    xyz = np.vstack([wall, room])
    cloud = PointCloud(
        xyz=xyz,
        rgb=rng.integers(0, 256, (len(xyz), 3)).astype(np.uint8),
        intensity=rng.random(len(xyz)).astype(np.float32),
    )
    prepared = prepare(cloud)
    for voxel_size in (0.01, 0.013):
        assert_same(
            voxel_preview(prepared, "voxel-mean", voxel_size),
            downsample(cloud, "voxel-mean", voxel_size=voxel_size),
        )


def test_the_index_maps_pass_stops_at_a_newer_step_and_runs_again_later() -> None:
    from core.errors import Cancelled

    cloud = make_scene(50_000)
    fast = voxel_preview(prepare(cloud), "voxel-mean", 0.05)
    asked: list[int] = []

    def cancel() -> bool:  # a newer slider step arrives during the first chunk
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(Cancelled):
        fast.index_map(cancel)
    assert len(asked) == 2 and fast.met is None
    reference = downsample(cloud, "voxel-mean", voxel_size=0.05)
    np.testing.assert_array_equal(fast.index_map(), reference.index_map)
