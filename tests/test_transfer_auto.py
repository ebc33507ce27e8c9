"""transfer_labels_auto: labels for every point, better than the notebook's KNN-3 at boundaries."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from core.cloud import UNLABELED, PointCloud
from core.downsample import voxel_mean
from core.errors import Cancelled, InputError
from core.io import read_cloud
from core.labels_io import read_labels
from core.metrics import evaluate
from core.transfer import transfer_labels_map
from core.transfer_auto import choose_setting, majority_labels, transfer_labels_auto
from core.transfer_auto_carry import carry
from core.transfer_auto_refine import Setting
from core.transfer_auto_size import estimate_voxel_size


@pytest.fixture(scope="module")
def test55(data_dir):
    """The Kinect tabletop at 1 cm, labeled by a perfect labeler (majority of each voxel)."""
    cloud = read_cloud(data_dir / "test55.xyz")
    truth = read_labels(data_dir / "test55.labels", len(cloud))
    down = voxel_mean(cloud, 0.01)
    labels_sample = majority_labels(down.index_map, truth, len(down.sample))
    return cloud, truth, down, labels_sample


def box_on_floor() -> tuple[PointCloud, np.ndarray]:
    """A floor (class 1) with a box (class 2) standing on it, sampled every 1 cm.

    The box's edges do not line up with the voxel grid, so voxels straddle the two classes.
    """
    step = 0.01
    g = np.arange(0.0, 1.0, step)
    fx, fy = np.meshgrid(g, g)
    floor = np.column_stack([fx.ravel(), fy.ravel(), np.zeros(fx.size)])
    lo, hi, top = 0.333, 0.667, 0.237
    floor = floor[~((floor[:, :2] > lo) & (floor[:, :2] < hi)).all(axis=1)]
    side = np.arange(lo, hi, step)
    up = np.arange(step, top, step)
    s, z = (a.ravel() for a in np.meshgrid(side, up))
    walls = [
        np.column_stack([s, np.full_like(s, lo), z]),
        np.column_stack([s, np.full_like(s, hi), z]),
        np.column_stack([np.full_like(s, lo), s, z]),
        np.column_stack([np.full_like(s, hi), s, z]),
    ]
    tx, ty = (a.ravel() for a in np.meshgrid(side, side))
    lid = np.column_stack([tx, ty, np.full_like(tx, top)])
    box = np.vstack([*walls, lid])
    xyz = np.vstack([floor, box]) + np.random.default_rng(1).normal(
        0, 0.001, (len(floor) + len(box), 3)
    )
    labels = np.concatenate([np.full(len(floor), 1), np.full(len(box), 2)]).astype(np.uint8)
    return PointCloud(xyz=xyz), labels


def test_beats_the_notebook_on_the_real_tabletop(test55):
    cloud, truth, down, labels_sample = test55
    notebook = KNeighborsClassifier(n_neighbors=3).fit(down.sample.xyz, labels_sample)
    notebook_scores = evaluate(notebook.predict(cloud.xyz), truth)
    map_scores = evaluate(transfer_labels_map(labels_sample, down.index_map), truth)
    labels, report = transfer_labels_auto(cloud, down.sample, labels_sample, down.index_map)
    auto = evaluate(labels, truth)
    assert 1 - auto.accuracy < 1 - notebook_scores.accuracy
    assert auto.miou >= map_scores.miou
    assert auto.miou >= notebook_scores.miou
    assert report["voxel_size"] == 0.01
    assert report["voxel_size_source"] == "index map, exact grid"
    json.dumps(report)


def test_labels_every_point_with_the_sample_dtype(test55):
    cloud, _, down, labels_sample = test55
    labels, report = transfer_labels_auto(
        cloud, down.sample, labels_sample.astype(np.uint16), down.index_map, voxel_size=0.01
    )
    assert labels.shape == (len(cloud),)
    assert labels.dtype == np.uint16
    assert not (labels == UNLABELED).any()
    assert set(np.unique(labels)) <= set(np.unique(labels_sample))
    assert report["chosen"] in report["self_test_error"]
    assert report["voxel_size_source"] == "given"


def test_unlabeled_sample_points_do_not_vote_and_their_points_still_get_labels(test55):
    cloud, truth, down, labels_sample = test55
    holes = labels_sample.copy()
    holes[::7] = UNLABELED
    labels, _ = transfer_labels_auto(cloud, down.sample, holes, down.index_map)
    assert not (labels == UNLABELED).any()
    # A voxel with a hole is filled from its neighbours: still mostly right.
    in_holes = holes[down.index_map] == UNLABELED
    assert evaluate(labels, truth, mask=in_holes).accuracy > 0.95


def test_map_setting_still_fills_points_of_unlabeled_sample_points(test55):
    cloud, _, down, labels_sample = test55
    holes = labels_sample.copy()
    holes[::7] = UNLABELED
    map_only = Setting("map")
    got, _ = carry(
        cloud.xyz,
        down.index_map,
        down.sample.xyz,
        holes,
        0.01,
        [map_only],
        np.random.default_rng(0),
    )
    assert not (got[map_only] == UNLABELED).any()
    labeled = holes[down.index_map] != UNLABELED
    np.testing.assert_array_equal(got[map_only][labeled], holes[down.index_map][labeled])


def test_no_labels_at_all_gives_unlabeled_points(test55):
    cloud, _, down, labels_sample = test55
    nothing = np.full_like(labels_sample, UNLABELED)
    labels, _ = transfer_labels_auto(cloud, down.sample, nothing, down.index_map)
    assert (labels == UNLABELED).all()


def test_cancel_stops_with_cancelled(test55):
    cloud, _, down, labels_sample = test55
    with pytest.raises(Cancelled):
        transfer_labels_auto(cloud, down.sample, labels_sample, down.index_map, cancel=lambda: True)


def test_cancel_is_honoured_midway(test55):
    cloud, _, down, labels_sample = test55
    calls = []

    def cancel_later() -> bool:
        calls.append(1)
        return len(calls) > 6

    with pytest.raises(Cancelled):
        transfer_labels_auto(cloud, down.sample, labels_sample, down.index_map, cancel=cancel_later)


def test_progress_reaches_the_end(test55):
    cloud, _, down, labels_sample = test55
    seen: list[float] = []
    transfer_labels_auto(
        cloud, down.sample, labels_sample, down.index_map, progress=lambda f, m: seen.append(f)
    )
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_wrong_lengths_are_explained(test55):
    cloud, _, down, labels_sample = test55
    with pytest.raises(InputError, match="labels"):
        transfer_labels_auto(cloud, down.sample, labels_sample[:-1], down.index_map)
    with pytest.raises(InputError, match="index map"):
        transfer_labels_auto(cloud, down.sample, labels_sample, down.index_map[:-1])


def test_box_on_a_floor_is_labeled_right_near_its_edges():
    cloud, truth = box_on_floor()
    down = voxel_mean(cloud, 0.05)
    labels_sample = majority_labels(down.index_map, truth, len(down.sample))
    labels, report = transfer_labels_auto(cloud, down.sample, labels_sample, down.index_map)
    by_map = transfer_labels_map(labels_sample, down.index_map)
    near_box = np.abs(np.linalg.norm(cloud.xyz[:, :2] - 0.5, ord=np.inf, axis=1) - 0.167) < 0.05
    auto_right = (labels == truth)[near_box].mean()
    map_right = (by_map == truth)[near_box].mean()
    assert auto_right > 0.95
    assert auto_right > map_right
    assert report["n_in_mixed_voxels"] < len(cloud)


def test_a_smoothing_setting_must_clearly_beat_the_simple_ways():
    simple, smooth = Setting("map"), Setting("surface-1.0", 1.0, True, True)
    assert choose_setting({simple: 0.0100, smooth: 0.0098}) == simple
    assert choose_setting({simple: 0.0100, smooth: 0.0080}) == smooth
    assert choose_setting({}) == Setting("knn5")


@pytest.mark.parametrize("voxel_size", [0.05, 0.07, 0.125])
def test_voxel_size_is_told_from_the_index_map(voxel_size):
    cloud, _ = box_on_floor()
    down = voxel_mean(cloud, voxel_size)
    size, exact = estimate_voxel_size(
        cloud.xyz, down.index_map, len(down.sample), np.random.default_rng(0)
    )
    assert exact
    assert size == voxel_size


def test_a_sample_recentred_differently_is_brought_into_the_full_frame():
    from dataclasses import replace

    cloud, truth = box_on_floor()
    down = voxel_mean(cloud, 0.05)
    labels_sample = majority_labels(down.index_map, truth, len(down.sample))
    same, _ = transfer_labels_auto(cloud, down.sample, labels_sample, down.index_map)
    # The same sample as a reader would give it with another offset (e.g. read from a file).
    shift = np.array([100.0, -40.0, 3.0])
    moved = replace(down.sample, xyz=down.sample.xyz - shift, offset=down.sample.offset + shift)
    labels, _ = transfer_labels_auto(cloud, moved, labels_sample, down.index_map)
    # Rounding of the shifted coordinates may flip an exact tie, nothing more.
    assert np.mean(labels == same) > 0.999
    near_box = np.abs(np.linalg.norm(cloud.xyz[:, :2] - 0.5, ord=np.inf, axis=1) - 0.167) < 0.05
    assert (labels == truth)[near_box].mean() > 0.95
