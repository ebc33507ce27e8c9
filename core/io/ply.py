"""PLY point clouds (ascii, binary little- and big-endian) with numpy structured dtypes.

Our own parser: pyvista turns double coordinates into float32, which loses centimetres
on georeferenced scans. Elements other than `vertex` (faces with list properties) are
skipped; only the vertex rows are converted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from core.atomic import atomic_write
from core.cloud import PointCloud
from core.errors import InputError
from core.io.common import (
    absolute_xyz,
    check_claim,
    first_bad_ascii_line,
    float_rgb_to_uint8,
    labels_from_values,
    recentre,
    rgb16_to_rgb8,
    varying_columns,
)
from core.progress import CancelFn, ProgressFn, check_cancel, chunked, report

_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}  # fmt: skip
_COLOURS = (("red", "green", "blue"), ("diffuse_red", "diffuse_green", "diffuse_blue"))
_INTENSITY = ("intensity", "scalar_intensity")
_LABEL = ("label", "class", "classification", "scalar_label", "scalar_classification")
_CHUNK = 1 << 20
_PLY_NAMES = {"i1": "char", "u1": "uchar", "i2": "short", "u2": "ushort", "i4": "int"}
_PLY_NAMES |= {"u4": "uint", "f4": "float", "f8": "double"}


@dataclass
class _Element:
    name: str
    count: int
    properties: list[tuple[str, str]] = field(default_factory=list)  # (name, dtype code)
    lists: list[tuple[str, str, str]] = field(default_factory=list)  # (name, count, item)

    def dtype(self, order: str) -> np.dtype:
        return np.dtype([(name, order + code) for name, code in self.properties])


@dataclass
class _Header:
    format: str
    elements: list[_Element]
    data_start: int
    lines: int


def _parse_header(handle: IO[bytes], path: Path) -> _Header:
    if handle.read(4)[:3] != b"ply":
        raise InputError(
            "this is not a PLY file (it does not start with 'ply'); check the file and its "
            "extension.",
            path,
        )
    handle.seek(0)
    fmt, elements, number, format_line = "", [], 0, 0
    while True:
        raw = handle.readline()
        number += 1
        if not raw:
            raise InputError(
                "the PLY header has no 'end_header'; the file is cut, export it again.", path
            )
        words = raw.decode("ascii", errors="replace").split()
        if not words or words[0] in ("ply", "comment", "obj_info"):
            continue
        if words[0] == "end_header":
            break
        try:
            if words[0] == "format":
                fmt, format_line = words[1], number
            elif words[0] == "element":
                elements.append(_Element(words[1], int(words[2])))
                check_claim(path, elements[-1].count, f"{words[1]} elements", 0, 0)
            elif words[0] == "property" and words[1] == "list":
                elements[-1].lists.append((words[4], _TYPES[words[2]], _TYPES[words[3]]))
            elif words[0] == "property":
                _add_property(elements[-1], words[2], _TYPES[words[1]], path, number)
        except InputError:
            raise
        except (IndexError, KeyError, ValueError):
            text = raw[:60].decode("ascii", errors="replace").strip()
            raise InputError(
                f"cannot read the PLY header line {text!r} (an unknown type, a missing word, "
                "or a property before any element); fix the header or export the file again.",
                path,
                number,
            ) from None
    if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
        raise InputError(
            f"unknown PLY format {fmt!r}; use ascii, binary_little_endian or binary_big_endian.",
            path,
            format_line or number,
        )
    return _Header(fmt, elements, handle.tell(), number)


def _add_property(element: _Element, name: str, code: str, path: Path, number: int) -> None:
    # numpy refuses a record type with a repeated name; say which header line repeats it.
    if any(name == known for known, _ in element.properties):
        raise InputError(
            f"the PLY header declares the property {name!r} of element {element.name!r} "
            "twice; remove or rename one of them.",
            path,
            number,
        )
    element.properties.append((name, code))


def _vertex(header: _Header, path: Path) -> _Element:
    for element in header.elements:
        if element.name == "vertex":
            names = {n for n, _ in element.properties}
            if {"x", "y", "z"} <= names and not element.lists:
                return element
    raise InputError(
        "the PLY file has no vertex element with x, y, z properties; choose a point cloud.",
        path,
    )


def peek_ply_count(path: str | Path) -> int:
    with Path(path).open("rb") as handle:
        return _vertex(_parse_header(handle, Path(path)), Path(path)).count


def read_ply(
    path: str | Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> PointCloud:
    """Read the vertices of a PLY file.

    Returns
    -------
    PointCloud
        xyz float64 (float or double in the file), rgb uint8 (uchar, ushort or 0-1
        float colours), intensity float32, labels from label/class/classification.

    Raises
    ------
    InputError
        Not PLY, bad header, truncated data or a bad ascii line.
    """
    path = Path(path)
    with path.open("rb") as handle:
        header = _parse_header(handle, path)
        vertex = _vertex(header, path)
        if vertex.count == 0:
            # Before reading: numpy warns on an empty read, and "truncated" would mislead.
            raise InputError(
                "the file holds no points; choose a point cloud with points in it.", path
            )
        _check_size(handle, header, vertex, path)
        if header.format == "ascii":
            rows = _read_ascii(handle, header, vertex, path)
        else:
            _skip_binary_before(handle, header, vertex, path)
            rows = _read_binary(handle, header, vertex, path, progress, cancel)
    report(progress, 1.0, f"Reading {path.name}")
    return _to_cloud(rows, vertex, path)


def _check_size(handle: IO[bytes], header: _Header, vertex: _Element, path: Path) -> None:
    """Refuse element counts the file cannot hold, before allocating rows for them."""
    available = _file_size(handle) - header.data_start
    order = "<" if header.format == "binary_little_endian" else ">"
    least = 0.0
    for element in header.elements:
        if header.format == "ascii":
            # "1 2 3\n" takes two bytes a value; one keeps a short line's own message.
            each = 1.0 * max(len(element.properties) + len(element.lists), 1)
        else:
            each = element.dtype(order).itemsize
            each += sum(np.dtype(count).itemsize for _, count, _ in element.lists)
        what = "vertices" if element is vertex else f"{element.name} elements"
        check_claim(path, element.count, what, each, available - least)
        least += element.count * each
        if element is vertex:
            return


def _file_size(handle: IO[bytes]) -> int:
    import os

    return os.fstat(handle.fileno()).st_size


def _skip_binary_before(handle: IO[bytes], header: _Header, vertex: _Element, path: Path) -> None:
    order = "<" if header.format == "binary_little_endian" else ">"
    for element in header.elements:
        if element is vertex:
            return
        if not element.lists:
            handle.seek(element.count * element.dtype(order).itemsize, 1)
            continue
        for _ in range(element.count):  # rare: lists before the vertices
            handle.seek(element.dtype(order).itemsize, 1)
            for _, count_code, item_code in element.lists:
                size = np.dtype(count_code).itemsize
                raw = handle.read(size)
                if len(raw) < size:
                    raise InputError(
                        "the PLY file is truncated before its vertices; export it again.", path
                    )
                count = int(np.frombuffer(raw, order + count_code)[0])
                handle.seek(count * np.dtype(item_code).itemsize, 1)


def _read_binary(handle, header, vertex, path, progress, cancel) -> np.ndarray:
    order = "<" if header.format == "binary_little_endian" else ">"
    dtype = vertex.dtype(order)
    rows = np.empty(vertex.count, dtype.newbyteorder("="))
    for part in chunked(vertex.count, _CHUNK, progress, cancel, f"Reading {path.name}"):
        n = part.stop - part.start
        raw = handle.read(n * dtype.itemsize)
        block = np.frombuffer(raw, dtype, count=len(raw) // dtype.itemsize)
        if len(block) < n:
            raise InputError(
                f"the PLY file is truncated: {vertex.count:,} vertices announced, "
                f"{part.start + len(block):,} present; export the file again.",
                path,
            )
        rows[part] = block
    return rows


def _read_ascii(handle, header, vertex, path) -> np.ndarray:
    first_line = header.lines + 1
    for element in header.elements:
        if element is vertex:
            break
        for _ in range(element.count):
            handle.readline()
        first_line += element.count
    dtype = vertex.dtype("=")
    start = handle.tell()
    try:
        values = np.loadtxt(handle, dtype=np.float64, max_rows=vertex.count, ndmin=2)
    except ValueError:
        values = np.empty((0, len(dtype)))
    if len(values) < vertex.count or values.shape[1] != len(dtype):
        # numpy's own message counts rows from 0 or 1 depending on the error: find it here.
        handle.seek(start)
        line, problem = first_bad_ascii_line(handle, first_line, len(dtype), vertex.count)
        raise InputError(f"{problem}; fix or remove the vertex line.", path, line)
    rows = np.empty(vertex.count, dtype)
    for j, name in enumerate(dtype.names or ()):
        rows[name] = values[:, j]
    return rows


def _to_cloud(rows: np.ndarray, vertex: _Element, path: Path) -> PointCloud:
    lower = {name.lower(): name for name in rows.dtype.names or ()}
    xyz = np.empty((len(rows), 3), np.float64)
    for axis, name in enumerate("xyz"):
        xyz[:, axis] = rows[lower[name]]
    if not np.isfinite(xyz).all():
        index = int(np.argmax(~np.isfinite(xyz).all(axis=1)))
        raise InputError(
            f"vertex {index + 1} has a NaN or infinite coordinate; fix or remove the point.", path
        )
    rgb = None
    for names in _COLOURS:
        if all(n in lower for n in names):
            columns = np.stack([rows[lower[n]] for n in names], axis=1)
            if columns.dtype.kind == "f":
                rgb = float_rgb_to_uint8(columns)
            elif columns.dtype.itemsize > 1:
                rgb = rgb16_to_rgb8(columns.astype(np.uint16))
            else:
                rgb = columns.astype(np.uint8)
            break
    intensity_name = next((lower[n] for n in _INTENSITY if n in lower), None)
    intensity = None if intensity_name is None else rows[intensity_name]
    label_name = next((lower[n] for n in _LABEL if n in lower), None)
    labels = None if label_name is None else labels_from_values(rows[label_name], path)
    offset = recentre(xyz)
    used = {*"xyz", *(n for names in _COLOURS for n in names), "alpha"}
    other = [n for n in rows.dtype.names or () if n.lower() not in used]
    other = [n for n in other if n not in (intensity_name, label_name)]
    fields = varying_columns(rows, other)
    return PointCloud(xyz, rgb, intensity, labels, offset, str(path), point_fields=fields)


def write_ply(
    cloud: PointCloud,
    path: str | Path,
    *,
    labels: np.ndarray | None = None,
    extra: dict[str, np.ndarray] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write binary little-endian PLY: double x,y,z (offset added back), uchar
    red/green/blue, float intensity and a uchar/ushort `label` property when present,
    then one uchar property per `extra` entry ((N,) uint8, e.g. ``label_origin``), then
    the cloud's point fields in their own type (64-bit integers as double) except a
    classification, which `labels` gives."""
    extra = extra or {}
    fields: list[tuple[str, str, str]] = [("x", "<f8", "double"), ("y", "<f8", "double")]
    fields.append(("z", "<f8", "double"))
    if cloud.rgb is not None:
        fields += [(c, "u1", "uchar") for c in ("red", "green", "blue")]
    if cloud.intensity is not None:
        fields.append(("intensity", "<f4", "float"))
    if labels is not None:
        wide = len(labels) and int(np.max(labels)) > 255
        fields.append(("label", "<u2", "ushort") if wide else ("label", "u1", "uchar"))
    fields += [(name, "u1", "uchar") for name in extra]
    # A "classification" property would read back as labels: classes come from `labels`.
    taken = {name for name, _, _ in fields} | set(_LABEL)
    more = {k: v for k, v in cloud.point_fields.items() if k not in taken and v.dtype.kind in "iuf"}
    fields += [(name, *_ply_type(values.dtype)) for name, values in more.items()]
    dtype = np.dtype([(name, code) for name, code, _ in fields])
    lines = ["ply", "format binary_little_endian 1.0", "comment written by DenseLabel"]
    lines.append(f"element vertex {len(cloud)}")
    lines += [f"property {ply_type} {name}" for name, _, ply_type in fields]
    lines.append("end_header\n")
    with atomic_write(path, "wb") as handle:
        handle.write("\n".join(lines).encode("ascii"))
        for part in chunked(len(cloud), _CHUNK, progress, cancel, f"Writing {Path(path).name}"):
            check_cancel(cancel)
            block = np.empty(part.stop - part.start, dtype)
            xyz = absolute_xyz(cloud.xyz[part], cloud.offset)
            block["x"], block["y"], block["z"] = xyz[:, 0], xyz[:, 1], xyz[:, 2]
            if cloud.rgb is not None:
                for j, name in enumerate(("red", "green", "blue")):
                    block[name] = cloud.rgb[part, j]
            if cloud.intensity is not None:
                block["intensity"] = cloud.intensity[part]
            if labels is not None:
                block["label"] = labels[part]
            for name, values in {**extra, **more}.items():
                block[name] = values[part]
            handle.write(block.tobytes())


def _ply_type(dtype: np.dtype) -> tuple[str, str]:
    """(numpy code, PLY type) holding values of `dtype`; PLY has no 64-bit integers."""
    code = dtype.str[1:]  # "u1", "i2", "f8": without the byte order
    name = _PLY_NAMES.get(code)
    if name is None:
        return "<f8", "double"
    return (code if dtype.itemsize == 1 else "<" + code), name


def read_ply_property(path: str | Path, name: str) -> np.ndarray:
    """(N,) values of one vertex property (e.g. ``label_origin``) of a PLY file.

    Raises
    ------
    InputError
        As `read_ply`, or the file has no such property.
    """
    path = Path(path)
    with path.open("rb") as handle:
        header = _parse_header(handle, path)
        vertex = _vertex(header, path)
        _check_size(handle, header, vertex, path)
        if header.format == "ascii":
            rows = _read_ascii(handle, header, vertex, path)
        else:
            _skip_binary_before(handle, header, vertex, path)
            rows = _read_binary(handle, header, vertex, path, None, None)
    if rows.dtype.names is None or name not in rows.dtype.names:
        raise InputError(f"the PLY file has no '{name}' vertex property.", path)
    return np.asarray(rows[name])
