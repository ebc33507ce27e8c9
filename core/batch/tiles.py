"""KNN carry-back over tiles with a buffer of the neighbouring tiles' labeled samples.

Alone, a tile's points near its edge would vote only among its own sample, so their
labels could change at the border. Here every tile also takes the labeled sample points
of the other tiles that lie within `buffer` metres of its bounding box. With
``--max-distance`` at most the buffer (the default buffer is the max distance), every
sample point that could vote for a point is in its tile's set, and the labels equal
those of one carry-back over the whole cloud.
"""

from __future__ import annotations

import time

import numpy as np

from core.batch.tasks import Outcome
from core.cloud import UNLABELED, PointCloud, in_frame_of

#: Buffer (metres) when neither --buffer nor --max-distance is given.
DEFAULT_BUFFER = 1.0


def absolute_bounds(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum corner (3,) of a cloud in its file's coordinates.

    LAS/LAZ bounds come from the header; other formats are read.
    """
    from core.io import format_suffix, read_cloud

    if format_suffix(path) in (".las", ".laz"):
        from core.stream.chunks import las_info

        header = las_info(path).header
        return np.asarray(header.mins, np.float64), np.asarray(header.maxs, np.float64)
    cloud = read_cloud(path)
    lo, hi = cloud.bounds()
    return lo + cloud.offset, hi + cloud.offset


def tile_bounds(full: str, sample: str) -> tuple[np.ndarray, ...]:
    """(full lo, full hi, sample lo, sample hi), absolute, for choosing neighbours."""
    return (*absolute_bounds(full), *absolute_bounds(sample))


def neighbours(bounds: list[tuple[np.ndarray, ...]], index: int, buffer: float) -> list[int]:
    """Tiles whose sample box meets tile `index`'s full box grown by `buffer`."""
    lo, hi = bounds[index][0] - buffer, bounds[index][1] + buffer
    return [
        j
        for j, (_, _, s_lo, s_hi) in enumerate(bounds)
        if j != index and np.all(s_lo <= hi) and np.all(s_hi >= lo)
    ]


def buffered_knn(options: dict, own: tuple[str, str], others: list[tuple[str, str]]) -> Outcome:
    """Carry labels to one tile by knn over its sample plus its neighbours' within the buffer.

    Parameters
    ----------
    options : dict
        file, output, cloud_output, k, weights, max_distance, buffer (from the upsample
        command line of this tile).
    own, others : (sample path, sample labels path)
    """
    from core.failure import describe

    start = time.perf_counter()
    try:
        line = _carry(options, own, others)
    except Exception as exc:  # a bug must not stop the other tiles; say what it was
        return Outcome(False, describe(exc), time.perf_counter() - start)
    return Outcome(True, line, time.perf_counter() - start)


def _carry(options: dict, own: tuple[str, str], others: list[tuple[str, str]]) -> str:
    from core.io import read_cloud, write_cloud
    from core.labels_io import write_labels
    from core.transfer import transfer_labels_knn

    full = read_cloud(options["file"])
    lo, hi = full.bounds()
    buffer = float(options["buffer"])
    xyz, labels = _labeled_sample(*own, full)
    parts, votes = [xyz], [labels]
    for sample_path, labels_path in others:
        n_xyz, n_labels = _labeled_sample(sample_path, labels_path, full)
        near = np.all((n_xyz >= lo - buffer) & (n_xyz <= hi + buffer), axis=1)
        parts.append(n_xyz[near])
        votes.append(n_labels[near])
    labels_full = transfer_labels_knn(
        np.concatenate(parts), np.concatenate(votes).astype(labels.dtype), full.xyz,
        k=options["k"], weights=options["weights"], max_distance=options["max_distance"],
    )  # fmt: skip
    write_labels(options["output"], labels_full)
    if options.get("cloud_output"):
        write_cloud(full, options["cloud_output"], labels=labels_full)
    n_unlabeled = int(np.count_nonzero(labels_full == UNLABELED))
    borrowed = sum(len(p) for p in parts[1:])
    return (
        f"{len(labels_full):,} labels written to {options['output']} (knn, "
        f"{borrowed:,} sample points borrowed from {len(others)} neighbouring tiles); "
        f"{n_unlabeled:,} unlabeled"
    )


def _labeled_sample(
    sample_path: str, labels_path: str, frame: PointCloud
) -> tuple[np.ndarray, np.ndarray]:
    """A sample's xyz in `frame`'s coordinates and its labels (one a sample point)."""
    from core.io import read_cloud
    from core.labels_import import read_sample_labels

    sample = in_frame_of(read_cloud(sample_path), frame)
    labels = read_sample_labels(labels_path, len(sample)).labels
    return sample.xyz, np.asarray(labels)


def knn_options(args, buffer: float | None) -> dict:
    """The options `buffered_knn` needs, from a parsed ``upsample`` command line."""
    import os

    from core.batch.tasks import resolve_paths
    from core.errors import InputError

    resolve_paths(args, os.getcwd())
    if args.sample is None:
        raise InputError("a batch knn carry-back needs --sample (a pattern such as {stem}.ply).")
    if args.rotate:
        raise InputError("a batch knn carry-back over tiles cannot rotate; drop --rotate.")
    if buffer is None:
        buffer = args.max_distance if args.max_distance is not None else DEFAULT_BUFFER
    return {
        "file": args.file,
        "output": args.output,
        "cloud_output": args.cloud_output,
        "k": args.k,
        "weights": args.weights,
        "max_distance": args.max_distance,
        "buffer": float(buffer),
        "sample": args.sample,
        "labels": args.labels,
    }


def knn_submitter(client, jobs: list, options: list[dict]):
    """A ``submit(job)`` for `run_jobs` running `buffered_knn` with each tile's neighbours.

    First every tile's bounds are computed on the cluster (all tiles, finished or not:
    a finished tile still lends its sample to its neighbours).
    """
    from core.batch.run import task_key

    futures = [
        client.submit(tile_bounds, o["file"], o["sample"], key=task_key(j, "-bounds"), pure=False)
        for j, o in zip(jobs, options, strict=True)
    ]
    bounds = client.gather(futures)
    by_input = {job.input: i for i, job in enumerate(jobs)}

    def submit(job):
        i = by_input[job.input]
        near = neighbours(bounds, i, options[i]["buffer"])
        others = [(options[j]["sample"], options[j]["labels"]) for j in near]
        own = (options[i]["sample"], options[i]["labels"])
        return client.submit(buffered_knn, options[i], own, others, key=task_key(job), pure=False)

    return submit
