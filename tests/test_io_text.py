"""The text reader on the real scans, every layout it accepts, and text round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import core.io.text as text_io
from core.cloud import PointCloud
from core.errors import Cancelled, InputError
from core.io import (
    READ_EXTENSIONS,
    WRITE_EXTENSIONS,
    file_dialog_filter,
    peek_point_count,
    read_cloud,
    write_cloud,
)


def _write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_brighton_matches_loadtxt(data_dir: Path) -> None:
    path = data_dir / "brighton_small.xyz"
    cloud = read_cloud(path)
    reference = np.loadtxt(path, delimiter=",")
    assert len(cloud) == 401286
    assert cloud.fields() == ["xyz", "rgb"]
    assert cloud.source == str(path)
    np.testing.assert_array_equal(cloud.xyz + cloud.offset, reference[:, :3])
    np.testing.assert_array_equal(cloud.rgb, reference[:, 3:])
    np.testing.assert_array_equal(cloud.xyz[0], [9.86, 24.46, 163.36])
    np.testing.assert_array_equal(cloud.rgb[0], [25, 32, 49])


def test_test55_point_count_and_colours(data_dir: Path) -> None:
    cloud = read_cloud(data_dir / "test55.xyz")
    assert len(cloud) == 175178
    assert cloud.rgb is not None and cloud.rgb.dtype == np.uint8
    np.testing.assert_allclose(cloud.xyz[0], [0.0741, -0.2861, 1.1970])
    assert cloud.offset.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        ("1 2 3\n4 5 6\n", ["xyz"]),
        ("1\t2\t3\t0.5\n4\t5\t6\t7\n", ["xyz", "intensity"]),
        ("1, 2, 3, 10, 20, 30\n4, 5, 6, 40, 50, 60\n", ["xyz", "rgb"]),
        ("1\t2\t3\t10\t20\t30\n4\t5\t6\t40\t50\t60\n", ["xyz", "rgb"]),
        ("1 2 3 10 20 30\n4 5 6 40 50 60\n", ["xyz", "rgb"]),
        ("1  2   3 9 10 20 30\n4 5 6 9 40 50 60\n", ["xyz", "rgb", "intensity"]),
    ],
)
def test_layouts_by_column_count(tmp_path: Path, content: str, fields: list[str]) -> None:
    cloud = read_cloud(_write(tmp_path / "c.xyz", content))
    assert sorted(cloud.fields()) == sorted(fields)
    np.testing.assert_array_equal(cloud.xyz, [[1, 2, 3], [4, 5, 6]])
    if cloud.rgb is not None:
        np.testing.assert_array_equal(cloud.rgb, [[10, 20, 30], [40, 50, 60]])


def test_header_crlf_blank_lines_and_no_final_newline(tmp_path: Path) -> None:
    content = "X,Y,Z,R,G,B\r\n1.5,2,3,1,2,3\r\n\r\n  \n-4e1,5.25E-1,+6,4,5,6"
    cloud = read_cloud(_write(tmp_path / "c.csv", content))
    np.testing.assert_array_equal(cloud.xyz, [[1.5, 2, 3], [-40, 0.525, 6]])
    np.testing.assert_array_equal(cloud.rgb, [[1, 2, 3], [4, 5, 6]])


def test_header_names_columns_in_any_order(tmp_path: Path) -> None:
    content = "label intensity z y x\n7 0.5 3 2 1\n255 1.5 6 5 4\n"
    cloud = read_cloud(_write(tmp_path / "c.txt", content))
    np.testing.assert_array_equal(cloud.xyz, [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(cloud.labels, [7, 255])
    np.testing.assert_array_equal(cloud.intensity, [0.5, 1.5])


def test_float_colours_are_scaled(tmp_path: Path) -> None:
    cloud = read_cloud(_write(tmp_path / "c.xyz", "0 0 0 0.0 0.5 1.0\n1 1 1 0.2 1 0\n"))
    np.testing.assert_array_equal(cloud.rgb, [[0, 128, 255], [51, 255, 0]])


def test_pts_count_line_is_skipped(tmp_path: Path) -> None:
    cloud = read_cloud(_write(tmp_path / "c.pts", "2\n1 2 3 100 10 20 30\n4 5 6 200 40 50 60\n"))
    assert len(cloud) == 2
    np.testing.assert_array_equal(cloud.intensity, [100, 200])
    np.testing.assert_array_equal(cloud.rgb, [[10, 20, 30], [40, 50, 60]])


def test_long_and_exponent_numbers(tmp_path: Path) -> None:
    values = ["0.1234567890123456789012", "123456789012345678901234", "1e-30", "-2.5e+3"]
    cloud = read_cloud(
        _write(tmp_path / "c.xyz", f"{values[0]} {values[1]} 0\n{values[2]} {values[3]} 1\n")
    )
    expected = np.array([[float(values[0]), float(values[1]), 0], [1e-30, -2500, 1]])
    np.testing.assert_allclose(cloud.xyz + cloud.offset, expected, rtol=1e-15)


def test_many_windows_and_threads_match_loadtxt(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(1)
    xyz = rng.uniform(-50, 50, (20000, 3)).round(4)
    rgb = rng.integers(0, 256, (20000, 3))
    lines = [
        f"{a:.4f},{b:.4f},{c:.4f},{r},{g},{bl}"
        for (a, b, c), (r, g, bl) in zip(xyz, rgb, strict=True)
    ]
    lines[5000] = lines[5000] + "\n\n"  # blank lines inside a piece
    path = _write(tmp_path / "big.xyz", "\n".join(lines) + "\n")
    monkeypatch.setattr(text_io, "WINDOW", 1 << 16)
    monkeypatch.setattr(text_io, "_MIN_PIECE", 1 << 12)
    seen: list[float] = []
    cloud = read_cloud(path, progress=lambda f, _m: seen.append(f))
    np.testing.assert_array_equal(cloud.xyz, xyz)
    np.testing.assert_array_equal(cloud.rgb, rgb)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5


def test_cancel_stops_reading(tmp_path: Path, monkeypatch) -> None:
    path = _write(tmp_path / "c.xyz", "1 2 3\n" * 50000)
    monkeypatch.setattr(text_io, "WINDOW", 1 << 16)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        read_cloud(path, cancel=cancel)


def test_large_coordinates_are_recentred(tmp_path: Path) -> None:
    path = _write(tmp_path / "geo.xyz", "500123.25,4100456.5,12.125\n500124.75,4100457.0,13.0\n")
    cloud = read_cloud(path)
    np.testing.assert_array_equal(cloud.offset, [500123, 4100456, 12])
    np.testing.assert_array_equal(cloud.xyz[0], [0.25, 0.5, 0.125])


def test_round_trip_with_labels_and_offset(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    xyz = rng.uniform(0, 100, (1000, 3))
    cloud = PointCloud(
        xyz=xyz,
        rgb=rng.integers(0, 256, (1000, 3)),
        offset=np.array([512345.0, 5123456.0, 250.0]),
    )
    labels = rng.integers(0, 6, 1000).astype(np.uint8)
    labels[:10] = 255
    write_cloud(cloud, tmp_path / "out.xyz", labels=labels)
    back = read_cloud(tmp_path / "out.xyz")
    np.testing.assert_allclose(back.xyz + back.offset, xyz + cloud.offset, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(back.rgb, cloud.rgb)
    np.testing.assert_array_equal(back.labels, labels)


def test_round_trip_without_labels_is_plain_xyzrgb(tmp_path: Path, data_dir: Path) -> None:
    cloud = read_cloud(data_dir / "test55.xyz").subset(np.arange(500))
    write_cloud(cloud, tmp_path / "out.txt")
    reference = np.loadtxt(tmp_path / "out.txt", delimiter=",")  # notebook-compatible
    np.testing.assert_array_equal(reference[:, :3], cloud.xyz)
    np.testing.assert_array_equal(reference[:, 3:], cloud.rgb)


@pytest.mark.parametrize("suffix", WRITE_EXTENSIONS)
def test_every_writer_round_trips_georeferenced_points(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(7)
    cloud = PointCloud(
        xyz=rng.uniform(0, 500, (400, 3)),
        rgb=rng.integers(0, 256, (400, 3)),
        offset=np.array([636000.0, 4848000.0, 100.0]),
        source="memory",
    )
    labels = rng.integers(0, 9, 400).astype(np.uint8)
    labels[:4] = 255
    write_cloud(cloud, tmp_path / f"out{suffix}", labels=labels)
    back = read_cloud(tmp_path / f"out{suffix}")
    atol = 6e-6 if suffix in (".las", ".laz") else 1e-8  # LAS stores 0.01 mm integers
    np.testing.assert_allclose(back.xyz + back.offset, cloud.xyz + cloud.offset, rtol=0, atol=atol)
    assert np.abs(back.xyz).max() < 1e4  # recentred again on load
    np.testing.assert_array_equal(back.rgb, cloud.rgb)
    np.testing.assert_array_equal(back.labels, labels)


def test_extensions_and_dialog_filter() -> None:
    assert {
        ".xyz", ".txt", ".csv", ".pts", ".ply", ".las", ".laz", ".copc.laz", ".e57", ".pcd",
        ".npy",
    } == set(READ_EXTENSIONS)  # fmt: skip
    assert ".pts" not in WRITE_EXTENSIONS
    text = file_dialog_filter()
    assert text.startswith("Point clouds (*.xyz *.txt") and text.endswith(";;All files (*)")
    assert peek_point_count("cloud.xyz") is None


def test_outputs_grow_when_later_lines_are_shorter(tmp_path: Path) -> None:
    long_lines = ["1.000000000001,2.000000000001,3.000000000001,1,2,3"] * 200
    path = _write(tmp_path / "c.xyz", "\n".join(long_lines + ["1,2,3,4,5,6"] * 20000) + "\n")
    cloud = read_cloud(path)
    assert len(cloud) == 20200
    np.testing.assert_array_equal(cloud.rgb[-1], [4, 5, 6])
    np.testing.assert_array_equal(cloud.xyz[-1], [1, 2, 3])


def test_lines_the_fast_path_hands_over(tmp_path: Path) -> None:
    """x,y,z,r,g,b files go through a fast parser; unusual lines fall back correctly."""
    content = "1.5,2,3,1,2,3\n.5,5.,-0.25,0,0,255\n+1,1e3,2,1,2,3\n\n4,5,6,7,8,9\r\n4,5,6,7,8,9\n"
    cloud = read_cloud(_write(tmp_path / "c.xyz", content))
    expected = [[1.5, 2, 3], [0.5, 5, -0.25], [1, 1000, 2], [4, 5, 6], [4, 5, 6]]
    np.testing.assert_array_equal(cloud.xyz, expected)
    np.testing.assert_array_equal(cloud.rgb[:, 2], [3, 255, 3, 9, 9])


def test_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    cloud = read_cloud(_write(tmp_path / "c.csv", b"\xef\xbb\xbf1,2,3\n4,5,6\n"))
    np.testing.assert_array_equal(cloud.xyz, [[1, 2, 3], [4, 5, 6]])


def _random_decimals(rng: np.random.Generator, n: int, digits: int) -> list[str]:
    """Decimal numbers of `digits` digits below 1e4 (not recentred), the point anywhere."""
    texts = []
    for m, d, sign in zip(
        rng.integers(10 ** (digits - 1), 10**digits, n, dtype=np.int64),
        rng.integers(max(0, digits - 4), digits + 1, n),
        rng.integers(0, 2, n),
        strict=True,
    ):
        s = str(m)
        number = f"{s[: len(s) - d] or '0'}.{s[len(s) - d :]}" if d else s
        texts.append(("-" if sign else "") + number)
    return texts


@pytest.mark.parametrize("layout", ["xyz", "xyzi", "xyzrgb", "xyzirgb"])
def test_values_are_float_of_the_text_up_to_15_digits(tmp_path: Path, layout: str) -> None:
    """Every layout's fast path gives float(text) bit for bit, as the general parser does."""
    rng = np.random.default_rng(5)
    n = 3000
    xyz = np.array(_random_decimals(rng, 3 * n, 15) + _random_decimals(rng, 3 * n, 7))
    xyz = xyz.reshape(2 * n, 3)
    rgb = rng.integers(0, 256, (2 * n, 3)).astype(str)
    intensity = np.array(_random_decimals(rng, 2 * n, 5))[:, None]
    columns = {"xyz": [xyz], "xyzi": [xyz, intensity], "xyzrgb": [xyz, rgb]}
    columns["xyzirgb"] = [xyz, intensity, rgb]
    table = np.hstack(columns[layout])
    path = _write(tmp_path / "c.txt", "\n".join(" ".join(row) for row in table) + "\n")
    cloud = read_cloud(path)
    expected = np.array([[float(v) for v in row] for row in xyz])
    assert (cloud.xyz.view(np.int64) == expected.view(np.int64)).all()
    if "i" in layout:
        np.testing.assert_array_equal(cloud.intensity, intensity[:, 0].astype(np.float32))
    if "rgb" in layout:
        np.testing.assert_array_equal(cloud.rgb, rgb.astype(np.uint8))


def test_longer_numbers_are_within_one_ulp(tmp_path: Path) -> None:
    """16-17 digits (shortest round-trip floats, as our writer writes) are 1 ulp at most."""
    rng = np.random.default_rng(6)
    values = rng.uniform(-100, 100, (5000, 3))
    path = _write(
        tmp_path / "c.xyz", "\n".join(",".join(map(repr, v)) for v in values.tolist()) + "\n"
    )
    off = np.abs(read_cloud(path).xyz.view(np.int64) - values.view(np.int64))
    assert off.max() <= 1


def test_plain_and_unusual_lines_mixed_in_any_layout(tmp_path: Path) -> None:
    """The fast parser hands single lines to the general one and takes over again."""
    plain = ["1.25 2 3 0.5"] * 3000
    odd = ["1.25  2 3 0.5", "1.25 2 3 5e-1", "+1.25 2 3 0.5", "1.25 2 3 0.5\r", "\t1.25 2 3 0.5"]
    lines = plain + odd + plain + odd[::-1] + plain
    cloud = read_cloud(_write(tmp_path / "c.txt", "\n".join(lines) + "\n"))
    assert len(cloud) == len(lines)
    np.testing.assert_array_equal(cloud.xyz, np.tile([1.25, 2, 3], (len(lines), 1)))
    np.testing.assert_array_equal(cloud.intensity, np.full(len(lines), 0.5, np.float32))


@pytest.mark.parametrize("final_newline", [True, False])
def test_windows_cut_anywhere_and_a_page_sized_file(
    tmp_path: Path, monkeypatch, final_newline: bool
) -> None:
    """Mapped windows cut mid-line, a file of exactly two pages, the last line unended."""
    monkeypatch.setattr(text_io, "WINDOW", 1000)
    monkeypatch.setattr(text_io, "_MIN_PIECE", 100)
    line = "1.5,-2.25,3,10,20,30\n"  # 21 bytes
    content = line * 380
    end = "\n" if final_newline else ""
    zeros = 8192 - len(content) - len("7,8,9.,1,2,3" + end)
    content += f"7,8,9.{'0' * zeros},1,2,3{end}"  # the last line ends the second page
    path = _write(tmp_path / "c.xyz", content)
    assert path.stat().st_size == 8192
    cloud = read_cloud(path)
    assert len(cloud) == 381 and cloud.rgb is not None
    np.testing.assert_array_equal(cloud.xyz[:-1], np.tile([1.5, -2.25, 3], (380, 1)))
    np.testing.assert_array_equal(cloud.rgb[:-1], np.tile([10, 20, 30], (380, 1)))
    np.testing.assert_array_equal(cloud.xyz[-1], [7, 8, 9])
    np.testing.assert_array_equal(cloud.rgb[-1], [1, 2, 3])


def test_a_line_longer_than_a_window_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(text_io, "WINDOW", 1000)
    path = _write(tmp_path / "c.xyz", "1,2,3\n" * 10 + "1" * 3000 + ",2,3\n" + "1,2,3\n" * 300)
    with pytest.raises(InputError, match="line 11: a line is longer than"):
        read_cloud(path)


def test_decimals_that_change_length_between_lines(tmp_path: Path) -> None:
    """The parser guesses each coordinate's decimals from the line before: any change reads."""
    texts = ["1.2345", "1.23", "1.2345678", "12.345", "0.1", "1.23456789012", "1.2", "1.2345"]
    triples = zip(texts, texts[1:] + texts[:1], texts[::-1], strict=True)
    lines = [f"{a},{b},-{c},1,2,3" for a, b, c in triples]
    path = _write(tmp_path / "c.xyz", "\n".join(lines * 50) + "\n")
    values = [[float(v) for v in line.split(",")] for line in lines * 50]
    np.testing.assert_array_equal(read_cloud(path).xyz, np.array(values)[:, :3])


def test_a_file_that_shrinks_while_it_is_read_is_a_sentence(tmp_path, monkeypatch):
    """Another program cutting the file mid-read gives an error, never a dead process
    (a mapped file that shrinks kills the process with SIGBUS: the reader reads)."""
    import core.io.text as text_module

    path = tmp_path / "growing.xyz"
    path.write_text("".join(f"{i} {i} {i}\n" for i in range(5000)))
    monkeypatch.setattr(text_module, "WINDOW", 8192)  # many windows
    calls = []

    def cut_after_the_first_window(fraction, message=""):
        calls.append(fraction)
        if len(calls) == 2:
            with open(path, "r+b") as other_program:
                other_program.truncate(10_000)

    with pytest.raises(InputError, match="got shorter while it was read"):
        text_io.read_text(path, progress=cut_after_the_first_window)
