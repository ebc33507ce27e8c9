"""Downsampling: voxel methods equal a brute-force reference on a real scan; maps are consistent."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from core.cloud import PointCloud
from core.downsample import METHODS, count_voxels, downsample, random_sample, stride
from core.errors import InputError
from core.scene import make_scene


@pytest.fixture(scope="module")
def test55(data_dir) -> PointCloud:
    table = np.loadtxt(data_dir / "test55.xyz", delimiter=",")
    labels = np.loadtxt(data_dir / "test55.labels", dtype=np.int64).astype(np.uint8)
    return PointCloud(xyz=table[:, :3], rgb=table[:, 3:6], labels=labels, source="test55")


def reference_voxels(xyz: np.ndarray, voxel_size: float) -> dict[tuple[int, int, int], list[int]]:
    """Point indices per voxel, grouped one point at a time in plain Python."""
    lo = xyz.min(axis=0)
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i, p in enumerate(xyz.tolist()):
        key = tuple(int(np.floor((p[a] - lo[a]) / voxel_size)) for a in range(3))
        groups[key].append(i)  # type: ignore[index]
    return groups


def voxel_of(xyz: np.ndarray, lo: np.ndarray, voxel_size: float) -> np.ndarray:
    return np.floor((xyz - lo) / voxel_size).astype(np.int64)


@pytest.mark.parametrize("voxel_size", [0.005, 0.01, 0.037])
def test_voxel_mean_equals_brute_force_on_real_scan(test55: PointCloud, voxel_size: float) -> None:
    groups = reference_voxels(test55.xyz, voxel_size)
    keys = sorted(groups)
    rgb = test55.rgb.astype(np.float64)
    ref_xyz = np.array([test55.xyz[groups[k]].mean(axis=0) for k in keys])
    ref_rgb = np.array([np.rint(rgb[groups[k]].mean(axis=0)) for k in keys]).astype(np.uint8)

    result = downsample(test55, "voxel-mean", voxel_size=voxel_size)

    assert len(result.sample) == len(keys) == count_voxels(test55.xyz, voxel_size)
    np.testing.assert_allclose(result.sample.xyz, ref_xyz, rtol=0, atol=1e-12)
    assert np.abs(result.sample.rgb.astype(int) - ref_rgb).max() <= 1  # .5 rounding only
    assert (result.sample.rgb == ref_rgb).mean() > 0.999
    assert result.sample.labels is None
    assert result.index_map.dtype == np.int32 and result.index_map.shape == (len(test55),)
    for row, key in enumerate(keys):
        assert np.all(result.index_map[groups[key]] == row)


def test_voxel_nearest_keeps_the_real_point_closest_to_the_mean(test55: PointCloud) -> None:
    voxel_size = 0.01
    groups = reference_voxels(test55.xyz, voxel_size)
    result = downsample(test55, "voxel-nearest", voxel_size=voxel_size)
    for row, key in enumerate(sorted(groups)):
        members = np.array(groups[key])
        dist = np.linalg.norm(test55.xyz[members] - test55.xyz[members].mean(axis=0), axis=1)
        best = members[np.argmin(dist)]
        np.testing.assert_array_equal(result.sample.xyz[row], test55.xyz[best])
        np.testing.assert_array_equal(result.sample.rgb[row], test55.rgb[best])
        assert result.sample.labels[row] == test55.labels[best]


@pytest.mark.parametrize("method", ["voxel-mean", "voxel-nearest"])
def test_every_point_lies_in_its_sample_points_voxel(method: str) -> None:
    cloud = make_scene(200_000, seed=3)
    result = downsample(cloud, method, voxel_size=0.05)
    lo = cloud.xyz.min(axis=0)
    own = voxel_of(cloud.xyz, lo, 0.05)
    if method == "voxel-nearest":
        picked = voxel_of(result.sample.xyz, lo, 0.05)[result.index_map]
        np.testing.assert_array_equal(own, picked)
    # Points of one voxel share one sample row, and different voxels never share one.
    key = (own[:, 0] * 10_000 + own[:, 1]) * 10_000 + own[:, 2]
    pairs = np.unique(np.column_stack([key, result.index_map]), axis=0)
    assert len(pairs) == len(np.unique(key)) == len(np.unique(result.index_map))


def test_sample_is_ordered_by_voxel_and_deterministic() -> None:
    cloud = make_scene(50_000, seed=1)
    a = downsample(cloud, "voxel-mean", voxel_size=0.1)
    shuffled = cloud.subset(np.random.default_rng(0).permutation(len(cloud)))
    b = downsample(shuffled, "voxel-mean", voxel_size=0.1)
    np.testing.assert_allclose(a.sample.xyz, b.sample.xyz, atol=1e-12)


def test_points_on_a_boundary_go_to_the_voxel_above() -> None:
    xyz = np.array([[0.0, 0, 0], [0.5, 0, 0], [1.0, 0, 0], [0.999, 0, 0]])
    result = downsample(PointCloud(xyz=xyz), "voxel-mean", voxel_size=0.5)
    np.testing.assert_array_equal(result.index_map, [0, 1, 2, 1])
    np.testing.assert_allclose(result.sample.xyz[:, 0], [0.0, 0.7495, 1.0])


def test_single_point_and_huge_voxel() -> None:
    one = PointCloud(xyz=np.array([[1.0, 2.0, 3.0]]), rgb=np.array([[1, 2, 3]]))
    result = downsample(one, "voxel-mean", voxel_size=0.01)
    np.testing.assert_array_equal(result.sample.xyz, one.xyz)
    np.testing.assert_array_equal(result.sample.rgb, one.rgb)
    cloud = make_scene(10_000)
    huge = downsample(cloud, "voxel-nearest", voxel_size=1000.0)
    assert len(huge.sample) == 1 and np.all(huge.index_map == 0)


@pytest.mark.parametrize("voxel_size", [0.0, -1.0, float("nan")])
def test_bad_voxel_size_is_an_input_error(voxel_size: float) -> None:
    with pytest.raises(InputError):
        downsample(make_scene(100), "voxel-mean", voxel_size=voxel_size)


def test_stride_takes_every_step_th_point_like_the_notebook(test55: PointCloud) -> None:
    target = 10_000
    result = stride(test55, target)
    step = int(np.ceil(len(test55) / target))
    np.testing.assert_array_equal(result.sample.xyz, test55.xyz[::step])
    np.testing.assert_array_equal(result.index_map[::step], np.arange(len(result.sample)))


@pytest.mark.parametrize("method", ["stride", "random"])
def test_nearest_map_sends_each_point_to_its_nearest_sample_point(
    test55: PointCloud, method: str
) -> None:
    result = downsample(test55, method, target=5_000, seed=7)
    full = test55.xyz[::97]
    mapped = result.sample.xyz[result.index_map[::97]]
    brute = np.array([np.min(np.linalg.norm(result.sample.xyz - p, axis=1)) for p in full])
    np.testing.assert_allclose(np.linalg.norm(full - mapped, axis=1), brute, atol=1e-12)


def test_random_is_seeded_and_sorted(test55: PointCloud) -> None:
    a = random_sample(test55, 3_000, seed=5)
    b = random_sample(test55, 3_000, seed=5)
    np.testing.assert_array_equal(a.sample.xyz, b.sample.xyz)
    assert len(a.sample) == 3_000
    assert a.sample.labels is not None


def test_progress_reaches_the_end_and_cancel_stops() -> None:
    from core.errors import Cancelled

    cloud = make_scene(20_000)
    seen: list[float] = []
    downsample(cloud, "stride", target=1_000, progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0
    with pytest.raises(Cancelled):
        downsample(cloud, "voxel-mean", voxel_size=0.1, cancel=lambda: True)


def test_unknown_method_and_missing_settings_are_input_errors() -> None:
    cloud = make_scene(100)
    assert set(METHODS) == {"voxel-mean", "voxel-nearest", "stride", "random"}
    for kwargs in (
        {"method": "median", "voxel_size": 1.0},
        {"method": "voxel-mean"},
        {"method": "stride"},
        {"method": "random", "target": 0},
    ):
        with pytest.raises(InputError):
            downsample(cloud, **kwargs)  # type: ignore[arg-type]


def test_sparse_keys_over_a_vast_extent_match_the_reference() -> None:
    # 1 mm voxels over 10 km: the keys spread too far for buckets, so they are sorted.
    rng = np.random.default_rng(9)
    xyz = np.vstack([rng.random((300, 3)) * [1e4, 1e4, 1], rng.random((300, 3)) * 0.01])
    groups = reference_voxels(xyz, 0.001)
    result = downsample(PointCloud(xyz=xyz), "voxel-mean", voxel_size=0.001)
    keys = sorted(groups)
    assert len(result.sample) == len(keys)
    for row, key in enumerate(keys):
        np.testing.assert_allclose(result.sample.xyz[row], xyz[groups[key]].mean(axis=0))
        assert np.all(result.index_map[groups[key]] == row)


def test_nan_coordinates_are_an_input_error() -> None:
    xyz = np.zeros((5, 3))
    xyz[2, 1] = np.nan
    with pytest.raises(InputError):
        downsample(PointCloud(xyz=xyz), "voxel-mean", voxel_size=0.1)
