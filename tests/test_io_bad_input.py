"""Bad input gives one sentence naming the file (and the line for text), never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.cloud import PointCloud
from core.errors import InputError
from core.io import read_cloud, write_cloud
from core.io.pcd import write_pcd

GOOD = "1.0,2.0,3.0,10,20,30\n"


def _fails(path: Path, *words: str, line: int | None = None) -> InputError:
    with pytest.raises(InputError) as caught:
        read_cloud(path)
    message = str(caught.value)
    assert message.startswith(path.name), message
    for word in words:
        assert word in message, message
    if line is not None:
        assert caught.value.line == line and f"line {line}:" in message, message
    return caught.value


def _text(tmp_path: Path, content: bytes | str, name: str = "bad.xyz") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_non_numeric_value(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD * 3 + "1.0,abc,3.0,10,20,30\n"), "'abc' is not a number", line=4)


def test_ragged_row_too_few(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD * 2 + "1.0,2.0,3.0,10,20\n" + GOOD), "has 5 values", line=3)


def test_ragged_row_too_many(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD + "1 2 3 4 5 6 7\n".replace(" ", ",")), "has 7 values", line=2)


def test_nan_coordinate(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD * 5 + "nan,2.0,3.0,10,20,30\n"), "NaN or infinite", line=6)


def test_infinite_coordinate(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD + "1.0,2.0,1e999,10,20,30\n"), "NaN or infinite", line=2)


def test_empty_file(tmp_path: Path) -> None:
    _fails(_text(tmp_path, ""), "empty")


def test_header_only(tmp_path: Path) -> None:
    _fails(_text(tmp_path, "x,y,z,r,g,b\n"), "no lines of numbers")


def test_binary_junk_nul_bytes(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD.encode() * 2 + b"\x00\x01\x02\xff" * 50), "binary", line=3)


def test_undecodable_bytes(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD.encode() + b"1.0,\xff\xfe,3.0,1,2,3\n"), "not text", line=2)


def test_undecodable_bytes_beyond_the_head(tmp_path: Path) -> None:
    content = GOOD.encode() * 5000 + b"1.0,\xff\xfe,3.0,1,2,3\n"
    _fails(_text(tmp_path, content), "not text", line=5001)


def test_colour_out_of_range(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD + "1.0,2.0,3.0,10,256,30\n"), "outside 0-255", line=2)


def test_wrong_column_count(tmp_path: Path) -> None:
    _fails(_text(tmp_path, "1 2 3 4 5\n"), "has 5 values; expected 3", line=1)


def test_missing_file(tmp_path: Path) -> None:
    _fails(tmp_path / "nothere.xyz", "does not exist")


def test_unknown_extension(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD, "cloud.obj"), "cannot read '.obj'")


def _small_cloud(n: int = 100) -> PointCloud:
    rng = np.random.default_rng(0)
    return PointCloud(xyz=rng.uniform(0, 10, (n, 3)), rgb=rng.integers(0, 256, (n, 3)))


def _cut(path: Path, keep: float) -> Path:
    data = path.read_bytes()
    cut = path.with_name("cut" + path.suffix)
    cut.write_bytes(data[: int(len(data) * keep)])
    return cut


def test_truncated_binary_ply(tmp_path: Path) -> None:
    write_cloud(_small_cloud(), tmp_path / "c.ply")
    _fails(_cut(tmp_path / "c.ply", 0.8), "truncated")


def test_truncated_ply_header(tmp_path: Path) -> None:
    write_cloud(_small_cloud(), tmp_path / "c.ply")
    _fails(_cut(tmp_path / "c.ply", 0.02), "end_header")


def test_truncated_ascii_ply(tmp_path: Path) -> None:
    header = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
    header += "property float y\nproperty float z\nend_header\n"
    _fails(_text(tmp_path, header + "0 0 0\n1 1 1\n", "c.ply"), "truncated")


@pytest.mark.parametrize("suffix", [".las", ".laz"])
def test_truncated_las(tmp_path: Path, suffix: str) -> None:
    write_cloud(_small_cloud(5000), tmp_path / f"c{suffix}")
    _fails(_cut(tmp_path / f"c{suffix}", 0.6), "truncated")


def test_not_a_las_file(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD, "c.las"), "not a readable LAS/LAZ")


@pytest.mark.parametrize("encoding", ["ascii", "binary", "binary_compressed"])
def test_truncated_pcd(tmp_path: Path, encoding: str) -> None:
    write_pcd(_small_cloud(), tmp_path / "c.pcd", encoding=encoding)
    _fails(_cut(tmp_path / "c.pcd", 0.7), "truncated")


def test_corrupt_compressed_pcd(tmp_path: Path) -> None:
    write_pcd(_small_cloud(), tmp_path / "c.pcd", encoding="binary_compressed")
    data = bytearray((tmp_path / "c.pcd").read_bytes())
    start = data.index(b"DATA binary_compressed\n") + len("DATA binary_compressed\n") + 8
    data[start] = 0xFF  # a back-reference before the start of the output
    (tmp_path / "c.pcd").write_bytes(bytes(data))
    _fails(tmp_path / "c.pcd", "corrupt")


def test_npy_wrong_shape(tmp_path: Path) -> None:
    np.save(tmp_path / "c.npy", np.zeros((10, 5)))
    _fails(tmp_path / "c.npy", "shape (N, 3|4|6|7)")


def test_writer_refuses_to_overwrite_its_source(tmp_path: Path) -> None:
    path = _text(tmp_path, GOOD * 3)
    cloud = read_cloud(path)
    with pytest.raises(InputError, match="overwrite an input"):
        write_cloud(cloud, path)
    assert path.read_text() == GOOD * 3


def test_writer_refuses_labels_of_the_wrong_length(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="got 3 labels for a cloud of 100 points"):
        write_cloud(_small_cloud(), tmp_path / "out.ply", labels=np.zeros(3, np.uint8))


def test_lone_decimal_point(tmp_path: Path) -> None:
    _fails(_text(tmp_path, GOOD * 2 + "1.0,.,3.0,10,20,30\n"), "'.' is not a number", line=3)


def test_line_numbers_count_the_header(tmp_path: Path) -> None:
    _fails(_text(tmp_path, "x,y,z\n1,2,3\n1,a,3\n"), "'a' is not a number", line=3)


def test_cloud_file_without_points(tmp_path: Path) -> None:
    write_cloud(PointCloud(xyz=np.zeros((0, 3))), tmp_path / "empty.ply")
    _fails(tmp_path / "empty.ply", "no points")


def test_line_number_of_an_error_in_a_later_block(tmp_path: Path, monkeypatch) -> None:
    import core.io.text as text_io

    monkeypatch.setattr(text_io, "WINDOW", 1 << 12)  # many small blocks
    content = GOOD * 3000 + "1.0,2.0,oops,10,20,30\n" + GOOD * 10
    _fails(_text(tmp_path, content), "'oops' is not a number", line=3001)


def test_unreadable_file(tmp_path: Path, monkeypatch) -> None:
    path = _text(tmp_path, GOOD)

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    _fails(path, "cannot read the file (Permission denied)")


def _ply_header(tmp_path: Path, count: int, properties: list[str], body: str = "") -> Path:
    lines = ["ply", "format ascii 1.0", f"element vertex {count}"]
    lines += [f"property float {name}" for name in properties] + ["end_header"]
    return _text(tmp_path, "\n".join(lines) + "\n" + body, "bad.ply")


def test_ply_with_a_repeated_property(tmp_path: Path) -> None:
    path = _ply_header(tmp_path, 1, ["x", "y", "z", "x"], "1 2 3 4\n")
    _fails(path, "property 'x'", "twice", line=7)


def test_ply_with_no_vertices_says_so_without_a_warning(tmp_path: Path) -> None:
    import warnings

    path = _ply_header(tmp_path, 0, ["x", "y", "z"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "input contained no data" would fail here
        error = _fails(path, "holds no points")
    assert "truncated" not in str(error)


def test_npy_nan_colour(tmp_path: Path) -> None:
    path = tmp_path / "bad.npy"
    np.save(path, np.array([[0.0, 0.0, 0.0, np.nan, 10.0, 20.0], [1.0, 1.0, 1.0, 5, 5, 5]]))
    _fails(path, "colours must be numbers 0-255")


@pytest.mark.parametrize("field", ["intensity", "label"])
def test_pcd_count_above_one_on_a_field_we_read(tmp_path: Path, field: str) -> None:
    header = (
        f"VERSION .7\nFIELDS x y z {field}\nSIZE 4 4 4 4\nTYPE F F F U\nCOUNT 1 1 1 2\n"
        "WIDTH 2\nHEIGHT 1\nPOINTS 2\nDATA ascii\n"
    )
    path = _text(tmp_path, header + "1 2 3 4 5\n1 2 3 4 5\n", "bad.pcd")
    _fails(path, f"'{field}' has COUNT 2", line=5)


def test_an_unforeseen_value_error_reads_as_a_sentence(tmp_path: Path, monkeypatch) -> None:
    import core.io.ply as ply_io

    def broken(*_args, **_kwargs):
        raise ValueError("something numpy did not like")

    monkeypatch.setattr(ply_io, "read_ply", broken)
    path = _ply_header(tmp_path, 1, ["x", "y", "z"], "1 2 3\n")
    _fails(path, "something numpy did not like", "check it is a valid PLY file")
