"""Undo/redo round trips give back the exact arrays; the log saves, loads and replays."""

from __future__ import annotations

import numpy as np

from core.cloud import UNLABELED
from core.labeling.edit_log import EditLog
from core.labeling.layers import CARRIED, HAND_SET, NONE
from core.scene import make_scene


def _strokes(n: int, count: int, rng: np.random.Generator) -> list[tuple[np.ndarray, int]]:
    """Random edits: dense runs, scattered points and far jumps (big index gaps)."""
    out = []
    for k in range(count):
        start = int(rng.integers(0, n - 5000))
        dense = np.arange(start, start + int(rng.integers(1, 5000)))
        scattered = rng.choice(n, int(rng.integers(1, 3000)), replace=False)
        label = UNLABELED if k % 7 == 3 else int(rng.integers(0, 6))
        out.append((np.concatenate([dense, scattered]), label))
    return out


def test_undo_redo_round_trips_are_exact() -> None:
    rng = np.random.default_rng(0)
    labels = make_scene(200_000, seed=4).labels.copy()
    origin = np.where(rng.random(len(labels)) < 0.5, CARRIED, NONE).astype(np.uint8)
    log = EditLog(labels, origin)
    history = [(labels.copy(), origin.copy())]
    for idx, label in _strokes(len(labels), 40, rng):
        log.apply(idx, label)
        history.append((labels.copy(), origin.copy()))
        assert (labels[idx] == label).all()
        assert (origin[idx] == (NONE if label == UNLABELED else HAND_SET)).all()
    for want_labels, want_origin in reversed(history[:-1]):
        changed = log.undo()
        assert changed is not None
        np.testing.assert_array_equal(labels, want_labels)
        np.testing.assert_array_equal(origin, want_origin)
    assert log.undo() is None
    for want_labels, want_origin in history[1:]:
        log.redo()
        np.testing.assert_array_equal(labels, want_labels)
        np.testing.assert_array_equal(origin, want_origin)
    assert log.redo() is None


def test_a_new_edit_after_undo_drops_the_redo_branch() -> None:
    labels = np.zeros(100, np.uint8)
    log = EditLog(labels)
    log.apply(np.arange(10), 1)
    log.apply(np.arange(5, 20), 2)
    log.undo()
    log.apply([50, 51], 3)
    assert len(log.steps) == 2 and not log.can_redo
    assert labels[:10].tolist() == [1] * 10 and labels[10:20].tolist() == [0] * 10


def test_only_changed_points_are_stored() -> None:
    labels = np.zeros(1000, np.uint8)
    labels[:500] = 4
    log = EditLog(labels)
    step = log.apply(np.arange(1000), 4)
    assert step is not None and step.n_points == 500
    assert log.apply(np.arange(1000), 4) is None, "repainting the same class is no step"
    # Undo gives back only the points that really changed, for the viewport to redraw.
    np.testing.assert_array_equal(log.undo(), np.arange(500, 1000))


def test_memory_follows_the_points_changed() -> None:
    n = 5_000_000
    labels = np.zeros(n, np.uint16)
    log = EditLog(labels)
    rng = np.random.default_rng(1)
    changed = 0
    for _ in range(20):
        idx = np.unique(rng.integers(0, n, 20_000))
        log.apply(idx, 3)
        changed += 20_000
        labels[:] = 0  # every step changes all its points
    assert log.nbytes < 2.5 * changed, f"{log.nbytes} bytes for {changed} changed points"


def test_saved_log_loads_undoes_and_replays() -> None:
    rng = np.random.default_rng(2)
    start = make_scene(50_000, seed=5).labels.astype(np.uint16)
    labels, origin = start.copy(), np.zeros(len(start), np.uint8)
    log = EditLog(labels, origin)
    for idx, label in _strokes(len(labels), 12, rng):
        log.apply(idx, label + 300 if label != UNLABELED else label)
    log.undo()
    log.undo()
    saved = log.to_arrays()
    assert all(isinstance(v, np.ndarray) for v in saved.values())
    # Replaying on the untouched labels gives what the session shows now.
    fresh, fresh_origin = start.copy(), np.zeros(len(start), np.uint8)
    EditLog.from_arrays(saved, fresh.copy()).replay(fresh, fresh_origin)
    np.testing.assert_array_equal(fresh, labels)
    np.testing.assert_array_equal(fresh_origin, origin)
    # A reopened session can still redo and undo.
    reopened = EditLog.from_arrays(saved, labels.copy(), origin.copy())
    assert reopened.cursor == log.cursor and len(reopened.steps) == len(log.steps)
    reopened.redo()
    log.redo()
    np.testing.assert_array_equal(reopened.labels, labels)
    while reopened.can_undo:
        reopened.undo()
    np.testing.assert_array_equal(reopened.labels, start)


def test_brush_parts_merge_into_one_step() -> None:
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7], np.uint8)
    origin = np.zeros(8, np.uint8)
    log = EditLog(labels, origin)
    log.apply([1, 2], 9)
    log.apply([2, 3, 4], 9)  # 2 already painted: only 3 and 4 change
    log.apply([6], 9)
    log.merge_last(3)
    assert len(log.steps) == 1 and log.steps[0].n_points == 5
    log.undo()
    assert labels.tolist() == [0, 1, 2, 3, 4, 5, 6, 7] and not origin.any()
    log.redo()
    assert labels.tolist() == [0, 9, 9, 9, 9, 5, 9, 7]
