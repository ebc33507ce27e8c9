"""An overview of a LAS/LAZ/COPC file too big to hold: a bounded subset read chunk by chunk.

A LAS/LAZ overview is every k-th point in file order (k = the smallest step that keeps
the subset within the limit); a COPC overview is the octree's coarse levels, as many as
fit, which cover the whole extent evenly. Either way each point keeps its row in the
file, so anything computed over the whole file (an index map, labels) can be read
back for exactly the points held.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import laspy
import numpy as np
from laspy.copc import CopcReader, load_octree_for_query

from core.cloud import PointCloud
from core.errors import Cancelled, InputError
from core.io.copc import COPC_SUFFIX, cloud_from_records, las_offset, open_copc
from core.progress import CancelFn, ProgressFn, check_cancel, report
from core.stream.chunks import CHUNK_POINTS, las_chunks, las_info


@dataclass
class FileView:
    """Some of a file's points held in memory, with their rows in the file.

    Attributes
    ----------
    cloud : PointCloud
        The points held, recentred by the file's offset (as `core.io.las.read_las`).
    rows : (n,) int64
        Row in the file (file order, as `core.stream.chunks.las_chunks` reads it) of
        each point of `cloud`, increasing.
    n_file : int
        Points in the whole file.
    how : str
        How the points were chosen, in words ("every 4th point", "octree levels 0-3",
        "inside the box").
    """

    cloud: PointCloud
    rows: np.ndarray
    n_file: int
    how: str


def is_copc(path: str | Path) -> bool:
    return str(path).lower().endswith(COPC_SUFFIX)


def read_overview(
    path: str | Path,
    max_points: int,
    *,
    chunk_points: int = CHUNK_POINTS,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> FileView:
    """At most `max_points` points spread over the whole file, read chunk by chunk.

    Memory is the subset plus one chunk. A COPC file gives its coarse octree levels when
    level 0 alone fits, otherwise (and for LAS/LAZ) every k-th point.

    Raises
    ------
    InputError
        Unreadable or corrupt file, or `max_points` < 1.
    """
    path = Path(path)
    if max_points < 1:
        raise InputError(f"an overview needs at least 1 point, got {max_points}.", path)
    if is_copc(path):
        view = _copc_levels(path, max_points, progress, cancel)
        if view is not None:
            return view
    return _every_kth(path, max_points, chunk_points, progress, cancel)


def _every_kth(path: Path, max_points: int, chunk_points: int, progress, cancel) -> FileView:
    info = las_info(path)
    n = info.n_points
    step = max(math.ceil(n / max_points), 1)
    parts = []
    message = f"reading an overview of {path.name} (every {_nth(step)} point)"
    for chunk in las_chunks(
        path, chunk_points=chunk_points, progress=progress, cancel=cancel, message=message
    ):
        first = (-chunk.start) % step  # the first row of this chunk that is a multiple of k
        # A copy: a view would keep the whole chunk's buffer alive.
        parts.append(_records(chunk.points.array[first::step].copy(), info.header))
    cloud = cloud_from_records(parts, info.header, info.offset, str(path))
    return FileView(cloud, np.arange(0, n, step, dtype=np.int64), n, f"every {_nth(step)} point")


def _records(array: np.ndarray, header: laspy.LasHeader) -> laspy.ScaleAwarePointRecord:
    return laspy.ScaleAwarePointRecord(array, header.point_format, header.scales, header.offsets)


def _nth(k: int) -> str:
    if k == 1:
        return ""
    tail = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{tail}"


def copc_nodes(reader: CopcReader, bounds=None) -> tuple[list, dict[int, int]]:
    """The octree nodes a query touches, and the file row where every node's points start.

    A COPC file stores each node as one LAZ chunk, so file order is node byte order: a
    node's first row is the point count of all nodes stored before it.
    """
    every = load_octree_for_query(reader.source, reader.copc_info, reader.root_page)
    starts, row = {}, 0
    for node in sorted(every, key=lambda node: node.offset):
        starts[node.offset] = row
        row += node.point_count
    if bounds is None:
        return every, starts
    touched = load_octree_for_query(
        reader.source, reader.copc_info, reader.root_page, query_bounds=bounds
    )
    return touched, starts


def _copc_levels(path: Path, max_points: int, progress, cancel) -> FileView | None:
    """The coarsest levels whose points fit in `max_points`; None when level 0 does not."""
    with open_copc(path) as reader:
        header = reader.header
        nodes, starts = copc_nodes(reader)
        per_level: dict[int, int] = {}
        for node in nodes:
            per_level[node.key.level] = per_level.get(node.key.level, 0) + node.point_count
        top, total = -1, 0
        for level in sorted(per_level):
            if total + per_level[level] > max_points:
                break
            top, total = level, total + per_level[level]
        if top < 0:
            return None
        chosen = sorted((n for n in nodes if n.key.level <= top), key=lambda n: n.offset)
        read = list(read_nodes(reader, chosen, starts, path, progress, cancel))
    parts = [records for records, _ in read]
    rows = np.concatenate([r for _, r in read]) if read else np.zeros(0, np.int64)
    how = f"octree levels 0-{top}" if top else "octree level 0"
    cloud = cloud_from_records(parts, header, las_offset(header), str(path))
    # Nodes are stored in byte order, so rows taken in offset order are increasing.
    return FileView(cloud, rows, int(header.point_count), how)


def read_nodes(reader: CopcReader, nodes: list, starts: dict[int, int], path, progress, cancel):
    """Decompress `nodes` (sorted by offset) a batch at a time; yield (records, file rows)."""
    what = Path(path).name
    total = max(sum(n.point_count for n in nodes), 1)
    done = 0
    for batch in _batches(nodes):
        check_cancel(cancel)
        report(progress, done / total, f"reading {what}")
        try:
            # laspy's own node reader (query() filters points and so loses their rows).
            records = reader._fetch_and_decompress_points_of_nodes(batch)
        except (Cancelled, KeyboardInterrupt):
            raise
        except Exception as exc:  # lazrs errors for corrupt chunks
            raise InputError(f"the COPC point data is corrupt ({exc}).", path) from exc
        rows = [np.arange(starts[n.offset], starts[n.offset] + n.point_count) for n in batch]
        yield records, np.concatenate(rows).astype(np.int64)
        done += sum(n.point_count for n in batch)
    report(progress, 1.0, f"reading {what}")


def _batches(nodes: list, points: int = CHUNK_POINTS) -> list[list]:
    """Consecutive runs of nodes of about `points` points, so progress moves and cancel works."""
    out: list[list] = [[]]
    size = 0
    for node in nodes:
        if out[-1] and size + node.point_count > points:
            out.append([])
            size = 0
        out[-1].append(node)
        size += node.point_count
    return [batch for batch in out if batch]
