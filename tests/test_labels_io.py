"""Label files: the real ones, npy/text round trips, Ground Truth .zlib, and bad files."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.labels_io import read_labels, write_labels


def test_real_label_files(data_dir: Path) -> None:
    brighton = read_labels(data_dir / "brighton_small.labels", n_expected=401286)
    assert brighton.dtype == np.uint8
    assert set(np.unique(brighton).tolist()) == {0, 2, 3, 6}
    test55 = read_labels(data_dir / "test55.labels", n_expected=175178)
    assert set(np.unique(test55).tolist()) == set(range(1, 16))  # table + 14 objects


@pytest.mark.parametrize("name", ["labels.npy", "labels.txt", "labels.labels"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    labels = np.array([0, 1, 2, 255, 7, 255], np.uint8)
    write_labels(tmp_path / name, labels)
    back = read_labels(tmp_path / name, n_expected=6)
    np.testing.assert_array_equal(back, labels)
    assert back.dtype == np.uint8


def test_wide_labels_are_uint16(tmp_path: Path) -> None:
    write_labels(tmp_path / "wide.txt", np.array([0, 300, 65535]))
    back = read_labels(tmp_path / "wide.txt")
    assert back.dtype == np.uint16 and back.tolist() == [0, 300, 65535]


def test_float_npy_of_whole_numbers_is_accepted(tmp_path: Path) -> None:
    np.save(tmp_path / "f.npy", np.array([1.0, 2.0, 255.0]))
    assert read_labels(tmp_path / "f.npy").tolist() == [1, 2, 255]


def test_ground_truth_zlib(tmp_path: Path) -> None:
    labels = np.array([0, 1, 1, 255, 2], np.uint8)
    (tmp_path / "frame.zlib").write_bytes(zlib.compress(labels.tobytes()))
    np.testing.assert_array_equal(read_labels(tmp_path / "frame.zlib", n_expected=5), labels)


def _fails(path: Path, text: str, n_expected: int | None = None, line: int | None = None) -> None:
    with pytest.raises(InputError) as caught:
        read_labels(path, n_expected=n_expected)
    message = str(caught.value)
    assert message.startswith(path.name) and text in message, message
    if line is not None:
        assert f"line {line}:" in message, message


def test_wrong_length(tmp_path: Path) -> None:
    write_labels(tmp_path / "l.npy", np.zeros(1000, np.uint8))
    _fails(tmp_path / "l.npy", "has 1,000 labels but the cloud has 1,200 points", 1200)


def test_negative_value(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_text("1\n2\n-3\n")
    _fails(tmp_path / "l.txt", "outside 0-65535", line=3)


def test_value_too_large(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_text("1\n70000\n")
    _fails(tmp_path / "l.txt", "outside 0-65535", line=2)


def test_non_integer_text(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_text("1\n2.5\n3\n")
    _fails(tmp_path / "l.txt", "'2.5' is not a whole number", line=2)


def test_non_integer_npy(tmp_path: Path) -> None:
    np.save(tmp_path / "l.npy", np.array([1.0, 2.5]))
    _fails(tmp_path / "l.npy", "not a whole number")


def test_junk_text(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_bytes(b"1\n2\n\x00\x01garbage")
    _fails(tmp_path / "l.txt", "binary data", line=3)


def test_junk_npy(tmp_path: Path) -> None:
    (tmp_path / "l.npy").write_bytes(b"not an array")
    _fails(tmp_path / "l.npy", "not a readable .npy")


def test_empty(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_text("")
    _fails(tmp_path / "l.txt", "empty")


def test_missing(tmp_path: Path) -> None:
    _fails(tmp_path / "nothere.txt", "does not exist")


def test_undecodable_text(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_bytes(b"1\n2\n3\n\xff\xfe\n")
    _fails(tmp_path / "l.txt", "not text", line=4)


def test_large_text_file_round_trip(tmp_path: Path) -> None:
    labels = np.random.default_rng(6).integers(0, 256, 300_000).astype(np.uint8)
    write_labels(tmp_path / "big.txt", labels)
    np.testing.assert_array_equal(read_labels(tmp_path / "big.txt", n_expected=300_000), labels)
