"""Carrying a sample's labels back to a LAS/LAZ file too big to hold, chunk by chunk.

The index map stays on disk (memory-mapped); each chunk of full points takes its labels
through its rows of the map (``voxel``) or by a vote of the nearest labeled sample
points (``knn``, the sample fits in memory), and the labels go straight to the outputs:
a ``.npy`` or text labels file, and optionally the cloud as LAS/LAZ with the
classification field, written a chunk at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.atomic import atomic_path, atomic_write
from core.cloud import UNLABELED, PointCloud
from core.errors import InputError
from core.io.common import labels_from_values
from core.progress import CancelFn, ProgressFn
from core.stream.chunks import (
    CHUNK_POINTS,
    labeled_header,
    labeled_records,
    las_chunks,
    las_info,
    open_writer,
)

STREAM_METHODS = ("voxel", "knn")


def open_index_map(path: str | Path, n_full: int) -> np.ndarray:
    """The index map (N,) as a read-only memory map, checked against the cloud's size."""
    path = Path(path)
    try:
        index_map = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot read the index map as .npy ({exc}); give the file written by --map.", path
        ) from exc
    if index_map.ndim != 1 or not np.issubdtype(index_map.dtype, np.integer):
        raise InputError("the index map must be a 1-D integer array; give the --map file.", path)
    if len(index_map) != n_full:
        raise InputError(
            f"the index map has {len(index_map):,} entries but the cloud has {n_full:,} "
            "points; use the map written when this cloud was downsampled.",
            path,
        )
    return index_map


def map_rows(index_map: np.ndarray, chunk: int = 20_000_000) -> int:
    """Sample rows a map points at (its maximum + 1), read a chunk at a time."""
    top = -1
    for start in range(0, len(index_map), chunk):
        part = np.asarray(index_map[start : start + chunk])
        if part.min() < 0:
            raise InputError("the index map holds negative rows; give the file written by --map.")
        top = max(top, int(part.max()))
    return top + 1


def stream_carry_back(
    path: str | Path,
    labels_sample: np.ndarray,
    *,
    method: str,
    index_map: np.ndarray | None = None,
    sample: PointCloud | None = None,
    labels_output: str | Path | None = None,
    cloud_output: str | Path | None = None,
    k: int = 3,
    weights: str = "uniform",
    max_distance: float | None = None,
    chunk_points: int = CHUNK_POINTS,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[int, int]:
    """Label every point of a LAS/LAZ file and write the labels chunk by chunk.

    Parameters
    ----------
    labels_sample : (M,) integer
        One label per sample point (255 = unlabeled).
    method : {"voxel", "knn"}
        ``voxel`` needs `index_map` (N,); ``knn`` needs `sample` (M points, in the full
        file's frame).
    labels_output : path or None
        ``.npy`` (written through a memory map) or text, one label a line.
    cloud_output : path or None
        ``.las``/``.laz``: the file's points with classification = the labels.

    Returns
    -------
    (points labeled, points left UNLABELED)
    """
    labels_sample = labels_from_values(np.asarray(labels_sample).ravel(), "sample labels")
    _check(method, labels_sample, index_map, sample, cloud_output)
    info = las_info(path)
    n_unlabeled = 0
    with contextlib.ExitStack() as stack:
        put_labels = stack.enter_context(
            _labels_sink(labels_output, info.n_points, labels_sample.dtype)
        )
        put_cloud = stack.enter_context(_cloud_sink(cloud_output, info.header))
        for chunk in las_chunks(
            path, chunk_points=chunk_points, progress=progress, cancel=cancel,
            message="carrying labels back",
        ):  # fmt: skip
            labels = _chunk_labels(
                chunk, method, labels_sample, index_map, sample, k, weights, max_distance
            )
            n_unlabeled += int(np.count_nonzero(labels == UNLABELED))
            put_labels(chunk.start, labels)
            put_cloud(chunk, labels)
    return info.n_points, n_unlabeled


def _check(method, labels_sample, index_map, sample, cloud_output) -> None:
    if method not in STREAM_METHODS:
        raise InputError(
            f"a streamed carry-back supports --method {' or '.join(STREAM_METHODS)}, "
            f"not {method}; use voxel with the index map."
        )
    if method == "voxel" and index_map is None:
        raise InputError("the voxel method needs the sample's index map; give --map.")
    if method == "knn" and (sample is None or len(sample) != len(labels_sample)):
        raise InputError("the knn method needs the sample cloud, one label a sample point.")
    if cloud_output is not None and Path(cloud_output).suffix.lower() not in (".las", ".laz"):
        raise InputError(
            "a streamed cloud output is written as LAS/LAZ; end --cloud-output in .las or .laz.",
            cloud_output,
        )


def _chunk_labels(chunk, method, labels_sample, index_map, sample, k, weights, max_distance):
    rows = slice(chunk.start, chunk.start + len(chunk.xyz))
    if method == "voxel":
        from core.transfer import transfer_labels_map

        return transfer_labels_map(labels_sample, np.asarray(index_map[rows]))
    from core.transfer import transfer_labels_knn

    return transfer_labels_knn(
        sample.xyz, labels_sample, chunk.xyz, k=k, weights=weights, max_distance=max_distance
    )


@contextlib.contextmanager
def _labels_sink(path: str | Path | None, n: int, dtype) -> Iterator:
    """A ``put(start, labels)`` writing labels in place: .npy memory map, or text lines."""
    if path is None:
        yield lambda start, labels: None
        return
    path = Path(path)
    if path.suffix.lower() == ".npy":
        with atomic_path(path) as tmp:
            out = np.lib.format.open_memmap(tmp, "w+", dtype=dtype, shape=(n,))

            def put(start: int, labels: np.ndarray) -> None:
                out[start : start + len(labels)] = labels

            yield put
            out.flush()
            del out
        return
    with atomic_write(path, "wb") as handle:

        def put_text(start: int, labels: np.ndarray) -> None:
            if len(labels):
                handle.write(("\n".join(map(str, labels.tolist())) + "\n").encode())

        yield put_text


@contextlib.contextmanager
def _cloud_sink(path: str | Path | None, source_header) -> Iterator:
    """A ``put(chunk, labels)`` appending labeled points to a LAS/LAZ through laspy's writer."""
    if path is None:
        yield lambda chunk, labels: None
        return
    header = labeled_header(source_header)
    with atomic_path(path) as tmp, open_writer(tmp, header) as writer:
        yield lambda chunk, labels: writer.write_points(labeled_records(chunk, header, labels))
