"""PCD (Point Cloud Library) files: ascii, binary and binary_compressed (LZF).

Fields x y z, rgb / rgba (packed into one float or uint32), intensity, label. Points
with NaN coordinates (the holes of an organized depth-camera cloud) are dropped, as
PCL's removeNaNFromPointCloud does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from core.atomic import atomic_write
from core.cloud import PointCloud
from core.errors import InputError
from core.io import lzf
from core.io.common import (
    absolute_xyz,
    check_claim,
    first_bad_ascii_line,
    labels_from_values,
    recentre,
    varying_columns,
)
from core.progress import CancelFn, ProgressFn, check_cancel, report

ENCODINGS = ("ascii", "binary", "binary_compressed")
#: The fields turned into point attributes (the others that vary become point fields).
_READ_FIELDS = ("x", "y", "z", "rgb", "rgba", "intensity", "label")
#: LZF turns at most 264 bytes into a 3-byte back-reference: a bound on the decompressed size.
_LZF_MAX_RATIO = 90
_KEYS = ("VERSION", "FIELDS", "SIZE", "TYPE", "COUNT", "WIDTH", "HEIGHT", "VIEWPOINT", "POINTS")


@dataclass
class _Header:
    fields: list[str]
    dtype: np.dtype  # one point, file order; multi-count fields are sub-arrays
    points: int
    encoding: str
    lines: int


def _parse_header(handle: IO[bytes], path: Path) -> _Header:
    values: dict[str, list[str]] = {}
    line_of: dict[str, int] = {}  # header keyword -> its line, for messages
    number = 0
    while True:
        raw = handle.readline()
        number += 1
        if not raw:
            raise InputError(
                "the PCD header has no DATA line; the file is cut or not PCD, export it again.",
                path,
            )
        words = raw.decode("ascii", errors="replace").split()
        if not words or words[0].startswith("#"):
            continue
        key = words[0].upper()
        if key == "DATA":
            encoding = words[1].lower() if len(words) > 1 else ""
            break
        if key not in _KEYS:
            text = raw[:40].decode("ascii", errors="replace").strip()
            raise InputError(
                f"{text!r} is not a PCD header line; check that this is a PCD file.", path, number
            )
        values[key] = words[1:]
        line_of[key] = number
    if encoding not in ENCODINGS:
        raise InputError(
            f"unknown PCD DATA encoding {encoding!r}; use ascii, binary or binary_compressed.",
            path,
            number,
        )
    try:
        fields = values["FIELDS"]
        sizes = [int(s) for s in values["SIZE"]]
        types = values["TYPE"]
        counts = [int(c) for c in values.get("COUNT", ["1"] * len(fields))]
        width = int(values.get("WIDTH", ["0"])[0])
        height = int(values.get("HEIGHT", ["1"])[0])
        points = int(values.get("POINTS", [str(width * height)])[0])
        kinds = {"F": "f", "U": "u", "I": "i"}
        dtype = np.dtype(
            [
                (f"{name}_{k}" if name == "_" else name, f"<{kinds[t]}{s}", (c,) if c > 1 else ())
                for k, (name, s, t, c) in enumerate(zip(fields, sizes, types, counts, strict=True))
            ]
        )
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        key = _culprit(values)
        raise InputError(
            f"cannot read the PCD header's {key} ({exc}): FIELDS, SIZE, TYPE and COUNT need "
            "one entry each per field, sizes 1, 2, 4 or 8, types F, U or I; fix the header.",
            path,
            line_of.get(key, number),
        ) from None
    if not {"x", "y", "z"} <= set(fields):
        raise InputError("the PCD file has no x, y, z fields; choose a point cloud.", path)
    check_claim(path, points, "points", 0, 0)
    _check_counts(fields, counts, path, line_of.get("COUNT"))
    return _Header(fields, dtype, points, encoding, number)


def _culprit(values: dict[str, list[str]]) -> str:
    """The header keyword that made the header unreadable (for the message's line)."""
    fields = values.get("FIELDS")
    if not fields:
        return "FIELDS"
    for key, valid in (("SIZE", "1248"), ("TYPE", "FUI"), ("COUNT", None)):
        entries = values.get(key, ["1"] * len(fields) if key == "COUNT" else [])
        if len(entries) != len(fields):
            return key
        if valid is not None and any(e.upper() not in valid or len(e) != 1 for e in entries):
            return key
        if key == "COUNT" and not all(e.isdigit() for e in entries):
            return key
    for key in ("WIDTH", "HEIGHT", "POINTS"):
        if key in values and not (values[key] and values[key][0].lstrip("-").isdigit()):
            return key
    return "DATA"


def _check_counts(fields: list[str], counts: list[int], path: Path, line: int | None) -> None:
    """Refuse COUNT > 1 on a field we read: it would give (N, k) where one value is meant."""
    for name, count in zip(fields, counts, strict=True):
        if count != 1 and name in _READ_FIELDS:
            raise InputError(
                f"the PCD field {name!r} has COUNT {count}, but it must hold one value a "
                "point; write the file with COUNT 1 for it.",
                path,
                line,
            )


def peek_pcd_count(path: str | Path) -> int:
    with Path(path).open("rb") as handle:
        return _parse_header(handle, Path(path)).points


def read_pcd(
    path: str | Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> PointCloud:
    """Read a PCD file.

    Returns
    -------
    PointCloud
        xyz float64 (NaN points dropped), rgb uint8 from packed rgb/rgba, intensity
        float32, labels from a `label` field.

    Raises
    ------
    InputError
        Bad header, truncated or corrupt data.
    """
    path = Path(path)
    with path.open("rb") as handle:
        header = _parse_header(handle, path)
        report(progress, 0.1, f"Reading {path.name}")
        _check_size(handle, header, path)
        if header.encoding == "ascii":
            rows = _read_ascii(handle, header, path)
        elif header.encoding == "binary":
            rows = _read_binary(handle, header, path)
        else:
            rows = _read_compressed(handle, header, path)
    report(progress, 1.0, f"Reading {path.name}")
    return _to_cloud(rows, path)


def _truncated(header: _Header, present: int, path: Path) -> InputError:
    return InputError(
        f"the PCD file is truncated: {header.points:,} points announced, {present:,} present; "
        "export the file again.",
        path,
    )


def _check_size(handle: IO[bytes], header: _Header, path: Path) -> None:
    """Refuse a POINTS count the file cannot hold, before allocating rows for it."""
    available = os.fstat(handle.fileno()).st_size - handle.tell()
    if header.encoding == "ascii":
        least = 1.0 * len(header.fields)  # two bytes a value; one keeps a line's message
    elif header.encoding == "binary":
        least = header.dtype.itemsize
    else:
        least = header.dtype.itemsize / _LZF_MAX_RATIO
    check_claim(path, header.points, "points", least, available)


def _read_binary(handle: IO[bytes], header: _Header, path: Path) -> np.ndarray:
    raw = handle.read(header.points * header.dtype.itemsize)
    if len(raw) < header.points * header.dtype.itemsize:
        raise _truncated(header, len(raw) // header.dtype.itemsize, path)
    return np.frombuffer(raw, header.dtype)


def _read_compressed(handle: IO[bytes], header: _Header, path: Path) -> np.ndarray:
    sizes = np.frombuffer(handle.read(8), "<u4")
    if len(sizes) < 2:
        raise _truncated(header, 0, path)
    compressed, size = int(sizes[0]), int(sizes[1])
    if size != header.points * header.dtype.itemsize:
        raise InputError(
            "the PCD compressed block has the wrong size for its points; the file is corrupt, "
            "export it again.",
            path,
        )
    data = handle.read(compressed)
    if len(data) < compressed:
        raise InputError(
            "the PCD file is truncated inside its compressed data; export it again.", path
        )
    if size > len(data) * _LZF_MAX_RATIO:
        raise _truncated(header, 0, path)
    flat = lzf.decompress(data, size)
    if flat is None:
        raise InputError(
            "the PCD compressed data is corrupt (LZF decoding failed); export the file again.",
            path,
        )
    # The decompressed block holds each field for all points, one field after another.
    rows = np.empty(header.points, header.dtype)
    start = 0
    for name in header.dtype.names or ():
        field_dtype = header.dtype[name]
        length = header.points * field_dtype.itemsize
        column = flat[start : start + length].view(field_dtype.base)
        rows[name] = column.reshape((header.points, *field_dtype.shape))
        start += length
    return rows


def _read_ascii(handle: IO[bytes], header: _Header, path: Path) -> np.ndarray:
    width = sum(int(np.prod(header.dtype[n].shape)) for n in header.dtype.names or ())
    start = handle.tell()
    try:
        values = np.loadtxt(handle, dtype=np.float64, max_rows=header.points, ndmin=2)
    except ValueError:
        values = np.empty((0, width))
    if len(values) < header.points or values.shape[1] != width:
        # numpy's own message counts rows from 0 or 1 depending on the error: find it here.
        handle.seek(start)
        line, problem = first_bad_ascii_line(handle, header.lines + 1, width, header.points)
        raise InputError(f"{problem}; fix or remove the point's line.", path, line)
    rows = np.empty(header.points, header.dtype)
    column = 0
    for name in header.dtype.names or ():
        field_dtype = header.dtype[name]
        k = int(np.prod(field_dtype.shape))
        part = values[:, column : column + k].reshape((header.points, *field_dtype.shape))
        if name in ("rgb", "rgba") and field_dtype.base.kind == "f":
            # ascii PCD writes packed colour as the float with the same bits
            rows[name] = part.astype(np.float32)
        else:
            rows[name] = part
        column += k
    return rows


def _to_cloud(rows: np.ndarray, path: Path) -> PointCloud:
    names = rows.dtype.names or ()
    xyz = np.stack([rows[a].astype(np.float64) for a in "xyz"], axis=1)
    keep = np.isfinite(xyz).all(axis=1)
    if not keep.all():
        rows, xyz = rows[keep], xyz[keep]
    rgb = None
    colour = "rgb" if "rgb" in names else "rgba" if "rgba" in names else None
    if colour is not None:
        packed = np.ascontiguousarray(rows[colour]).view(np.uint32).reshape(-1)
        rgb = np.stack([(packed >> s) & 0xFF for s in (16, 8, 0)], axis=1).astype(np.uint8)
    intensity = rows["intensity"] if "intensity" in names else None
    labels = labels_from_values(rows["label"], path) if "label" in names else None
    offset = recentre(xyz)
    # PCL pads records with fields named "_": not data.
    other = [n for n in names if n not in _READ_FIELDS and not n.startswith("_")]
    fields = varying_columns(rows, other)
    return PointCloud(xyz, rgb, intensity, labels, offset, str(path), point_fields=fields)


def write_pcd(
    cloud: PointCloud,
    path: str | Path,
    *,
    labels: np.ndarray | None = None,
    encoding: str = "binary",
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write PCD v0.7: double x y z (offset added back), packed uint32 rgb, float
    intensity, uint32 label; `encoding` is ascii, binary or binary_compressed."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {ENCODINGS}")
    check_cancel(cancel)
    report(progress, 0.0, f"Writing {Path(path).name}")
    n = len(cloud)
    fields = [("x", "<f8"), ("y", "<f8"), ("z", "<f8")]
    fields += [("rgb", "<u4")] if cloud.rgb is not None else []
    fields += [("intensity", "<f4")] if cloud.intensity is not None else []
    fields += [("label", "<u4")] if labels is not None else []
    rows = np.empty(n, np.dtype(fields))
    xyz = absolute_xyz(cloud.xyz, cloud.offset)
    rows["x"], rows["y"], rows["z"] = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    if cloud.rgb is not None:
        rgb = cloud.rgb.astype(np.uint32)
        rows["rgb"] = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    if cloud.intensity is not None:
        rows["intensity"] = cloud.intensity
    if labels is not None:
        rows["label"] = labels
    names = [name for name, _ in fields]
    header = [
        "# .PCD v0.7 - Point Cloud Data file format (written by DenseLabel)",
        "VERSION 0.7",
        "FIELDS " + " ".join(names),
        "SIZE " + " ".join(code[-1] for _, code in fields),
        "TYPE " + " ".join(code[1].upper() for _, code in fields),
        "COUNT " + " ".join("1" for _ in fields),
        f"WIDTH {n}",
        "HEIGHT 1",
        "VIEWPOINT 0 0 0 1 0 0 0",
        f"POINTS {n}",
        f"DATA {encoding}\n",
    ]
    with atomic_write(path, "wb") as handle:
        handle.write("\n".join(header).encode("ascii"))
        if encoding == "binary":
            handle.write(rows.tobytes())
        elif encoding == "binary_compressed":
            columns = b"".join(np.ascontiguousarray(rows[name]).tobytes() for name in names)
            packed = lzf.compress(columns)
            handle.write(np.array([len(packed), len(columns)], "<u4").tobytes() + packed)
        else:
            formats = ["%.17g"] * 3 + ["%d" if c[1] == "u" else "%.9g" for _, c in fields[3:]]
            np.savetxt(handle, rows.tolist(), fmt=formats)
    report(progress, 1.0, f"Writing {Path(path).name}")
