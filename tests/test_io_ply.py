"""PLY: our binary writer round-trips; ascii, big-endian, float colours and faces read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.cloud import UNLABELED, PointCloud
from core.io import peek_point_count, read_cloud, write_cloud


def _ply(path: Path, fmt: str, properties: list[str], body: bytes, extra: str = "") -> Path:
    header = ["ply", f"format {fmt} 1.0", "comment made by a test", extra]
    header += [f"element vertex {3}"] + [f"property {p}" for p in properties]
    header += ["element face 1", "property list uchar int vertex_indices", "end_header\n"]
    path.write_bytes("\n".join(h for h in header if h).encode() + body)
    return path


def test_round_trip_keeps_double_precision_and_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    cloud = PointCloud(
        xyz=rng.uniform(0, 300, (2000, 3)),
        rgb=rng.integers(0, 256, (2000, 3)),
        intensity=rng.uniform(0, 1000, 2000),
        offset=np.array([637000.0, 849000.0, 400.0]),
    )
    labels = rng.integers(0, 5, 2000).astype(np.uint8)
    labels[::7] = UNLABELED
    write_cloud(cloud, tmp_path / "out.ply", labels=labels)
    back = read_cloud(tmp_path / "out.ply")
    assert peek_point_count(tmp_path / "out.ply") == 2000
    # Doubles in the file: the absolute coordinates come back exactly.
    np.testing.assert_array_equal(back.xyz + back.offset, cloud.xyz + cloud.offset)
    np.testing.assert_array_equal(back.rgb, cloud.rgb)
    np.testing.assert_array_equal(back.intensity, cloud.intensity)
    np.testing.assert_array_equal(back.labels, labels)
    assert back.labels.dtype == np.uint8


def test_wide_labels_round_trip_as_ushort(tmp_path: Path) -> None:
    cloud = PointCloud(xyz=np.zeros((3, 3)))
    labels = np.array([0, 300, 65535], np.uint16)
    write_cloud(cloud, tmp_path / "out.ply", labels=labels)
    back = read_cloud(tmp_path / "out.ply")
    np.testing.assert_array_equal(back.labels, labels)
    assert back.labels.dtype == np.uint16
    assert back.rgb is None


def test_ascii_with_float_colours_class_and_faces(tmp_path: Path) -> None:
    body = b"0 0 0 0.5 1 0 3\n1 0 0 0 0 1 4\n0 1 0.5 1 1 1 5\n3 0 1 2\n"
    props = ["float x", "float y", "float z", "float red", "float green", "float blue"]
    path = _ply(tmp_path / "a.ply", "ascii", props + ["int class"], body)
    cloud = read_cloud(path)
    np.testing.assert_array_equal(cloud.xyz, [[0, 0, 0], [1, 0, 0], [0, 1, 0.5]])
    np.testing.assert_array_equal(cloud.rgb, [[128, 255, 0], [0, 0, 255], [255, 255, 255]])
    np.testing.assert_array_equal(cloud.labels, [3, 4, 5])


def test_binary_big_endian_with_scalar_fields(tmp_path: Path) -> None:
    dtype = np.dtype(
        [
            ("x", ">f4"),
            ("y", ">f4"),
            ("z", ">f4"),
            ("scalar_intensity", ">f4"),
            ("scalar_label", ">i4"),
        ]
    )
    rows = np.array([(1, 2, 3, 0.5, 1), (4, 5, 6, 1.5, 2), (7, 8, 9, 2.5, 255)], dtype)
    face = np.array([3], "u1").tobytes() + np.array([0, 1, 2], ">i4").tobytes()
    props = ["float x", "float y", "float z", "float scalar_intensity", "int scalar_label"]
    path = _ply(tmp_path / "b.ply", "binary_big_endian", props, rows.tobytes() + face)
    cloud = read_cloud(path)
    np.testing.assert_array_equal(cloud.xyz, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(cloud.intensity, [0.5, 1.5, 2.5])
    np.testing.assert_array_equal(cloud.labels, [1, 2, 255])


def test_element_with_lists_before_the_vertices_is_skipped(tmp_path: Path) -> None:
    rows = np.array([(1.0, 2.0, 3.0, 300, 0, 65535)] * 3, [("x", "<f8"), ("y", "<f8"), ("z", "<f8"),
                    ("red", "<u2"), ("green", "<u2"), ("blue", "<u2")])  # fmt: skip
    faces = (np.array([2], "u1").tobytes() + np.array([0, 1], "<i4").tobytes()) * 2
    header = [
        "ply", "format binary_little_endian 1.0", "element edge 2",
        "property list uchar int vertex_indices", "element vertex 3",
        "property double x", "property double y", "property double z",
        "property ushort red", "property ushort green", "property ushort blue", "end_header\n",
    ]  # fmt: skip
    path = tmp_path / "c.ply"
    path.write_bytes("\n".join(header).encode() + faces + rows.tobytes())
    cloud = read_cloud(path)
    np.testing.assert_array_equal(cloud.xyz, [[1, 2, 3]] * 3)
    np.testing.assert_array_equal(cloud.rgb, [[1, 0, 255]] * 3)  # 16-bit colour >> 8


def test_real_scan_through_ply(tmp_path: Path, data_dir: Path) -> None:
    cloud = read_cloud(data_dir / "autzen_trim.las")
    write_cloud(cloud, tmp_path / "autzen.ply", labels=cloud.labels)
    back = read_cloud(tmp_path / "autzen.ply")
    assert len(back) == 110000
    np.testing.assert_array_equal(back.xyz + back.offset, cloud.xyz + cloud.offset)
    assert set(np.unique(back.labels).tolist()) == {1, 2}
