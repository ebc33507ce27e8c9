"""LAS and LAZ through laspy (lazrs decompresses LAZ on every core).

Points are read in chunks so progress moves and cancel is honoured; georeferenced
coordinates are recentred on the floor of the header's minimum corner.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import laspy
import numpy as np

from core.atomic import atomic_path
from core.cloud import PointCloud
from core.errors import Cancelled, InputError
from core.io.common import (
    RECENTRE_ABOVE,
    VaryingFields,
    absolute_xyz,
    check_claim,
    rgb16_to_rgb8,
)
from core.io.native import native_stderr_held
from core.progress import CancelFn, ProgressFn, check_cancel, chunked, report

LAS_EXTENSIONS = (".las", ".laz")
#: Never turned into "corrupt file": the user stopping, the program exiting. Everything
#: else counts as bad data, including lazrs's Rust panics (pyo3's PanicException is a
#: BaseException).
_STOPS = (Cancelled, KeyboardInterrupt, SystemExit, GeneratorExit)
_CHUNK = 1_000_000
#: Dimensions held elsewhere in the PointCloud (xyz, rgb, intensity), not as point fields.
_NOT_FIELDS = {"X", "Y", "Z", "red", "green", "blue", "intensity"}


def open_las(path: Path, laz_backend=None) -> laspy.LasReader:
    """Open a LAS/LAZ reader; a bad header (or a lazrs panic) is one InputError."""
    try:
        with native_stderr_held():
            return laspy.open(path, laz_backend=laz_backend)
    except FileNotFoundError as exc:
        raise InputError("the file does not exist; check the path.", path) from exc
    except _STOPS:
        raise
    except BaseException as exc:  # laspy raises many types for a bad header; lazrs panics
        raise InputError(
            f"this is not a readable LAS/LAZ file ({exc}); check the file, or export it again.",
            path,
        ) from exc


def check_header(header, path: Path, compressed: bool) -> None:
    """Refuse scales, offsets and point counts that cannot be right, before allocating."""
    for name in ("scales", "offsets"):
        values = np.asarray(getattr(header, name), dtype=np.float64)
        if not np.isfinite(values).all() or (name == "scales" and (values == 0).any()):
            shown = ", ".join(f"{v:g}" for v in values)
            raise InputError(
                f"the LAS header's {name[:-1]} is {shown}, which cannot give coordinates; "
                "fix the header or export the file again.",
                path,
                field=name[:-1],
            )
    size = path.stat().st_size
    available = size - int(header.offset_to_point_data)
    # A LAZ point takes at least a few bits; an uncompressed one its full record size.
    least = 1 / 16 if compressed else header.point_format.size
    check_claim(path, int(header.point_count), "points", least, max(available, 0))


def peek_las_count(path: str | Path) -> int:
    """Point count from the header, without reading the points."""
    with open_las(Path(path)) as reader:
        return int(reader.header.point_count)


def read_las(
    path: str | Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> PointCloud:
    """Read a LAS/LAZ file.

    Returns
    -------
    PointCloud
        xyz float64 recentred (offset = floor of the minimum corner when coordinates
        exceed 1e4 m), rgb uint8 (16-bit colour >> 8; kept as is when all <= 255),
        intensity float32, labels = classification uint8 (None when every point is 0,
        i.e. never classified; intensity likewise), point_fields = every other
        dimension that varies (return_number, classification, user_data, gps_time,
        extra bytes...) in laspy's dtype for it.

    Raises
    ------
    InputError
        Not a LAS/LAZ file, or truncated/corrupt point data.
    """
    path = Path(path)
    with open_las(path) as reader:
        header = reader.header
        compressed = path.suffix.lower() == ".laz" or header.are_points_compressed
        check_header(header, path, compressed)
        n = int(header.point_count)
        corner = np.asarray(header.mins, dtype=np.float64)
        far = max(np.abs(header.mins).max(), np.abs(header.maxs).max()) > RECENTRE_ABOVE
        offset = np.floor(corner) if far else np.zeros(3)
        # A LAZ header's count is believed only up to a byte a point (real files take 2-6);
        # beyond that the arrays grow as points really arrive.
        capacity = min(n, path.stat().st_size) if compressed else n
        out = _Columns(capacity, "red" in header.point_format.dimension_names, field_names(header))
        done = 0
        try:
            for points in held_chunks(reader):
                check_cancel(cancel)
                report(progress, done / max(n, 1), f"Reading {path.name}")
                m = len(points)
                if done + m > n:
                    raise InputError(
                        "the file holds more points than its header says; export it again.", path
                    )
                out.put(done, points, offset, n)
                done += m
        except (InputError, *_STOPS):
            raise
        except BaseException as exc:  # lazrs/laspy errors for corrupt or cut data; panics
            raise InputError(
                f"the point data is truncated or corrupt after {done:,} points ({exc}); "
                "export the file again.",
                path,
            ) from exc
    if done != n:
        raise InputError(
            f"the file is truncated: the header says {n:,} points but it holds {done:,}; "
            "export the file again.",
            path,
        )
    if not np.isfinite(out.xyz).all():
        raise InputError(
            "the coordinates are not finite (the header's scale or offset is out of range); "
            "fix the header or export the file again.",
            path,
        )
    report(progress, 1.0, f"Reading {path.name}")
    return PointCloud(
        xyz=out.xyz,
        rgb=None if out.rgb16 is None else rgb16_to_rgb8(out.rgb16),
        intensity=out.intensity if out.intensity.any() else None,
        labels=out.classes if out.classes.any() else None,
        offset=offset,
        source=str(path),
        point_fields=out.fields.result(n),
    )


def field_names(header: laspy.LasHeader) -> list[str]:
    """The point format's dimensions kept as point fields (all but xyz, rgb, intensity)."""
    return [d for d in header.point_format.dimension_names if d not in _NOT_FIELDS]


def held_chunks(reader: laspy.LasReader, chunk_points: int = _CHUNK) -> Iterator:
    """The reader's chunks of points, a Rust panic's own printout kept off the terminal."""
    chunks = reader.chunk_iterator(chunk_points)
    while True:
        with native_stderr_held():
            points = next(chunks, None)
        if points is None:
            return
        yield points


class _Columns:
    """The point arrays being filled: xyz (N, 3) float64, rgb16 (N, 3) uint16 or None,
    intensity (N,) float32, classes (N,) uint8, the varying `fields`; grown in place when
    a chunk needs room."""

    def __init__(self, capacity: int, has_rgb: bool, field_names: list[str]):
        self.xyz = np.empty((capacity, 3), np.float64)
        self.rgb16 = np.empty((capacity, 3), np.uint16) if has_rgb else None
        self.intensity = np.empty(capacity, np.float32)
        self.classes = np.empty(capacity, np.uint8)
        self.field_names = field_names
        self.fields = VaryingFields(capacity)

    def put(self, start: int, points, offset: np.ndarray, n: int) -> None:
        stop = start + len(points)
        if stop > len(self.classes):
            size = min(n, max(stop, 2 * len(self.classes)))
            for array in (self.xyz, self.rgb16, self.intensity, self.classes):
                if array is not None:
                    array.resize((size, *array.shape[1:]), refcheck=False)
            self.fields.grow(size)
        rows = slice(start, stop)
        for axis, name in enumerate("xyz"):
            self.xyz[rows, axis] = np.asarray(points[name], dtype=np.float64) - offset[axis]
        if self.rgb16 is not None:
            for axis, name in enumerate(("red", "green", "blue")):
                self.rgb16[rows, axis] = points[name]
        self.intensity[rows] = points.intensity
        self.classes[rows] = points.classification
        for name in self.field_names:
            # classification is unpacked once already, for the labels
            values = self.classes[rows] if name == "classification" else points[name]
            self.fields.put(start, name, values)


def _scale_for(extent: float) -> float:
    """Finest of 0.01 mm / 0.1 mm / 1 mm / 1 cm that keeps the extent inside 32-bit integers."""
    for scale in (1e-5, 1e-4, 1e-3, 1e-2):
        if extent / scale < 2**31 - 1:
            return scale
    return 1e-1


def write_las(
    cloud: PointCloud,
    path: str | Path,
    *,
    labels: np.ndarray | None = None,
    extra: dict[str, np.ndarray] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write LAS 1.4 (LAZ when the name ends in .laz), classification = `labels`.

    Point format 7 (with RGB, 8-bit colour scaled to 16-bit) when `cloud.rgb` is set,
    else 6: both keep 8-bit classification, so 255 (unlabeled) survives. `extra` maps
    names to (N,) uint8 arrays written as extra bytes (e.g. ``label_origin``). The
    cloud's point fields go along: return numbers, gps_time, user_data... into their LAS
    dimensions (scan_angle_rank as scan_angle, 0.006 degree steps), the others (PLY/PCD
    scalars, the source's extra bytes) as extra bytes of their dtype; classification
    comes from `labels` only.

    Raises
    ------
    InputError
        Labels above 255 (LAS classification is one byte).
    """
    path = Path(path)
    if labels is not None and len(labels) and int(np.max(labels)) > 255:
        raise InputError("LAS classification holds 0-255; save these labels as .npy.", path)
    lo, hi = cloud.bounds()
    header = laspy.LasHeader(point_format=7 if cloud.rgb is not None else 6, version="1.4")
    header.offsets = np.floor(lo + cloud.offset)
    header.scales = np.full(3, _scale_for(float(np.max(hi - lo)) + 1.0))
    extra = extra or {}
    header.add_extra_dims([laspy.ExtraBytesParams(name, np.uint8) for name in extra])
    standard, more = _fields_to_write(cloud, set(header.point_format.dimension_names), extra)
    header.add_extra_dims([laspy.ExtraBytesParams(k, v.dtype) for k, v in more.items()])
    n = len(cloud)
    with atomic_path(path) as tmp, laspy.open(tmp, mode="w", header=header) as writer:
        for rows in chunked(n, _CHUNK, progress, cancel, f"Writing {path.name}"):
            points = laspy.ScaleAwarePointRecord.zeros(rows.stop - rows.start, header=header)
            xyz = absolute_xyz(cloud.xyz[rows], cloud.offset)
            points.x, points.y, points.z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
            if cloud.rgb is not None:
                rgb16 = cloud.rgb[rows].astype(np.uint16) * 257
                points.red, points.green, points.blue = rgb16[:, 0], rgb16[:, 1], rgb16[:, 2]
            if cloud.intensity is not None:
                points.intensity = np.clip(np.round(cloud.intensity[rows]), 0, 65535)
            if labels is not None:
                points.classification = np.asarray(labels[rows], dtype=np.uint8)
            for name, values in extra.items():
                points[name] = np.asarray(values[rows], dtype=np.uint8)
            for name, values in more.items():
                points[name] = values[rows]
            for name, values in standard.items():
                _put_standard(points, name, values[rows], path)
            if "scan_angle_rank" in cloud.point_fields and "scan_angle" not in standard:
                degrees = cloud.point_fields["scan_angle_rank"][rows].astype(np.float64)
                points.scan_angle = np.round(degrees / 0.006).astype(np.int16)
            writer.write_points(points)


def _put_standard(points, name: str, values: np.ndarray, path: Path) -> None:
    """One LAS dimension from a point field; a PLY's "return_number" of 40 cannot fit."""
    try:
        points[name] = values.astype(np.asarray(points[name]).dtype, copy=False)
    except (OverflowError, TypeError, ValueError) as exc:
        raise InputError(
            f"the point field '{name}' holds values a LAS {name} cannot ({exc}); rename or "
            "drop it in the source, or export as PLY.",
            path,
        ) from exc


def _fields_to_write(
    cloud: PointCloud, dimensions: set[str], extra: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The point fields written as LAS dimensions and those written as extra bytes."""
    standard, more = {}, {}
    for name, values in cloud.point_fields.items():
        if name in extra or name in ("classification", "scan_angle_rank"):
            continue  # `extra` and `labels` win; the rank is converted while writing
        if name in dimensions:
            standard[name] = values
        elif values.dtype.kind in "iuf" and len(name) <= 32:  # what extra bytes can hold
            more[name] = values
    return standard, more
