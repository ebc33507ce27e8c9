"""COPC and E57 readers on the real PDAL test files, dispatched by read_cloud."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import Cancelled, InputError
from core.io import peek_point_count, read_cloud, write_cloud
from core.io.copc import read_copc
from core.io.e57 import read_e57


def _sorted_absolute(cloud, scale: float = 0.00025) -> np.ndarray:
    """Absolute coordinates on the files' 0.25 mm grid, rows sorted (order-free compare)."""
    xyz = np.round((cloud.xyz + cloud.offset) / scale).astype(np.int64)
    return xyz[np.lexsort(xyz.T[::-1])]


def test_copc_whole_file_gives_the_same_points_as_the_laz(data_dir):
    copc = read_cloud(data_dir / "lone-star.copc.laz")
    laz = read_cloud(data_dir / "lone-star.laz")
    assert len(copc) == len(laz) == 518_862
    assert np.array_equal(copc.offset, laz.offset)
    assert np.array_equal(_sorted_absolute(copc), _sorted_absolute(laz))
    assert copc.rgb is None and copc.intensity is not None
    assert np.isclose(np.sort(copc.intensity).sum(), np.sort(laz.intensity).sum())


def test_copc_bounds_query_keeps_only_the_points_inside(data_dir):
    path = data_dir / "lone-star.copc.laz"
    whole = read_copc(path)
    lo, hi = whole.xyz.min(axis=0) + whole.offset, whole.xyz.max(axis=0) + whole.offset
    mid = (lo + hi) / 2
    part = read_copc(path, bounds=(lo[:2], mid[:2]))
    absolute = whole.xyz + whole.offset
    inside = np.all((absolute[:, :2] >= lo[:2]) & (absolute[:, :2] <= mid[:2]), axis=1)
    assert 0 < len(part) < len(whole)
    # The octree query may drop points exactly on the rounded border: within a handful.
    assert abs(len(part) - int(inside.sum())) <= 5
    got = part.xyz + part.offset
    assert np.all(got[:, :2] >= lo[:2] - 1e-3) and np.all(got[:, :2] <= mid[:2] + 1e-3)


def test_copc_with_colour_reads_rgb(data_dir):
    path = data_dir / "1.2-with-color.copc.laz"
    cloud = read_cloud(path)
    assert len(cloud) == peek_point_count(path) == 1065
    assert cloud.rgb is not None and cloud.rgb.dtype == np.uint8 and cloud.rgb.max() > 0
    assert np.all(cloud.offset > 0)  # georeferenced: recentred


def test_copc_read_honours_cancel(data_dir):
    with pytest.raises(Cancelled):
        read_copc(data_dir / "lone-star.copc.laz", cancel=lambda: True)


def test_copc_is_not_a_write_format(data_dir, tmp_path):
    cloud = read_cloud(data_dir / "1.2-with-color.copc.laz")
    with pytest.raises(InputError, match="cannot write '.copc.laz'"):
        write_cloud(cloud, tmp_path / "out.copc.laz")


def test_plain_laz_named_copc_gets_one_sentence(data_dir, tmp_path):
    fake = tmp_path / "brighton.copc.laz"
    fake.write_bytes((data_dir / "brighton_small.laz").read_bytes())
    with pytest.raises(InputError, match="not a readable COPC file"):
        read_cloud(fake)


def test_e57_single_scan(data_dir):
    cloud = read_cloud(data_dir / "A4.e57")
    assert len(cloud) == peek_point_count(data_dir / "A4.e57") == 4
    assert cloud.rgb is not None and cloud.intensity is not None
    assert cloud.rgb[0].tolist() == [0, 255, 0]
    assert np.allclose(cloud.xyz[0] + cloud.offset, [-44.30009842, -1.13209999, 0.33579999])


def test_e57_two_scans_are_joined_in_file_order(data_dir):
    cloud = read_cloud(data_dir / "A_B.e57")
    alone = read_cloud(data_dir / "A4.e57")
    assert len(cloud) == 6
    # The second scan of A_B is A4's scan: the last four points.
    assert np.allclose(cloud.xyz[2:] + cloud.offset, alone.xyz + alone.offset)
    assert cloud.rgb[:2].tolist() == [[255, 255, 0], [255, 255, 0]]


def test_e57_scans_with_different_fields_keep_both(data_dir):
    cloud = read_cloud(data_dir / "A_B_different_dims.e57")
    assert len(cloud) == 2
    # Scan 1 has intensity only, scan 2 colour only: the missing field is 0 for its points.
    assert cloud.intensity is not None and cloud.intensity[0] > 0.7 and cloud.intensity[1] == 0
    assert cloud.rgb is not None and cloud.rgb[0].tolist() == [0, 0, 0]
    assert cloud.rgb[1].tolist() == [74, 92, 54]


def test_e57_pose_is_applied_per_scan(tmp_path):
    import pye57

    local = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    data = {"cartesianX": local[:, 0], "cartesianY": local[:, 1], "cartesianZ": local[:, 2]}
    path = tmp_path / "posed.e57"
    e57 = pye57.E57(str(path), mode="w")
    e57.write_scan_raw(data, rotation=np.array([1.0, 0, 0, 0]), translation=np.zeros(3))
    # 90 degrees about z (w, x, y, z), then 10 m east: (1, 0, 0) -> (10, 1, 0).
    quarter = np.array([np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4)])
    e57.write_scan_raw(data, rotation=quarter, translation=np.array([10.0, 0, 0]))
    e57.close()
    cloud = read_e57(path)
    assert cloud.rgb is None and cloud.intensity is None
    xyz = cloud.xyz + cloud.offset
    assert np.allclose(xyz[:3], local)
    assert np.allclose(xyz[3:], [[10, 1, 0], [8, 0, 0], [10, 0, 3]])


def test_not_an_e57_gets_one_sentence(tmp_path):
    bad = tmp_path / "scan.e57"
    bad.write_bytes(b"not an e57 file at all" * 10)
    with pytest.raises(InputError, match="not a readable E57 file"):
        read_cloud(bad)
