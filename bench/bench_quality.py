"""Label quality of carrying labels back: the notebook's KNN-3, the index map, KNN-5, auto.

For each real scan and voxel size: voxel-mean downsample, simulate a perfect labeler (each
sample point gets the majority label of the full points in its voxel), carry the labels
back with each method, and score against the known full labels. Run it serialized:

    flock /tmp/team/bench.lock .venv/bin/python -m bench.bench_quality [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from bench.common import markdown_table
from core.cloud import PointCloud
from core.downsample import voxel_mean
from core.io import read_cloud
from core.labels_io import read_labels
from core.metrics import evaluate
from core.transfer import transfer_labels_knn, transfer_labels_map
from core.transfer_auto import majority_labels, transfer_labels_auto

DATA = Path(os.environ.get("DENSELABEL_DATA", Path(__file__).resolve().parents[2] / "shared/data"))
#: (file, voxel size in metres). The first four are the issue's cases; autzen adds rare classes.
CASES = [
    ("brighton_small.xyz", 0.25),
    ("brighton_small.xyz", 0.5),
    ("test55.xyz", 0.005),
    ("test55.xyz", 0.01),
    ("autzen_trim.las", 2.0),
]
METHODS = ("notebook", "map", "knn5", "auto")


def load(name: str) -> tuple[PointCloud, np.ndarray]:
    """The cloud and its known labels (a .labels file beside it, or the LAS classification)."""
    cloud = read_cloud(DATA / name)
    labels_path = (DATA / name).with_suffix(".labels")
    if labels_path.exists():
        return cloud, read_labels(labels_path, len(cloud))
    if cloud.labels is None:
        raise SystemExit(f"{name} has no labels to score against")
    return cloud, cloud.labels


def carry_all(cloud: PointCloud, truth: np.ndarray, voxel_size: float) -> dict[str, dict]:
    """Scores and seconds of every method for one case."""
    down = voxel_mean(cloud, voxel_size)
    sample = down.sample
    labels_sample = majority_labels(down.index_map, truth, len(sample))
    out: dict[str, dict] = {}

    def timed(name: str, fn) -> None:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        labels, extra = result if isinstance(result, tuple) else (result, {})
        scores = evaluate(labels, truth)
        out[name] = {"error": 1 - scores.accuracy, "miou": scores.miou, "s": seconds, **extra}

    timed(
        "notebook",
        lambda: (
            KNeighborsClassifier(n_neighbors=3)
            .fit(sample.xyz, labels_sample)
            .predict(cloud.xyz)
            .astype(truth.dtype)
        ),
    )
    timed("map", lambda: transfer_labels_map(labels_sample, down.index_map))
    timed(
        "knn5",
        lambda: transfer_labels_knn(sample.xyz, labels_sample, cloud.xyz, k=5, weights="distance"),
    )
    timed("auto", lambda: transfer_labels_auto(cloud, sample, labels_sample, down.index_map))
    return out


def run(quick: bool = False) -> str:
    """The quality table as markdown (quick: only test55 at 1 cm)."""
    cases = [("test55.xyz", 0.01)] if quick else CASES
    header = [
        "case",
        "voxel",
        "notebook err",
        "map err",
        "knn5-dist err",
        "auto err",
        "auto / notebook",
        "mIoU notebook",
        "mIoU map",
        "mIoU knn5",
        "mIoU auto",
        "auto s",
        "auto chose",
    ]
    rows = []
    loaded: dict[str, tuple[PointCloud, np.ndarray]] = {}
    for name, size in cases:
        if name not in loaded:
            loaded[name] = load(name)
        cloud, truth = loaded[name]
        r = carry_all(cloud, truth, size)
        ratio = r["auto"]["error"] / max(r["notebook"]["error"], 1e-12)
        rows.append(
            [Path(name).stem, f"{size:g} m"]
            + [f"{r[m]['error']:.5f}" for m in METHODS]
            + [f"{ratio:.3f}"]
            + [f"{r[m]['miou']:.4f}" for m in METHODS]
            + [f"{r['auto']['s']:.2f}", str(r["auto"].get("chosen", ""))]
        )
    return markdown_table(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only test55 at 1 cm")
    print(run(quick=parser.parse_args().quick))


if __name__ == "__main__":
    main()
