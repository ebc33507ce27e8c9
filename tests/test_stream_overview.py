"""The overview and region readers of a file too big to hold: bounded, exact rows."""

from __future__ import annotations

import laspy
import numpy as np
import pytest

from core.errors import Cancelled, InputError
from core.io import read_cloud, write_cloud
from core.scene import make_scene
from core.stream.chunks import las_chunks
from core.stream.overview import read_overview
from core.stream.region import read_region


@pytest.fixture(scope="module")
def room_laz(tmp_path_factory):
    """A 60k-point room at georeferenced coordinates (recentred when read)."""
    cloud = make_scene(60_000, seed=5)
    cloud.offset = np.array([512_000.0, 4_100_000.0, 150.0])
    path = tmp_path_factory.mktemp("overview") / "room.laz"
    write_cloud(cloud, path, labels=cloud.labels)
    return path


def _file_order_xyz(path) -> np.ndarray:
    """Every point in file order, recentred, as the streaming reader gives them."""
    return np.concatenate([c.xyz for c in las_chunks(path, chunk_points=100_000)])


def test_las_overview_is_every_kth_point_and_bounded(room_laz):
    whole = read_cloud(room_laz)
    view = read_overview(room_laz, 7_000, chunk_points=7_777)  # chunks not a multiple of k
    k = 9  # ceil(60_000 / 7_000)
    assert len(view.cloud) == len(range(0, 60_000, k)) <= 7_000
    assert np.array_equal(view.rows, np.arange(0, 60_000, k))
    assert np.array_equal(view.cloud.xyz, whole.xyz[::k])
    assert np.array_equal(view.cloud.labels, whole.labels[::k])
    assert np.array_equal(view.cloud.offset, whole.offset)
    assert view.n_file == 60_000 and view.how == "every 9th point"


def test_overview_honours_cancel(room_laz):
    with pytest.raises(Cancelled):
        read_overview(room_laz, 1_000, chunk_points=5_000, cancel=lambda: True)


def test_copc_overview_takes_coarse_levels_with_their_file_rows(data_dir):
    path = data_dir / "lone-star.copc.laz"  # 518,862 points
    view = read_overview(path, 100_000)
    assert 0 < len(view.cloud) <= 100_000
    assert view.how.startswith("octree level")
    assert np.array_equal(view.cloud.xyz, _file_order_xyz(path)[view.rows])
    # Coarse levels cover the whole extent, not one corner of it.
    whole = read_cloud(path)
    lo, hi = whole.bounds()
    got_lo, got_hi = view.cloud.bounds()
    assert np.all(got_lo - lo < 0.05 * (hi - lo)) and np.all(hi - got_hi < 0.05 * (hi - lo))


def test_las_region_is_the_points_inside_the_box_read_by_laspy(room_laz):
    las = laspy.read(room_laz)
    absolute = np.column_stack([np.asarray(las.x), np.asarray(las.y), np.asarray(las.z)])
    offset = read_cloud(room_laz).offset
    lo, hi = np.array([1.0, 1.0, -1.0]), np.array([3.0, 2.5, 1.0])
    view = read_region(room_laz, lo, hi, 60_000, chunk_points=9_999)
    inside = np.all((absolute - offset >= lo) & (absolute - offset <= hi), axis=1)
    assert 0 < inside.sum() < 60_000
    assert np.array_equal(view.rows, np.flatnonzero(inside))
    assert np.allclose(view.cloud.xyz + offset, absolute[inside], atol=1e-9, rtol=0)
    assert np.array_equal(view.cloud.labels, np.asarray(las.classification)[inside])


def test_region_larger_than_the_limit_is_refused(room_laz):
    with pytest.raises(InputError, match="draw a smaller box"):
        read_region(room_laz, np.full(3, -100.0), np.full(3, 100.0), 1_000, chunk_points=5_000)


def test_copc_region_reads_the_touched_nodes_and_keeps_file_rows(data_dir):
    path = data_dir / "lone-star.copc.laz"
    xyz = _file_order_xyz(path)
    lo, hi = np.percentile(xyz, 30, axis=0), np.percentile(xyz, 45, axis=0)
    lo[2], hi[2] = xyz[:, 2].min(), xyz[:, 2].max()
    view = read_region(path, lo, hi, 600_000)
    inside = np.flatnonzero(np.all((xyz >= lo) & (xyz <= hi), axis=1))
    assert len(inside) > 1_000
    assert np.array_equal(view.rows, inside)
    assert np.array_equal(view.cloud.xyz, xyz[inside])
