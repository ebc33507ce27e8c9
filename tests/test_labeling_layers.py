"""Label layers with origin: carrying back again keeps the points set by hand."""

from __future__ import annotations

import numpy as np

from core.carry_back import carry_back
from core.cloud import UNLABELED
from core.downsample import downsample
from core.labeling.edit_log import EditLog
from core.labeling.layers import (
    CARRIED,
    HAND_SET,
    NONE,
    LabelLayers,
    carry_into,
    hand_set_counts,
    labeling_progress,
)
from core.scene import FURNITURE, PLANT, make_scene


def test_re_carrying_keeps_hand_set_points() -> None:
    full = make_scene(120_000, seed=6)
    down = downsample(full, "voxel-mean", voxel_size=0.05)
    assert full.labels is not None
    # First labeling of the sample: everything "furniture" (a bad first pass).
    first = np.full(len(down.sample), FURNITURE, np.uint8)
    carried, _ = carry_back("voxel", full, down.sample, first, down.index_map)
    layers = LabelLayers.empty(len(full))
    carry_into(layers, carried)
    assert (layers.origin == CARRIED).all()
    # The user fixes the plants on the full cloud by hand.
    plants = np.flatnonzero(full.labels == PLANT)
    log = EditLog(layers.labels, layers.origin)
    log.apply(plants, PLANT)
    # A better sample labeling, carried back again: hand-set plants stay.
    second = np.zeros(len(down.sample), np.uint8)
    carried, _ = carry_back("knn", full, down.sample, second, down.index_map)
    changed = carry_into(layers, carried)
    assert (layers.labels[plants] == PLANT).all()
    assert (layers.origin[plants] == HAND_SET).all()
    others = np.setdiff1d(np.arange(len(full)), plants)
    np.testing.assert_array_equal(layers.labels[others], carried[others])
    np.testing.assert_array_equal(changed, others)
    assert hand_set_counts(layers) == {PLANT: len(plants)}
    # Asked to, carrying back overwrites the hand-set points too.
    carry_into(layers, carried, overwrite_hand_set=True)
    np.testing.assert_array_equal(layers.labels, carried)
    assert hand_set_counts(layers) == {}


def test_unlabeled_carried_points_have_no_origin() -> None:
    layers = LabelLayers.empty(6)
    carry_into(layers, np.array([1, UNLABELED, 2, 2, UNLABELED, 1], np.uint8))
    assert layers.origin.tolist() == [CARRIED, NONE, CARRIED, CARRIED, NONE, CARRIED]
    progress = labeling_progress(layers)
    assert progress.per_class == {1: 2, 2: 2}
    assert progress.unlabeled_share == 2 / 6 and progress.hand_set_share == 0


def test_from_carried_marks_labeled_points() -> None:
    layers = LabelLayers.from_carried(np.array([0, UNLABELED, 7], np.uint16))
    assert layers.labels.dtype == np.uint16
    assert layers.origin.tolist() == [CARRIED, NONE, CARRIED]
