"""The k/weights sweep on the labeled part: every setting scored, the best one offered."""

from __future__ import annotations

import numpy as np
import pytest

from core.cloud import UNLABELED
from core.errors import Cancelled, InputError
from core.sweep import SWEEP_K, SWEEP_WEIGHTS, best_row, labeled_part, sweep_transfer


@pytest.fixture(scope="module")
def scene():
    from core.downsample import downsample
    from core.scene import make_scene

    cloud = make_scene(60_000, seed=3)
    down = downsample(cloud, "voxel-nearest", voxel_size=0.15)
    return cloud, down


def test_sweep_scores_every_setting(scene):
    cloud, down = scene
    result = sweep_transfer(
        down.sample.xyz, down.sample.labels, cloud.xyz, cloud.labels, index_map=down.index_map
    )
    assert len(result.rows) == len(SWEEP_K) * len(SWEEP_WEIGHTS) + 1
    assert result.rows[-1].method == "voxel"
    assert result.best.miou == max(r.miou for r in result.rows)
    assert all(0.5 < r.accuracy <= 1.0 for r in result.rows)
    assert result.n_points == int(np.sum(cloud.labels != UNLABELED))
    # The sweep's KNN row equals a direct carry-back scored by core.metrics.
    from core.metrics import evaluate
    from core.transfer import transfer_labels_knn

    direct = transfer_labels_knn(
        down.sample.xyz, down.sample.labels, cloud.xyz, k=5, weights="distance"
    )
    row = next(r for r in result.rows if r.k == 5 and r.weights == "distance")
    assert row.accuracy == pytest.approx(evaluate(direct, cloud.labels).accuracy)


def test_sweep_on_a_tile_and_capped(scene):
    cloud, down = scene
    lo, hi = cloud.bounds()
    tile = cloud.xyz[:, 0] < (lo[0] + hi[0]) / 2
    result = sweep_transfer(
        down.sample.xyz,
        down.sample.labels,
        cloud.xyz,
        cloud.labels,
        ks=(1, 3),
        weights=("uniform",),
        mask=tile,
        max_points=5_000,
    )
    assert [r.setting for r in result.rows] == ["knn k=1 uniform", "knn k=3 uniform"]
    assert result.n_points == 5_000


def test_labeled_part_skips_unknown_and_is_seeded():
    truth = np.array([0, UNLABELED, 1, 1, UNLABELED, 2], dtype=np.uint8)
    np.testing.assert_array_equal(labeled_part(truth), [0, 2, 3, 5])
    np.testing.assert_array_equal(
        labeled_part(truth, max_points=2), labeled_part(truth, max_points=2)
    )
    assert len(labeled_part(truth, max_points=2)) == 2


def test_no_known_labels_is_an_input_error(scene):
    cloud, down = scene
    truth = np.full(len(cloud), UNLABELED, dtype=np.uint8)
    with pytest.raises(InputError, match="known label"):
        sweep_transfer(down.sample.xyz, down.sample.labels, cloud.xyz, truth)


def test_sweep_cancels(scene):
    cloud, down = scene
    with pytest.raises(Cancelled):
        sweep_transfer(
            down.sample.xyz, down.sample.labels, cloud.xyz, cloud.labels, cancel=lambda: True
        )


def test_best_row_prefers_miou_then_accuracy_then_fewer_neighbours():
    from core.sweep import SweepRow

    rows = [
        SweepRow("knn", 8, "distance", 0.9, 0.8, 1),
        SweepRow("knn", 3, "distance", 0.9, 0.8, 1),
        SweepRow("knn", 1, "uniform", 0.95, 0.7, 1),
    ]
    assert best_row(rows).k == 3
