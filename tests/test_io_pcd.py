"""PCD: all three encodings round-trip; PCL-style packed float rgb; the LZF codec."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.cloud import PointCloud
from core.io import lzf, peek_point_count, read_cloud, write_cloud
from core.io.pcd import write_pcd


@pytest.mark.parametrize("encoding", ["ascii", "binary", "binary_compressed"])
def test_round_trip(tmp_path: Path, data_dir: Path, encoding: str) -> None:
    cloud = read_cloud(data_dir / "autzen_trim.las").subset(np.arange(0, 110000, 10))
    path = tmp_path / "out.pcd"
    write_pcd(cloud, path, labels=cloud.labels, encoding=encoding)
    back = read_cloud(path)
    assert peek_point_count(path) == len(cloud) == len(back)
    np.testing.assert_array_equal(back.xyz + back.offset, cloud.xyz + cloud.offset)
    np.testing.assert_array_equal(back.rgb, cloud.rgb)
    np.testing.assert_array_equal(back.intensity, cloud.intensity)
    np.testing.assert_array_equal(back.labels, cloud.labels)


def test_write_cloud_picks_pcd_by_extension(tmp_path: Path) -> None:
    cloud = PointCloud(xyz=np.arange(12.0).reshape(4, 3))
    write_cloud(cloud, tmp_path / "out.pcd")
    assert b"DATA binary" in (tmp_path / "out.pcd").read_bytes()
    np.testing.assert_array_equal(read_cloud(tmp_path / "out.pcd").xyz, cloud.xyz)


def test_pcl_packed_float_rgb_and_nan_points(tmp_path: Path) -> None:
    """PCL writes rgb as a float holding the bits 0x00RRGGBB; organized clouds hold NaNs."""
    packed = np.array([0x102030, 0xFF0080, 0x000000], np.uint32).view(np.float32)
    rows = np.zeros(3, [("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("rgb", "<f4")])
    rows["x"] = [1, np.nan, 3]
    rows["rgb"] = packed
    header = (
        "# .PCD v.7\nVERSION .7\nFIELDS x y z rgb\nSIZE 4 4 4 4\nTYPE F F F F\nCOUNT 1 1 1 1\n"
        "WIDTH 3\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS 3\nDATA binary\n"
    )
    path = tmp_path / "pcl.pcd"
    path.write_bytes(header.encode() + rows.tobytes())
    cloud = read_cloud(path)
    np.testing.assert_array_equal(cloud.xyz[:, 0], [1, 3])
    np.testing.assert_array_equal(cloud.rgb, [[0x10, 0x20, 0x30], [0, 0, 0]])


def test_ascii_rgba_as_uint(tmp_path: Path) -> None:
    header = (
        "VERSION 0.7\nFIELDS x y z rgba\nSIZE 4 4 4 4\nTYPE F F F U\nCOUNT 1 1 1 1\n"
        "WIDTH 2\nHEIGHT 1\nPOINTS 2\nDATA ascii\n"
    )
    body = f"0 0 0 {0xFF112233}\n1 1 1 {0x80445566}\n"
    path = tmp_path / "a.pcd"
    path.write_text(header + body)
    np.testing.assert_array_equal(read_cloud(path).rgb, [[0x11, 0x22, 0x33], [0x44, 0x55, 0x66]])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"x",
        b"abcabcabcabc" * 500,  # long back-references
        bytes(range(256)) * 40,
        np.random.default_rng(5).integers(0, 3, 70000).astype(np.uint8).tobytes(),
    ],
)
def test_lzf_round_trip(data: bytes) -> None:
    packed = lzf.compress(data)
    out = lzf.decompress(packed, len(data))
    assert out is not None and out.tobytes() == data
    if len(data) > 1000:
        assert len(packed) < len(data)  # back-references were used


def test_lzf_literal_runs_from_another_encoder() -> None:
    """A literal-only stream (valid LZF, as a minimal encoder writes it) decodes."""
    data = bytes(range(70))
    packed = bytes([31]) + data[:32] + bytes([31]) + data[32:64] + bytes([5]) + data[64:]
    out = lzf.decompress(packed, 70)
    assert out is not None and out.tobytes() == data


def test_lzf_rejects_corrupt_data() -> None:
    assert lzf.decompress(b"\x05ab", 6) is None  # literal run past the end of input
    assert lzf.decompress(b"\x00a\x20\x05", 10) is None  # reference before the start
