"""How mixed each sample point's members are, and the review queue."""

from __future__ import annotations

import numpy as np

from core.cloud import UNLABELED
from core.downsample import downsample
from core.labeling.uncertainty import (
    auto_disagreement,
    member_mixing,
    points_near,
    review_queue,
    vote_disagreement,
)
from core.scene import make_scene
from core.transfer import transfer_labels_knn
from core.transfer_auto_refine import mixed_samples


def test_mixing_by_hand() -> None:
    index_map = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2], np.int32)
    labels = np.array([1, 1, 1, 4, 5, 5, 1, 4, UNLABELED], np.uint8)
    mixing = member_mixing(index_map, labels, 4)
    np.testing.assert_allclose(mixing, [0.25, 0.0, 2 / 3, 0.0], rtol=1e-6)


def test_unsure_places_are_at_class_boundaries() -> None:
    full = make_scene(300_000, seed=9)
    down = downsample(full, "voxel-mean", voxel_size=0.1)
    votes = np.bincount(down.index_map * 256 + full.labels, minlength=len(down.sample) * 256)
    labels_sample = votes.reshape(-1, 256).argmax(axis=1).astype(np.uint8)
    carried = transfer_labels_knn(down.sample.xyz, labels_sample, full.xyz, k=3)
    mixing = member_mixing(down.index_map, carried, len(down.sample))
    # Reference: each sample point's members, one at a time.
    for m in np.random.default_rng(0).choice(len(down.sample), 200, replace=False):
        members = carried[down.index_map == m]
        share = np.bincount(members).max() / len(members) if len(members) else 1.0
        assert abs(mixing[m] - (1 - share)) < 1e-6
    queue = review_queue(down.sample.xyz, mixing, size=0.5, min_unsure=0.1)
    assert len(queue) > 3
    assert np.all(np.diff(queue.scores) <= 0), "most unsure place first"
    # The worst point of the first place is mixed, and the place's full points are nearby.
    assert mixing[queue.worst[0]] >= mixing[mixing >= 0.1].mean()
    near = points_near(full.xyz, queue.centres[0], queue.size)
    assert full.labels is not None
    assert len(np.unique(full.labels[near])) >= 2, "a review place should hold a boundary"


def test_nothing_unsure_gives_an_empty_queue() -> None:
    queue = review_queue(np.zeros((3, 3)), np.zeros(3))
    assert len(queue) == 0


def test_vote_split_by_hand() -> None:
    xyz = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0], [10, 0, 0]], np.float64)
    labels = np.array([1, 1, 2, UNLABELED, 2], np.uint8)
    # A labeled point votes with its 2 nearest other voters; the unlabeled one (3) gets
    # the vote of its 2 nearest voters: 2 (class 2) and 1 (class 1).
    split = vote_disagreement(xyz, labels, k=2, weights="uniform")
    np.testing.assert_allclose(split, [1 / 3, 1 / 3, 1 / 3, 1 / 2, 1 / 3], rtol=1e-6)
    # Distance weights: the point itself weighs as its nearest other voter.
    split = vote_disagreement(xyz, labels, k=2, weights="distance")
    np.testing.assert_allclose(split[0], 0.5 / 2.5, rtol=1e-6)
    np.testing.assert_allclose(split[4], (1 / 9) / (2 / 8 + 1 / 9), rtol=1e-6)
    assert vote_disagreement(xyz, labels, k=2, max_distance=0.5).max() == 0, "no other voter"


def _brute_split(xyz, labels, voters, m, k: int = 5) -> float:
    """The vote around sample point m, from the distances to every voter."""
    others = voters[voters != m]
    d = np.linalg.norm(xyz[others] - xyz[m], axis=1)
    near = np.argsort(d, kind="stable")[:k]
    dist, votes = list(d[near]), list(labels[others[near]])
    if labels[m] != UNLABELED:
        dist.append(d[near[0]])
        votes.append(labels[m])
    dist_a, votes_a = np.asarray(dist), np.asarray(votes)
    weight = (dist_a == 0).astype(float) if (dist_a == 0).any() else 1 / dist_a
    support = np.bincount(votes_a, weights=weight, minlength=256)
    return float(1 - support.max() / support.sum())


def test_vote_split_matches_a_brute_force_vote_on_the_scene() -> None:
    full = make_scene(200_000, seed=3)
    down = downsample(full, "voxel-nearest", voxel_size=0.1)
    assert down.sample.labels is not None
    labels = down.sample.labels.copy()
    labels[::9] = UNLABELED
    xyz = down.sample.xyz
    split = vote_disagreement(xyz, labels, k=5, weights="distance")
    voters = np.flatnonzero(labels != UNLABELED)
    for m in np.random.default_rng(1).choice(len(labels), 300, replace=False):
        assert abs(split[m] - _brute_split(xyz, labels, voters, m)) < 1e-5
    assert 0.01 < np.mean(split > 0) < 0.6, "split votes only near class boundaries"


def test_auto_doubts_only_mixed_voxels() -> None:
    full = make_scene(200_000, seed=5)
    down = downsample(full, "voxel-nearest", voxel_size=0.1)
    labels = down.sample.labels
    assert labels is not None
    auto = auto_disagreement(down.sample.xyz, labels, 0.1)
    knn = vote_disagreement(down.sample.xyz, labels)
    codes = labels.astype(np.int64)
    mixed = mixed_samples(down.sample.xyz, codes, 0.1)
    np.testing.assert_array_equal(auto[~mixed], 0)
    np.testing.assert_allclose(auto[mixed], knn[mixed])
    assert (auto > 0).any() and mixed.mean() < 0.5
