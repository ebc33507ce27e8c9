"""The notebook's numerics against ours, in one process, on synthetic rooms.

Steps: voxel mean (``scipy.stats.binned_statistic_dd``, as the AWS notebook does it),
carrying labels back by KNN (``KNeighborsClassifier(n_neighbors=3)``) and by the index
map. Run serialized with the other benchmarks::

    flock /tmp/team/bench.lock .venv/bin/python -m bench.bench_core --sizes 1e6 5e6 20e6
"""

from __future__ import annotations

import os
import time

import numpy as np
from scipy.stats import binned_statistic_dd
from sklearn.neighbors import KNeighborsClassifier

from bench.common import Measured, main_with_sizes, markdown_table, mb, measure
from core.cloud import PointCloud
from core.downsample import voxel_mean
from core.metrics import evaluate
from core.scene import make_scene
from core.transfer import transfer_labels_knn, transfer_labels_map

DEFAULT_SIZES = (1_000_000, 5_000_000, 20_000_000)
VOXEL_SIZES = (0.013, 0.05)
#: The notebook's way is skipped when its bins alone would need more than this.
MEMORY_BUDGET = 16 * 2**30
HEADER = [
    "step",
    "points",
    "notebook",
    "notebook peak",
    "ours",
    "ours peak",
    "speed-up",
    "memory ratio",
    "note",
]


def notebook_voxel_mean(cloud: PointCloud, voxel_size: float) -> np.ndarray:
    """The notebook's voxel mean: a dense grid of bins over the bounding box."""
    xyz = cloud.xyz
    assert cloud.rgb is not None
    edges = [np.arange(xyz[:, a].min(), xyz[:, a].max() + voxel_size, voxel_size) for a in range(3)]
    columns = [xyz[:, 0], xyz[:, 1], xyz[:, 2], *cloud.rgb.T.astype(np.float64)]
    stats = binned_statistic_dd(xyz, columns, statistic="mean", bins=edges).statistic
    flat = stats.reshape(6, -1)
    return flat[:, ~np.isnan(flat[0])].T


def notebook_bytes(cloud: PointCloud, voxel_size: float) -> float:
    """What binned_statistic_dd allocates: 6 statistic columns and 3 bin-sized scratch arrays."""
    lo, hi = cloud.bounds()
    bins = np.prod(np.floor((hi - lo) / voxel_size) + 3)
    return float(bins) * 8 * (6 + 3)


def perfect_labels(labels_full: np.ndarray, index_map: np.ndarray, m: int) -> np.ndarray:
    """A perfect labeler: each sample point gets the majority label of its voxel's points."""
    classes = int(labels_full.max()) + 1
    votes = np.bincount(index_map.astype(np.int64) * classes + labels_full, minlength=m * classes)
    return votes.reshape(m, classes).argmax(axis=1).astype(np.uint8)


def row(step: str, n: int, theirs: Measured | None, ours: Measured, note: str) -> list[str]:
    if theirs is None:
        return [
            step,
            f"{n:,}",
            "-",
            "-",
            f"{ours.seconds:.3f} s",
            mb(ours.peak_bytes),
            "-",
            "-",
            note,
        ]
    speed = theirs.seconds / max(ours.seconds, 1e-9)
    # Below 1 MB the sampled resident size is noise: count it as 1 MB.
    memory = max(theirs.peak_bytes, 2**20) / max(ours.peak_bytes, 2**20)
    return [
        step,
        f"{n:,}",
        f"{theirs.seconds:.2f} s",
        mb(theirs.peak_bytes),
        f"{ours.seconds:.3f} s",
        mb(ours.peak_bytes),
        f"{speed:.1f}x",
        f"{memory:.1f}x",
        note,
    ]


def bench_voxel(cloud: PointCloud, voxel_size: float) -> list[str]:
    n = len(cloud)
    ours = measure(lambda: voxel_mean(cloud, voxel_size), repeat=3)
    need = notebook_bytes(cloud, voxel_size)
    step = f"voxel mean {voxel_size * 100:g} cm"
    if need > MEMORY_BUDGET:
        return row(step, n, None, ours, f"notebook skipped: would need {need / 2**30:.0f} GB")
    theirs = measure(lambda: notebook_voxel_mean(cloud, voxel_size))
    same = len(theirs.result) == len(ours.result.sample)
    note = f"{len(ours.result.sample):,} voxels" + (
        "" if same else f" (notebook {len(theirs.result):,})"
    )
    return row(step, n, theirs, ours, note)


def bench_transfer(cloud: PointCloud, voxel_size: float) -> list[list[str]]:
    """KNN (k=3) from the voxel-mean sample, and the index map, scored on the known labels."""
    assert cloud.labels is not None
    n = len(cloud)
    down = voxel_mean(cloud, voxel_size)
    sample = down.sample
    labels_sample = perfect_labels(cloud.labels, down.index_map, len(sample))
    ours = measure(lambda: transfer_labels_knn(sample.xyz, labels_sample, cloud.xyz, k=3), repeat=3)
    model = KNeighborsClassifier(n_neighbors=3)
    theirs = measure(lambda: model.fit(sample.xyz, labels_sample).predict(cloud.xyz))
    acc_ours = evaluate(ours.result, cloud.labels).accuracy
    acc_theirs = evaluate(theirs.result, cloud.labels).accuracy
    differ = int(np.count_nonzero(ours.result != theirs.result))
    step = f"KNN k=3 from {voxel_size * 100:g} cm"
    note = (
        f"accuracy {acc_theirs:.4f} notebook, {acc_ours:.4f} ours; "
        f"{differ:,} points differ; sample {len(sample):,}"
    )
    rows = [row(step, n, theirs, ours, note)]
    mapped = measure(lambda: transfer_labels_map(labels_sample, down.index_map), repeat=3)
    acc_map = evaluate(mapped.result, cloud.labels).accuracy
    rows.append(
        row(
            f"index map from {voxel_size * 100:g} cm",
            n,
            theirs,
            mapped,
            f"accuracy {acc_map:.4f}; speed-up vs the notebook's KNN",
        )
    )
    return rows


def warm_up() -> None:
    """Load the compiled numba code once, so no step pays for it."""
    small = make_scene(20_000, seed=1)
    assert small.labels is not None
    down = voxel_mean(small, 0.05)
    labels = perfect_labels(small.labels, down.index_map, len(down.sample))
    transfer_labels_knn(down.sample.xyz, labels, small.xyz)


def run(sizes: tuple[int, ...] | list[int] = DEFAULT_SIZES) -> str:
    """Run every step at every size; return a markdown table."""
    rows: list[list[str]] = []
    warm_up()
    started = time.perf_counter()
    for n in sizes:
        cloud = make_scene(int(n), seed=0)
        for voxel_size in VOXEL_SIZES:
            rows.append(bench_voxel(cloud, voxel_size))
            print(" | ".join(rows[-1]), flush=True)
        for voxel_size in VOXEL_SIZES:
            rows += bench_transfer(cloud, voxel_size)
            print(" | ".join(rows[-2]), "\n" + " | ".join(rows[-1]), flush=True)
        del cloud
    title = (
        f"Core numerics, synthetic room (core.scene), {os.cpu_count()} cores, "
        f"total {time.perf_counter() - started:.0f} s"
    )
    return f"### {title}\n\n" + markdown_table(HEADER, rows)


def main(argv: list[str] | None = None) -> int:
    return main_with_sizes(run, __doc__, DEFAULT_SIZES, argv)


if __name__ == "__main__":
    raise SystemExit(main())
