"""One way to carry a sample's labels back to the full cloud, for the CLI and the window.

`full` and `sample` must be in the same frame (rotated alike); the index map does not
care about frames, so the voxel method needs no full cloud at all.
"""

from __future__ import annotations

import numpy as np

from core.cloud import PointCloud
from core.errors import InputError
from core.progress import CancelFn, ProgressFn, report

#: voxel = through the index map (exact); knn = neighbour vote; auto = chosen from the sample.
CARRY_BACK_METHODS = ("voxel", "knn", "auto")


def carry_back(
    method: str,
    full: PointCloud | None,
    sample: PointCloud,
    labels_sample: np.ndarray,
    index_map: np.ndarray | None,
    *,
    k: int = 5,
    weights: str = "distance",
    max_distance: float | None = None,
    voxel_size: float | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[np.ndarray, dict]:
    """Labels for every full point (N,), in `labels_sample`'s dtype, and a report.

    The report is empty except for ``auto``, which says what it chose.
    """
    if method not in CARRY_BACK_METHODS:
        raise InputError(f"unknown method {method!r}; use one of {', '.join(CARRY_BACK_METHODS)}.")
    if method in ("voxel", "auto") and index_map is None:
        raise InputError(f"the {method} method needs the sample's index map; give the map file.")
    if method == "voxel":
        from core.transfer import transfer_labels_map

        report(progress, 0.0, "through the index map")
        assert index_map is not None
        return transfer_labels_map(labels_sample, index_map), {}
    if full is None:
        raise InputError(f"the {method} method needs the full cloud's points.")
    if method == "knn":
        from core.transfer import transfer_labels_knn

        labels = transfer_labels_knn(
            sample.xyz, labels_sample, full.xyz, k=k, weights=weights,
            max_distance=max_distance, progress=progress, cancel=cancel,
        )  # fmt: skip
        return labels, {}
    from core.transfer_auto import transfer_labels_auto

    assert index_map is not None
    return transfer_labels_auto(
        full, sample, labels_sample, index_map, voxel_size=voxel_size,
        progress=progress, cancel=cancel,
    )  # fmt: skip
