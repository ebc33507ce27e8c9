"""Per-point fields beyond xyz/rgb/intensity (return number, classification, user data...):
read from real LAS/LAZ/COPC scans, equal to laspy's own read, constant ones dropped, and
carried by every operation that keeps rows."""

from __future__ import annotations

import laspy
import numpy as np
import pytest

from core.cloud import PointCloud
from core.downsample import downsample
from core.errors import InputError
from core.io import read_cloud, write_cloud
from core.io.ply import read_ply


def _laspy_fields(path) -> dict[str, np.ndarray]:
    """Every dimension laspy reads, as plain arrays."""
    las = laspy.read(path)
    return {name: np.asarray(las[name]) for name in las.point_format.dimension_names}


@pytest.mark.parametrize(
    ("name", "varying", "constant"),
    [
        (
            "autzen_trim.las",
            {
                "return_number",
                "number_of_returns",
                "scan_direction_flag",
                "classification",
                "scan_angle_rank",
                "user_data",
                "gps_time",
            },
            {"edge_of_flight_line", "synthetic", "key_point", "withheld", "point_source_id"},
        ),
        (
            "brighton_small.laz",
            {"classification", "key_point"},
            {"return_number", "user_data", "gps_time", "point_source_id", "scan_angle_rank"},
        ),
    ],
)
def test_las_fields_equal_laspy_and_constant_ones_are_dropped(data_dir, name, varying, constant):
    path = data_dir / name
    cloud = read_cloud(path)
    truth = _laspy_fields(path)
    assert set(cloud.point_fields) == varying
    for field in varying:
        values = cloud.point_fields[field]
        assert values.dtype == truth[field].dtype, field  # the file's dtype, not float64
        assert np.array_equal(values, truth[field]), field
    for field in constant:
        assert len(np.unique(truth[field])) == 1  # really constant in the file
    # Colour, intensity and coordinates stay where they were, not duplicated as fields.
    assert not {"X", "Y", "Z", "red", "green", "blue", "intensity"} & set(cloud.point_fields)
    assert set(cloud.fields()) >= {"xyz", "rgb", "labels", *varying}


def test_lone_star_laz_and_copc_have_no_varying_field(data_dir):
    for name in ("lone-star.laz", "lone-star.copc.laz"):
        cloud = read_cloud(data_dir / name)
        truth = _laspy_fields(data_dir / name)
        assert cloud.point_fields == {}, name
        # Every one of its per-point fields is constant: nothing worth keeping.
        assert all(len(np.unique(truth[f])) == 1 for f in truth if f not in "XYZintensity")


def test_copc_fields_follow_the_octree_order(data_dir):
    path = data_dir / "1.2-with-color.copc.laz"
    cloud = read_cloud(path)
    truth = _laspy_fields(path)
    assert {"return_number", "classification", "user_data", "gps_time"} <= set(cloud.point_fields)
    # COPC returns points in octree order: match them to laspy's rows by gps_time (unique).
    order = np.argsort(truth["gps_time"])[
        np.searchsorted(np.sort(truth["gps_time"]), cloud.point_fields["gps_time"])
    ]
    for field, values in cloud.point_fields.items():
        assert np.array_equal(values, truth[field][order]), field


def test_fields_follow_subsets_and_row_keeping_samples(data_dir):
    cloud = read_cloud(data_dir / "autzen_trim.las")
    returns = cloud.point_fields["return_number"]
    rows = np.flatnonzero(cloud.xyz[:, 0] < np.median(cloud.xyz[:, 0]))  # a crop
    crop = cloud.subset(rows)
    assert np.array_equal(crop.point_fields["return_number"], returns[rows])
    assert crop.point_fields["gps_time"].dtype == np.float64
    for method in ("stride", "random", "voxel-nearest"):
        sample = downsample(cloud, method, voxel_size=2.0, target=10_000).sample
        assert set(sample.point_fields) == set(cloud.point_fields), method
        # Each sample point is a real point: its fields are that point's, found by xyz.
        full_rows = _rows_of(cloud.xyz, sample.xyz)
        for field, values in sample.point_fields.items():
            assert values.dtype == cloud.point_fields[field].dtype
            assert np.array_equal(values, cloud.point_fields[field][full_rows]), (method, field)
    mean = downsample(cloud, "voxel-mean", voxel_size=2.0).sample
    assert mean.point_fields == {}  # a mean of return numbers means nothing


def _rows_of(full_xyz: np.ndarray, sample_xyz: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    distance, rows = cKDTree(full_xyz).query(sample_xyz)
    assert distance.max() == 0.0
    return rows


def test_ply_and_pcd_extra_scalars_become_fields(tmp_path):
    rng = np.random.default_rng(3)
    n = 500
    cloud = PointCloud(xyz=rng.random((n, 3)), rgb=rng.integers(0, 255, (n, 3)))
    origin = rng.integers(0, 3, n).astype(np.uint8)
    write_cloud(cloud, tmp_path / "a.ply", extra={"label_origin": origin, "flat": np.ones(n)})
    back = read_ply(tmp_path / "a.ply")
    assert set(back.point_fields) == {"label_origin"}  # "flat" is constant
    assert back.point_fields["label_origin"].dtype == np.uint8
    assert np.array_equal(back.point_fields["label_origin"], origin)
    assert back.point_fields["label_origin"].flags.c_contiguous

    header = (
        "VERSION .7\nFIELDS x y z curvature ring _\nSIZE 4 4 4 4 2 1\nTYPE F F F F U U\n"
        f"COUNT 1 1 1 1 1 1\nWIDTH {n}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {n}\n"
        "DATA ascii\n"
    )
    ring = rng.integers(0, 16, n)
    lines = [f"{x} {y} {z} 0.5 {r} {r % 2}" for (x, y, z), r in zip(cloud.xyz, ring, strict=True)]
    (tmp_path / "b.pcd").write_text(header + "\n".join(lines) + "\n")
    pcd = read_cloud(tmp_path / "b.pcd")
    assert set(pcd.point_fields) == {"ring"}  # curvature is constant, "_" is padding
    assert pcd.point_fields["ring"].dtype == np.uint16
    assert np.array_equal(pcd.point_fields["ring"], ring)


def test_a_field_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="gps_time"):
        PointCloud(xyz=np.zeros((3, 3)), point_fields={"gps_time": np.zeros(2)})


def test_a_flag_that_starts_to_vary_late_is_kept_whole(tmp_path, monkeypatch):
    """A field constant in the first chunks takes no memory until it changes; then every
    point before gets the first value and every point after its own."""
    import core.io.las as las_module

    n = 12_000
    header = laspy.LasHeader(point_format=3, version="1.2")
    header.scales = [0.001] * 3
    las = laspy.LasData(header)
    rng = np.random.default_rng(5)
    las.x, las.y, las.z = rng.random(n), rng.random(n), rng.random(n)
    returns = np.ones(n, np.uint8)
    returns[9_500:] = rng.integers(1, 4, n - 9_500)  # varies only in the last chunks
    las.return_number, las.number_of_returns = returns, np.full(n, 3, np.uint8)
    las.key_point = np.zeros(n, np.uint8)  # constant throughout
    classes = np.full(n, 2, np.uint8)
    classes[11_999] = 6  # one building point in the very last chunk
    las.classification = classes
    las.write(tmp_path / "late.las")
    chunks = las_module.held_chunks
    monkeypatch.setattr(las_module, "held_chunks", lambda reader: chunks(reader, 1_000))
    cloud = read_cloud(tmp_path / "late.las")
    assert set(cloud.point_fields) == {"return_number", "classification"}
    assert np.array_equal(cloud.point_fields["return_number"], returns)
    assert np.array_equal(cloud.point_fields["classification"], classes)
    assert cloud.labels is not None and np.array_equal(cloud.labels, classes)


def test_e57_fields_every_scan_has_are_joined(tmp_path):
    import pye57

    rng = np.random.default_rng(2)

    def scan(n: int, **more: np.ndarray) -> dict[str, np.ndarray]:
        xyz = {f"cartesian{a}": rng.random(n) for a in "XYZ"}
        return {**xyz, "intensity": rng.random(n).astype(np.float32), **more}

    rows_a, rows_b = np.arange(40) % 7, np.arange(30) % 5
    e57 = pye57.E57(str(tmp_path / "two.e57"), mode="w")
    e57.write_scan_raw(scan(40, rowIndex=rows_a, columnIndex=np.zeros(40, np.int32)))
    e57.write_scan_raw(scan(30, rowIndex=rows_b, columnIndex=np.zeros(30, np.int32)))
    e57.close()
    cloud = read_cloud(tmp_path / "two.e57")
    assert set(cloud.point_fields) == {"rowIndex"}  # columnIndex is 0 everywhere
    assert np.array_equal(cloud.point_fields["rowIndex"], np.concatenate([rows_a, rows_b]))
    # A scan without the field has no value to give its points: the field is left out.
    e57 = pye57.E57(str(tmp_path / "one_without.e57"), mode="w")
    e57.write_scan_raw(scan(40, rowIndex=rows_a, columnIndex=rows_a))
    e57.write_scan_raw(scan(30))
    e57.close()
    assert read_cloud(tmp_path / "one_without.e57").point_fields == {}


def test_fields_go_along_into_an_exported_las(data_dir, tmp_path):
    source = data_dir / "autzen_trim.las"
    cloud = read_cloud(source)
    labels = np.where(cloud.point_fields["classification"] == 2, 7, 255).astype(np.uint8)
    write_cloud(cloud, tmp_path / "out.laz", labels=labels)
    back, truth = laspy.read(tmp_path / "out.laz"), laspy.read(source)
    assert back.header.point_format.id == 7
    for name in ("return_number", "number_of_returns", "scan_direction_flag", "user_data"):
        assert np.array_equal(np.asarray(back[name]), np.asarray(truth[name])), name
    assert np.array_equal(back.gps_time, truth.gps_time)
    # LAS 1.4 counts the scan angle in 0.006 degree steps; the 1.2 file in whole degrees.
    assert np.allclose(np.asarray(back.scan_angle) * 0.006, truth.scan_angle_rank, atol=0.003)
    assert np.array_equal(back.classification, labels)  # the labels, not the file's classes
    again = read_cloud(tmp_path / "out.laz")
    assert np.array_equal(again.point_fields["return_number"], cloud.point_fields["return_number"])

    # A PLY's own scalars become extra bytes of their dtype.
    ply = PointCloud(
        xyz=cloud.xyz[:1000],
        offset=cloud.offset,
        point_fields={
            "ring": np.arange(1000, dtype=np.uint16) % 32,
            "nz": np.linspace(-1, 1, 1000),
        },
    )
    write_cloud(ply, tmp_path / "ply.las")
    out = laspy.read(tmp_path / "ply.las")
    assert out["ring"].dtype == np.uint16 and np.array_equal(out["ring"], ply.point_fields["ring"])
    assert np.array_equal(out["nz"], ply.point_fields["nz"])
    bad = PointCloud(xyz=cloud.xyz[:3], point_fields={"return_number": np.array([1, 40, 2])})
    with pytest.raises(InputError, match="return_number"):
        write_cloud(bad, tmp_path / "bad.las")
    assert not [p.name for p in tmp_path.iterdir() if "bad" in p.name]  # no half-written file


def test_fields_go_along_into_an_exported_ply(data_dir, tmp_path):
    cloud = read_cloud(data_dir / "autzen_trim.las")
    write_cloud(cloud, tmp_path / "out.ply", labels=cloud.labels)
    back = read_ply(tmp_path / "out.ply")
    # classification: the labels given (a "classification" property would read as labels).
    assert set(back.point_fields) == set(cloud.point_fields) - {"classification"}
    for name, values in back.point_fields.items():
        assert values.dtype == cloud.point_fields[name].dtype, name  # int8 stays char...
        assert np.array_equal(values, cloud.point_fields[name]), name
    assert cloud.labels is not None and back.labels is not None
    assert np.array_equal(back.labels, cloud.labels)
    write_cloud(cloud, tmp_path / "plain.ply")  # no labels asked: none come back
    assert read_ply(tmp_path / "plain.ply").labels is None
