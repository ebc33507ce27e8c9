"""How mixed each sample point's members are, and the review queue."""

from __future__ import annotations

import numpy as np

from core.cloud import UNLABELED
from core.downsample import downsample
from core.labeling.uncertainty import member_mixing, points_near, review_queue
from core.scene import make_scene
from core.transfer import transfer_labels_knn


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
    assert len(np.unique(full.labels[near])) >= 2, "a review place should hold a boundary"


def test_nothing_unsure_gives_an_empty_queue() -> None:
    queue = review_queue(np.zeros((3, 3)), np.zeros(3))
    assert len(queue) == 0
