"""LAS/LAZ read and written a chunk of points at a time, for files too big to hold.

lazrs decompresses a LAZ chunk on every core (laspy's ``LazrsParallel`` backend).
Coordinates are recentred exactly as `core.io.las.read_las` does, so a chunk's xyz
are bit for bit the rows the in-memory reader would give.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import laspy
import numpy as np

from core.errors import Cancelled, InputError
from core.io.copc import las_offset
from core.io.las import check_header, held_chunks, open_las
from core.progress import CancelFn, ProgressFn, check_cancel, report

#: Points per chunk: about 100 MB of working arrays, large enough for lazrs' threads.
CHUNK_POINTS = 2_000_000


@dataclass
class LasInfo:
    """What the header of a LAS/LAZ says, read before the points.

    Attributes
    ----------
    n_points : int
    offset : (3,) float64
        Subtracted from the file's coordinates (as `core.io.las.read_las` does).
    has_rgb : bool
    header : laspy.LasHeader
    """

    n_points: int
    offset: np.ndarray
    has_rgb: bool
    header: laspy.LasHeader


@dataclass
class Chunk:
    """Rows ``start .. start + len(xyz)`` of the file.

    Attributes
    ----------
    start : int
    xyz : (m, 3) float64, recentred by `LasInfo.offset`
    rgb16 : (m, 3) uint16 or None
    intensity : (m,) float32
    classification : (m,) uint8
    points : laspy.ScaleAwarePointRecord
        The raw records, for writers that copy them.
    """

    start: int
    xyz: np.ndarray
    rgb16: np.ndarray | None
    intensity: np.ndarray
    classification: np.ndarray
    points: laspy.ScaleAwarePointRecord


_STOPS = (Cancelled, KeyboardInterrupt, SystemExit, GeneratorExit)


def _open(path: Path) -> laspy.LasReader:
    return open_las(path, laz_backend=_backend(path))


def _backend(path: Path):
    return laspy.LazBackend.LazrsParallel if path.suffix.lower() == ".laz" else None


def las_info(path: str | Path) -> LasInfo:
    """The header facts a streaming pass needs, without reading points."""
    path = Path(path)
    with _open(path) as reader:
        header = reader.header
        # The same checks as the in-memory reader: a lying header is refused before any
        # chunk is allocated (core.io.las.check_header).
        check_header(header, path, compressed=path.suffix.lower() == ".laz")
        return LasInfo(
            n_points=int(header.point_count),
            offset=las_offset(header),
            has_rgb="red" in header.point_format.dimension_names,
            header=header,
        )


def las_chunks(
    path: str | Path,
    *,
    chunk_points: int = CHUNK_POINTS,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    message: str = "",
) -> Iterator[Chunk]:
    """Yield the file's points as `Chunk` s, in file order.

    Raises
    ------
    InputError
        Truncated or corrupt point data, or more/fewer points than the header says.
    """
    path = Path(path)
    info = las_info(path)
    done = 0
    with _open(path) as reader:
        try:
            for points in held_chunks(reader, max(int(chunk_points), 1)):
                check_cancel(cancel)
                report(progress, done / max(info.n_points, 1), message or f"reading {path.name}")
                if done + len(points) > info.n_points:
                    raise InputError("the file holds more points than its header says.", path)
                chunk = _chunk(points, done, info)
                done += len(points)
                yield chunk
        except (InputError, *_STOPS):
            raise
        except BaseException as exc:  # lazrs/laspy errors (a Rust panic too) for cut data
            raise InputError(
                f"the point data is truncated or corrupt after {done:,} points ({exc}); "
                "check the file, or export it again.",
                path,
            ) from exc
    if done != info.n_points:
        raise InputError(
            f"the file is truncated: the header says {info.n_points:,} points but it holds "
            f"{done:,}.",
            path,
        )
    report(progress, 1.0, message or f"reading {path.name}")


def _chunk(points: laspy.ScaleAwarePointRecord, start: int, info: LasInfo) -> Chunk:
    xyz = np.empty((len(points), 3), np.float64)
    for axis, name in enumerate("xyz"):
        xyz[:, axis] = np.asarray(points[name], dtype=np.float64) - info.offset[axis]
    rgb16 = None
    if info.has_rgb:
        rgb16 = np.column_stack([np.asarray(points[c]) for c in ("red", "green", "blue")])
    return Chunk(
        start=start,
        xyz=xyz,
        rgb16=rgb16,
        intensity=np.asarray(points.intensity, np.float32),
        classification=np.asarray(points.classification, np.uint8),
        points=points,
    )


def labeled_header(source: laspy.LasHeader) -> laspy.LasHeader:
    """A LAS 1.4 header (format 7 with colour, else 6) on the source's own integer grid.

    Formats 6-10 keep 8-bit classification, so 255 (unlabeled) survives; keeping the
    source's scales and offsets keeps every coordinate exactly.
    """
    has_rgb = "red" in source.point_format.dimension_names
    header = laspy.LasHeader(point_format=7 if has_rgb else 6, version="1.4")
    header.offsets = source.offsets
    header.scales = source.scales
    return header


def labeled_records(
    chunk: Chunk, header: laspy.LasHeader, labels: np.ndarray
) -> laspy.ScaleAwarePointRecord:
    """The chunk's points in `header`'s format with classification = `labels` (m,)."""
    out = laspy.ScaleAwarePointRecord.zeros(len(chunk.xyz), header=header)
    source = chunk.points
    out.X, out.Y, out.Z = source.X, source.Y, source.Z
    out.intensity = source.intensity
    if chunk.rgb16 is not None:
        out.red, out.green, out.blue = source.red, source.green, source.blue
    out.classification = np.asarray(labels, np.uint8)
    return out


def open_writer(path: Path, header: laspy.LasHeader) -> laspy.LasWriter:
    """A laspy chunk writer (LAZ when the name ends in .laz, compressed on every core)."""
    return laspy.open(path, mode="w", header=header, laz_backend=_backend(path))
