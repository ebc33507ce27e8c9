"""Text point clouds: x y z [intensity] [r g b] per line, comma, space or tab separated.

Reading is the hot path of the whole app (clouds of tens of millions of lines), so the
file is mapped window by window and parsed by compiled code on every core straight into
the output arrays: memory stays at the size of the result plus a window.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from core.atomic import atomic_write
from core.cloud import PointCloud
from core.errors import InputError
from core.io import text_kernel as kernel
from core.io.common import RECENTRE_ABOVE, absolute_xyz, labels_from_values, recentre
from core.io.text_layout import TextLayout, describe_bad_line, sniff_layout
from core.progress import CancelFn, ProgressFn, check_cancel, chunked, report

TEXT_EXTENSIONS = (".xyz", ".txt", ".csv", ".pts")
#: Bytes mapped at a time: big enough to keep every core busy, small next to the result.
WINDOW = 16 << 20
#: Pieces below this size are not worth a thread.
_MIN_PIECE = 1 << 20
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
_THREADS = max(1, min(_CORES or 1, 8))


class _Outputs:
    """Growable output arrays; rows beyond `rows` are not written yet."""

    def __init__(self, capacity: int, n_other: int):
        self.xyz = np.empty((capacity, 3), np.float64)
        self.rgb = np.empty((capacity, 3), np.uint8)
        self.other = np.empty((capacity, n_other), np.float32)
        self.rows = 0

    def reserve(self, n_more: int) -> None:
        need = self.rows + n_more
        if need > len(self.xyz):
            capacity = max(need, int(len(self.xyz) * 1.5))
            for array in (self.xyz, self.rgb, self.other):
                # In place (realloc): no second copy of the result in memory.
                array.resize((capacity, array.shape[1]), refcheck=False)

    def shrink(self) -> None:
        for array in (self.xyz, self.rgb, self.other):
            array.resize((self.rows, array.shape[1]), refcheck=False)


def read_text(
    path: str | Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
) -> PointCloud:
    """Read a text point cloud.

    Lines hold 3, 4, 6 or 7 values (x y z, x y z i, x y z r g b, x y z i r g b) or the
    columns a header line names (x, y, z, r/red, g, b, i/intensity, label/class).
    Colours are 0-255 integers or 0-1 decimals (decided from the first lines).

    Returns
    -------
    PointCloud
        xyz float64 recentred, rgb uint8 if present, intensity float32 if present,
        labels uint8/uint16 if a header names a label column.

    Raises
    ------
    InputError
        Empty or binary file, a non-numeric value, a line with the wrong number of
        values, a NaN/infinite coordinate or a colour out of range (with the line).
    """
    path = Path(path)
    size = _size(path)
    layout = sniff_layout(path)
    n_other = len(layout.others)
    estimate = int((size - layout.data_start) / layout.bytes_per_line * 1.05) + 1024
    out = _Outputs(estimate, n_other)
    with path.open("rb") as handle, ThreadPoolExecutor(_THREADS) as pool:
        size = os.fstat(handle.fileno()).st_size
        _read_windows(handle, size, layout, out, pool, path, progress, cancel)
        report(progress, 1.0, f"Reading {path.name}")
        if out.rows == 0:
            raise InputError("the file has no points; choose a point cloud file.", path)
        out.shrink()
        return _to_cloud(out, layout, path, pool)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot open the file ({exc.strerror}); check the path.", path) from exc


def _read_windows(handle, size, layout, out, pool, path, progress, cancel) -> None:
    """Read the file window by window into one reused buffer and parse its whole lines.

    Read, not mapped: a mapping was 0.08 s of CPU cheaper at 5M lines (``read`` copies
    the page cache at about 1.5 GB/s here), but a mapped file that shrinks while it is
    parsed (another program rewriting it, a network share failing) kills the process
    with SIGBUS, and a window must never die under its user. A short read is a sentence.
    The few bytes after the last whole line (a parser reads up to `READ_AHEAD` bytes past
    a line) are read into a small padded buffer.
    """
    pos, lines_done = layout.data_start, layout.lines_before
    window = np.empty(min(WINDOW, max(size - pos, 1)), np.uint8)
    while pos < size:
        check_cancel(cancel)
        report(progress, pos / max(size, 1), f"Reading {path.name}")
        stop = min(pos + WINDOW, size)
        handle.seek(pos)
        filled = handle.readinto(window.data[: stop - pos])
        if filled != stop - pos:
            raise InputError(
                "the file got shorter while it was read (another program is writing it?); "
                "wait until it is complete, then open it again.",
                path,
            )
        buf = window[:filled]
        hi = kernel.last_line_end(buf, max(0, len(buf) - kernel.READ_AHEAD))
        if hi == 0 and stop < size:
            raise InputError(
                f"a line is longer than {WINDOW >> 20} MB; this is not a text point cloud.",
                path,
                lines_done + 1,
            )
        lines_done += _parse_block(buf, 0, hi, lines_done, layout, out, pool, path)
        pos += hi
        if stop == size:
            _read_tail(handle, pos, size, lines_done, layout, out, pool, path)
            return


def _read_tail(handle, pos, size, lines_done, layout, out, pool, path) -> None:
    """Parse the file's end from `pos` (a line or so) out of a padded copy."""
    if pos >= size:
        return
    buf = np.zeros(size - pos + 1 + kernel.READ_AHEAD, np.uint8)
    handle.seek(pos)
    filled = handle.readinto(buf.data[: size - pos])
    if filled and buf[filled - 1] != 10:
        buf[filled] = 10  # the last line has no newline
        filled += 1
    _parse_block(buf, 0, filled, lines_done, layout, out, pool, path)


def _parse_block(buf, lo, hi, lines_done, layout, out, pool, path) -> int:
    """Parse ``buf[lo:hi]`` (whole lines) with one thread per piece into `out`; count lines."""
    # More pieces than threads: on a shared machine a thread that loses its core
    # leaves its remaining pieces to the others.
    n_pieces = max(1, min(4 * _THREADS, (hi - lo) // _MIN_PIECE))
    cuts = [lo]
    for k in range(1, n_pieces):
        cut = kernel.line_end(buf, lo + (hi - lo) * k // n_pieces, hi) + 1
        cuts.append(max(cuts[-1], min(cut, hi)))
    cuts.append(hi)
    pieces = range(n_pieces)
    counts = list(pool.map(lambda k: kernel.count_lines(buf, cuts[k], cuts[k + 1]), pieces))
    out.reserve(sum(counts))
    firsts = out.rows + np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    args = (layout.comma, layout.dest, out.xyz, out.rgb, out.other, layout.rgb_max, layout.fast_sep)
    results = list(
        pool.map(lambda k: kernel.parse_piece(buf, cuts[k], cuts[k + 1], firsts[k], *args), pieces)
    )
    for k, (_, error_at, code) in enumerate(results):
        if error_at >= 0:
            line = lines_done + sum(counts[:k]) + kernel.count_lines(buf, cuts[k], error_at) + 1
            end = kernel.line_end(buf, error_at, hi)
            text = bytes(buf[error_at:end])
            raise InputError(describe_bad_line(int(code), text, layout), path, line)
    _compact(out, firsts, results)
    return sum(counts)


def _compact(out: _Outputs, firsts: np.ndarray, results: list) -> None:
    """Close the gaps blank lines left between pieces."""
    row = int(firsts[0])
    for first, (rows, _, _) in zip(firsts, results, strict=True):
        if first != row:
            for array in (out.xyz, out.rgb, out.other):
                array[row : row + rows] = array[first : first + rows]
        row += int(rows)
    out.rows = row


def _to_cloud(out: _Outputs, layout: TextLayout, path: Path, pool) -> PointCloud:
    has = layout.has
    others = layout.others
    intensity = labels = None
    if 6 in has:
        intensity = out.other[:, others.index(6)].copy()
    if 7 in has:
        labels = labels_from_values(out.other[:, others.index(7)], path)
    offset = _recentre(out.xyz, pool)
    return PointCloud(
        xyz=out.xyz,
        rgb=out.rgb if {3, 4, 5} <= has else None,
        intensity=intensity,
        labels=labels,
        offset=offset,
        source=str(path),
    )


def _recentre(xyz: np.ndarray, pool: ThreadPoolExecutor) -> np.ndarray:
    """`core.io.common.recentre`, its bounds found in one pass on every core (6 strided
    column passes took a tenth of the load)."""
    cuts = np.linspace(0, len(xyz), _THREADS + 1).astype(np.int64)
    parts = list(pool.map(lambda k: kernel.bounds(xyz, cuts[k], cuts[k + 1]), range(_THREADS)))
    low = np.min([part[0] for part in parts], axis=0)
    high = np.max([part[1] for part in parts], axis=0)
    if max(np.abs(low).max(), np.abs(high).max()) <= RECENTRE_ABOVE:
        return np.zeros(3)
    return recentre(xyz)


def write_text(
    cloud: PointCloud,
    path: str | Path,
    *,
    labels: np.ndarray | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> None:
    """Write ``x,y,z[,r,g,b][,label]`` lines (x,y,z,intensity when there is no colour).

    With labels the file starts with a header line naming the columns, since seven
    bare values would read back as x y z intensity r g b.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = ["x", "y", "z"]
    names += ["r", "g", "b"] if cloud.rgb is not None else []
    names += ["intensity"] if cloud.rgb is None and cloud.intensity is not None else []
    names += ["label"] if labels is not None else []
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    with atomic_write(path, "wb") as handle:
        if labels is not None:
            handle.write((",".join(names) + "\n").encode())
        writer = None
        # 64k rows a chunk: a chunk's text and columns cost about 100 bytes a row, and
        # 256k rows were no faster but 20 MB more at the peak of a whole downsample.
        for rows in chunked(len(cloud), 1 << 16, progress, cancel, f"Writing {Path(path).name}"):
            xyz = absolute_xyz(cloud.xyz[rows], cloud.offset)
            columns = [xyz[:, 0], xyz[:, 1], xyz[:, 2]]
            if cloud.rgb is not None:
                columns += [cloud.rgb[rows, 0], cloud.rgb[rows, 1], cloud.rgb[rows, 2]]
            elif cloud.intensity is not None:
                columns.append(cloud.intensity[rows])
            if labels is not None:
                columns.append(np.asarray(labels[rows]))
            table = pa.table(dict(zip(names, columns, strict=True)))
            if writer is None:
                writer = pa_csv.CSVWriter(handle, table.schema, write_options=options)
            writer.write_table(table)
        if writer is not None:
            writer.close()
