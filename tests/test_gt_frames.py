"""Splitting a big sample into Ground Truth frames and stitching their labels back."""

from __future__ import annotations

import numpy as np
import pytest

from core.cloud import UNLABELED
from core.errors import InputError
from core.groundtruth.frames import split_frames, stitch_labels
from core.scene import make_scene


@pytest.fixture(scope="module")
def sample():
    return make_scene(6_000, seed=5)


def test_frames_respect_the_limit_and_cover_every_point(sample):
    frames = split_frames(sample.xyz, max_points=1_000, overlap=0.1)
    assert len(frames) >= 6
    assert all(len(f.rows) <= 1_000 for f in frames)
    covered = np.zeros(len(sample), bool)
    for frame in frames:
        covered[frame.rows] = True
    assert covered.all()
    # With an overlap some points are shown twice, near the tile edges only.
    assert sum(len(f.rows) for f in frames) > len(sample)


def test_a_sample_that_fits_is_one_frame(sample):
    frames = split_frames(sample.xyz, max_points=len(sample))
    assert len(frames) == 1 and np.array_equal(frames[0].rows, np.arange(len(sample)))


def test_stitching_gives_back_the_labels_in_sample_order(sample):
    frames = split_frames(sample.xyz, max_points=800, overlap=0.05)
    stitched = stitch_labels(frames, [sample.labels[f.rows] for f in frames], sample.xyz)
    assert np.array_equal(stitched, sample.labels)


def test_overlap_goes_to_the_nearest_tile_centre(sample):
    frames = split_frames(sample.xyz, max_points=1_500, overlap=0.3)
    labels = [np.full(len(f.rows), i, np.uint8) for i, f in enumerate(frames)]
    stitched = stitch_labels(frames, labels, sample.xyz)
    distance = np.full((len(sample), len(frames)), np.inf)
    for i, frame in enumerate(frames):
        distance[frame.rows, i] = np.linalg.norm(sample.xyz[frame.rows] - frame.centre, axis=1)
    assert np.array_equal(stitched, np.argmin(distance, axis=1).astype(np.uint8))


def test_missing_frame_labels_are_refused_and_unlabeled_kept(sample):
    frames = split_frames(sample.xyz, max_points=2_000)
    with pytest.raises(InputError, match="labels for 1 frames"):
        stitch_labels(frames, [np.zeros(len(frames[0].rows), np.uint8)], sample.xyz)
    labels = [np.full(len(f.rows), UNLABELED, np.uint8) for f in frames]
    assert np.all(stitch_labels(frames, labels, sample.xyz) == UNLABELED)
    short = [np.zeros(3, np.uint8)] * len(frames)
    with pytest.raises(InputError, match="frame 1 has 3 labels"):
        stitch_labels(frames, short, sample.xyz)


def test_a_sample_needing_three_frames_makes_three(sample):
    # The room is 6 m x 5 m: three slabs across its length, not four quarters.
    frames = split_frames(sample.xyz, max_points=2_300, overlap=0.05)
    assert len(frames) == 3
    assert all(len(f.rows) <= 2_300 for f in frames)
    xs = sorted(float(f.centre[0]) for f in frames)
    assert xs[0] < 2.0 < xs[1] < 4.0 < xs[2]


def test_identical_points_are_split_by_rank():
    xyz = np.zeros((900, 3))
    xyz[:, 0] = np.repeat([0.0, 1.0], 450)
    frames = split_frames(xyz, max_points=300)
    assert len(frames) == 3 and sorted(len(f.rows) for f in frames) == [300, 300, 300]
    assert np.array_equal(np.sort(np.concatenate([f.rows for f in frames])), np.arange(900))


def test_an_overlap_wider_than_a_tile_is_refused_and_the_split_can_be_cancelled(sample):
    from core.errors import Cancelled

    with pytest.raises(InputError, match="lower the overlap or raise the frame limit"):
        split_frames(sample.xyz, max_points=500, overlap=1.0)
    with pytest.raises(Cancelled):
        split_frames(sample.xyz, max_points=1_000, cancel=lambda: True)
