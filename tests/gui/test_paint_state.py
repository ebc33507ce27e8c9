"""The session's painting state without a window: undo stack over the edit logs, and a new
carry-back that keeps the points set by hand on the full cloud."""

from __future__ import annotations

import numpy as np

from core.cloud import UNLABELED
from core.downsample import downsample
from core.labeling.layers import CARRIED, HAND_SET
from core.scene import SCENE_CLASSES, make_scene
from gui.session import DownsampleSettings, Session


def _session(qtbot) -> Session:
    session = Session()
    cloud = make_scene(30_000, seed=12)
    session.set_cloud(cloud, "room.ply")
    down = downsample(cloud, "voxel-nearest", voxel_size=0.1)
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.1))
    session.set_classes(SCENE_CLASSES)
    return session


def test_strokes_on_both_clouds_undo_in_order(qtbot) -> None:
    session = _session(qtbot)
    labeling = session.labeling
    painted: list[tuple[str, int]] = []
    labeling.painted.connect(lambda target, rows: painted.append((target, len(rows))))
    sample_before = labeling.labels("sample").copy()
    assert labeling.paint("sample", np.arange(0, 50), 2) > 0
    full = labeling.labels("full")
    assert (full == UNLABELED).all()
    assert labeling.paint("full", np.arange(100, 400), 1) == 300
    assert labeling.hand_set_rows() == 300
    assert labeling.undo_stack.count() == 2
    labeling.undo_stack.undo()
    assert (session.state.labels_full == UNLABELED).all() and labeling.hand_set_rows() == 0
    labeling.undo_stack.undo()
    np.testing.assert_array_equal(session.state.labels_sample, sample_before)
    labeling.undo_stack.redo()
    assert (session.state.labels_sample[:50] == 2).all()
    assert [t for t, _ in painted] == ["sample", "full", "full", "sample", "sample"]


def test_carrying_back_again_keeps_hand_set_points(qtbot) -> None:
    session = _session(qtbot)
    labeling = session.labeling
    n = len(session.state.cloud)
    session.set_full_labels(np.zeros(n, np.uint8))  # a first carry-back: all floor
    fixed = np.arange(1000, 1500)
    labeling.paint("full", fixed, 3)
    session.set_full_labels(np.ones(n, np.uint8))  # carried back again: all wall
    labels = session.state.labels_full
    assert (labels[fixed] == 3).all(), "a hand-set point was overwritten"
    others = np.setdiff1d(np.arange(n), fixed)
    assert (labels[others] == 1).all()
    assert (labeling.origin_full[fixed] == HAND_SET).all()
    assert (labeling.origin_full[others] == CARRIED).all()
    # A new cloud forgets the strokes.
    session.set_cloud(make_scene(1000, seed=1), "other.ply")
    assert labeling.undo_stack.count() == 0 and labeling.origin_full is None


def test_a_reopened_session_can_undo_yesterdays_strokes(qtbot) -> None:
    session = _session(qtbot)
    labeling = session.labeling
    start_sample = labeling.labels("sample").copy()
    labeling.paint("sample", np.arange(10, 60), 1)
    labeling.paint("full", np.arange(0, 200), 2)
    labeling.paint("full", np.arange(150, 300), 3)
    saved = dict(session.state.edit_history)  # what a project save writes
    origin = session.state.label_origin.copy()
    assert all(isinstance(v, np.ndarray) for v in saved.values())
    assert {k.split(".")[0] for k in saved} == {"sample", "full"}
    # Tomorrow: the project's labels are back in a new session, then its history.
    again = _session(qtbot)
    again.set_sample_labels(session.state.labels_sample.copy())
    again.set_full_labels(session.state.labels_full.copy())
    again.labeling.restore_history(saved, origin)
    assert again.labeling.undo_stack.count() == 3
    again.labeling.undo_stack.undo()  # the last stroke: 150..299 back to 2 / unlabeled
    full = again.state.labels_full
    assert (full[150:200] == 2).all() and (full[200:300] == UNLABELED).all()
    again.labeling.undo_stack.undo()
    again.labeling.undo_stack.undo()
    np.testing.assert_array_equal(again.state.labels_sample, start_sample)
    assert (again.state.labels_full == UNLABELED).all()
    assert again.labeling.hand_set_rows() == 0
