"""The per-point label origin as an extra field: a LAS/LAZ extra byte and a PLY property
named ``label_origin``, read back with laspy and with our PLY reader."""

from __future__ import annotations

import laspy
import numpy as np
import pytest

from core.errors import InputError
from core.io import read_cloud, write_cloud
from core.io.ply import read_ply_property
from core.scene import make_scene


@pytest.fixture(scope="module")
def room():
    cloud = make_scene(5_000, seed=3)
    origin = np.random.default_rng(0).integers(0, 3, len(cloud)).astype(np.uint8)
    return cloud, origin


@pytest.mark.parametrize("suffix", [".las", ".laz"])
def test_las_extra_byte_reads_back(tmp_path, room, suffix):
    cloud, origin = room
    out = tmp_path / f"room{suffix}"
    write_cloud(cloud, out, labels=cloud.labels, extra={"label_origin": origin})
    las = laspy.read(out)
    assert "label_origin" in las.point_format.extra_dimension_names
    np.testing.assert_array_equal(np.asarray(las["label_origin"]), origin)
    np.testing.assert_array_equal(np.asarray(las.classification), cloud.labels)
    again = read_cloud(out)  # our own reader still reads the file
    np.testing.assert_array_equal(again.labels, cloud.labels)


def test_ply_property_reads_back(tmp_path, room):
    cloud, origin = room
    out = tmp_path / "room.ply"
    write_cloud(cloud, out, labels=cloud.labels, extra={"label_origin": origin})
    np.testing.assert_array_equal(read_ply_property(out, "label_origin"), origin)
    again = read_cloud(out)
    np.testing.assert_array_equal(again.labels, cloud.labels)
    np.testing.assert_allclose(again.xyz + again.offset, cloud.xyz + cloud.offset, atol=1e-9)
    with pytest.raises(InputError, match="no 'nothing' vertex property"):
        read_ply_property(out, "nothing")


def test_extra_fields_only_where_the_format_has_room(tmp_path, room):
    cloud, origin = room
    with pytest.raises(InputError, match="LAS, LAZ or PLY"):
        write_cloud(cloud, tmp_path / "room.txt", extra={"label_origin": origin})
    with pytest.raises(InputError, match="one value a point"):
        write_cloud(cloud, tmp_path / "room.ply", extra={"label_origin": origin[:10]})
    assert not list(tmp_path.iterdir())  # nothing half-written
