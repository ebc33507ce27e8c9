"""Per-point label files: .npy, text with one integer a line, and Ground Truth .zlib.

Labels are uint8 when every value fits (the usual case), else uint16; 255 means
unlabeled, as in Ground Truth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.atomic import atomic_path, atomic_write
from core.errors import InputError
from core.io.common import labels_from_values


def read_labels(path: str | Path, n_expected: int | None = None) -> np.ndarray:
    """Read one label per point.

    Parameters
    ----------
    path : str or Path
        .npy (integer or whole-number float array (N,)), .zlib (a Ground Truth label
        file) or text with one integer a line (any other extension).
    n_expected : int, optional
        Points in the cloud the labels belong to; another length is refused.

    Returns
    -------
    labels : (N,) uint8 or uint16

    Raises
    ------
    InputError
        Missing or empty file, junk, non-integers, values outside 0..65535, or a
        length other than `n_expected`.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("the label file does not exist; check the path.", path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        labels = _read_npy(path)
    elif suffix == ".zlib":
        from core.groundtruth.output import decode_label_bytes

        labels = decode_label_bytes(path.read_bytes(), None, n_expected, path)
    else:
        labels = _read_text(path)
    if len(labels) == 0:
        raise InputError("the label file is empty; choose the labels for this cloud.", path)
    if n_expected is not None and len(labels) != n_expected:
        raise InputError(
            f"the file has {len(labels):,} labels but the cloud has {n_expected:,} points; "
            "choose the labels made for this cloud.",
            path,
        )
    return labels


def _read_npy(path: Path) -> np.ndarray:
    from core.io.npy import load_npy

    values = load_npy(path, "labels (one integer a point)", mmap=False)
    if values.ndim == 2 and 1 in values.shape:
        values = values.ravel()
    if values.ndim != 1:
        raise InputError(
            f"expected a 1-D array of integer labels, found {values.dtype} {values.shape}; "
            "save one label a point.",
            path,
        )
    return labels_from_values(values, path)


def _read_text(path: Path) -> np.ndarray:
    from core.io.text_layout import refuse_non_text

    data = path.read_bytes()
    refuse_non_text(data, path, "one label a line")
    if not data.isascii():
        start = next(k for k, byte in enumerate(data) if byte > 127)
        line = data[:start].count(b"\n") + 1
        raise InputError(
            "the line holds bytes that are not text; each line must hold one label 0-65535.",
            path,
            line,
        )
    from core.io.text_kernel import parse_integers

    raw = np.frombuffer(data, np.uint8)
    # One label a line is at least two bytes ("7\n"), so this bounds the count.
    values = np.empty(len(raw) // 2 + 1, np.int64)
    count, bad_at = parse_integers(raw, values)
    if bad_at >= 0:
        _raise_first_bad_line(data.decode("ascii"), path)
        raise InputError(
            "the file holds something other than labels 0-65535; give one label a line.", path
        )
    _refuse_two_values_a_line(raw, path)
    return labels_from_values(values[:count], path)


def _refuse_two_values_a_line(raw: np.ndarray, path: Path) -> None:
    """Two numbers on one line would shift every later label by one point: refuse them."""
    space = (raw == 32) | (raw == 9) | (raw == 13) | (raw == 44) | (raw == 59)
    newline = raw == 10
    gap = space | newline
    # A value starts where a non-gap byte follows a gap (or the file's start).
    starts = ~gap & np.concatenate([[True], gap[:-1]])
    line_of_start = np.cumsum(newline)[starts]
    if len(line_of_start) < 2:
        return
    repeated = np.flatnonzero(line_of_start[1:] == line_of_start[:-1])
    if len(repeated):
        line = int(line_of_start[repeated[0]]) + 1
        raise InputError(
            "the line holds more than one value; each line must hold exactly one label "
            "(otherwise every later label would land on the wrong point).",
            path,
            line,
        )


def _raise_first_bad_line(text: str, path: Path) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        token = line.strip()
        if not token:
            continue
        try:
            value = int(token)
        except ValueError:
            if len(token.replace(",", " ").split()) > 1:
                raise InputError(
                    "the line holds more than one value; each line must hold exactly one label.",
                    path,
                    number,
                ) from None
            raise InputError(
                f"{token[:30]!r} is not a whole number; each line must hold one label 0-65535.",
                path,
                number,
            ) from None
        if not 0 <= value <= 65535:
            raise InputError(
                f"the label {value} is outside 0-65535; use 0-254 for classes, 255 = unlabeled.",
                path,
                number,
            )


def write_labels(path: str | Path, labels: np.ndarray) -> None:
    """Write labels atomically: .npy keeps the dtype, any other extension one per line.

    Parameters
    ----------
    labels : (N,) integer array, values 0..65535 (255 = unlabeled)
    """
    path = Path(path)
    labels = labels_from_values(np.asarray(labels).ravel(), path)
    if path.suffix.lower() == ".npy":
        with atomic_path(path) as tmp:
            np.save(tmp, labels)
        return
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    with atomic_write(path, "wb") as handle:
        if len(labels):
            pa_csv.write_csv(pa.table({"label": labels}), handle, write_options=options)
