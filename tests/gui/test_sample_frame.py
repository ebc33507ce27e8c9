"""Labels carried back after the user turned the cloud land in the sample's frame."""

from __future__ import annotations

import numpy as np

from core.downsample import voxel_mean
from core.metrics import evaluate
from core.rotate import rotate
from core.scene import make_scene
from gui.panels.review_transfer import _transfer
from gui.session import Rotation, SessionState, TransferSettings


def _state_turned_after_sampling() -> SessionState:
    full = make_scene(60_000, seed=3)
    turned = Rotation(z=90.0, y=0.0, x=20.0)
    rotated = full.with_xyz(rotate(full.xyz, turned.z, turned.y, turned.x))
    made = voxel_mean(rotated, 0.1)
    # A labeler for the sample: each voxel takes the label of one of its full points.
    assert full.labels is not None
    labels_sample = np.zeros(len(made.sample), dtype=full.labels.dtype)
    labels_sample[made.index_map] = full.labels
    state = SessionState(cloud=full, sample=made.sample, index_map=made.index_map)
    state.labels_sample = labels_sample
    state.sample_rotation = turned
    state.rotation = Rotation()  # the user reset the view after "Use this sample"
    return state


def test_knn_carry_back_uses_the_rotation_the_sample_was_made_at():
    state = _state_turned_after_sampling()
    settings = TransferSettings(method="knn", k=3, weights="distance")
    labels_full, _ = _transfer(settings, state, lambda *a: None, lambda: False)
    assert state.cloud is not None and state.cloud.labels is not None
    assert evaluate(labels_full, state.cloud.labels).accuracy > 0.9


def test_the_full_cloud_in_the_sample_frame_is_rotated_like_the_sample():
    from gui.panels.review_common import full_cloud_in_view

    state = _state_turned_after_sampling()
    assert state.cloud is not None
    in_sample_frame = full_cloud_in_view(state, "sample")
    in_view = full_cloud_in_view(state, "view")
    assert in_sample_frame is not None and in_view is not None
    expected = rotate(state.cloud.xyz, 90.0, 0.0, 20.0)
    assert abs(in_sample_frame.xyz - expected).max() < 1e-9
    assert abs(in_view.xyz - state.cloud.xyz).max() == 0.0
