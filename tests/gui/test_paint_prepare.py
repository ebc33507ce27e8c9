"""The view is prepared for strokes in a worker: a stroke made before the screen index is
ready waits for it (shown in the panel) and then labels exactly what core selects; moving
the camera drops the old pose's index and a new one is built once the camera stops."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.cloud import UNLABELED
from core.labeling.select import Modifiers, select_points
from core.labeling.shapes import Polygon
from gui.paint_view import target_camera
from gui.tools import prepare
from tests.gui.conftest import load_review_scene, voxel_nearest_scene, wait_for_preview
from tests.gui.test_paint_lasso import _drag, _loop

VOXEL = 0.05
PLANT = 3


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(60_000, 4, VOXEL)


@pytest.fixture
def painting(qtbot, main_window, tmp_path, monkeypatch, scene):
    """Label mode on the sample seen from the top, with every cloud indexed in the worker."""
    monkeypatch.setattr(prepare, "INLINE_POINTS", 0)
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    wait_for_preview(qtbot, main_window)
    session.set_sample_labels(np.full(len(session.state.sample), UNLABELED, np.uint8))
    session.set_display(replace(session.state.display, show="sample", point_size=3.0))
    main_window.actions_by_key["label_mode"].trigger()
    main_window.viewport.camera_preset("top")
    main_window.viewport.plotter.render()
    return session, main_window


def test_a_stroke_before_the_index_is_ready_waits_for_it(qtbot, painting):
    session, window = painting
    labeling, controller = session.labeling, window.painting
    labeling.set_options(tool="lasso", active_class=PLANT)
    # A new pose the poll has not seen yet: no index for it exists.
    window.viewport.camera_preset("front")
    window.viewport.plotter.render()
    widget = window.viewport.plotter
    path = _loop(widget)
    before = session.state.labels_sample.copy()
    camera = target_camera(window.viewport, "sample")
    expect = select_points(
        session.state.sample.xyz,
        before,
        camera,
        Polygon(np.array(path, np.float64) * widget.devicePixelRatioF()),
        PLANT,
        Modifiers(tolerance=labeling.options.tolerance, point_size=3.0),
    )
    assert len(expect) > 50
    _drag(widget, path)
    # The stroke is queued, not applied on the UI thread, and the panel says why.
    assert not controller.settled()
    np.testing.assert_array_equal(session.state.labels_sample, before)
    panel = window.panels["Label"]
    assert "Preparing" in panel.preparing.text() and not panel.preparing.isHidden()
    qtbot.waitUntil(controller.settled, timeout=20_000)
    changed = np.flatnonzero(session.state.labels_sample != before)
    np.testing.assert_array_equal(changed, expect)
    assert panel.preparing.isHidden()
    # One undo step, as if the index had been ready.
    labeling.undo_stack.undo()
    np.testing.assert_array_equal(session.state.labels_sample, before)


def test_a_camera_move_drops_the_index_and_a_stop_builds_the_next(qtbot, painting):
    session, window = painting
    prep = window.painting.prep

    def ready_for_this_pose() -> bool:
        # Label mode started before the fixture's top view: an index of that first pose may
        # be ready until the next poll sees the camera moved.
        ready = prep._ready.get("sample")
        now = target_camera(window.viewport, "sample").matrix
        return prep.settled() and ready is not None and np.array_equal(ready[1].camera.matrix, now)

    qtbot.waitUntil(ready_for_this_pose, timeout=20_000)
    first = prep._ready["sample"][1]
    window.viewport.camera_preset("side")
    window.viewport.plotter.render()
    # The next poll sees the move and drops the old pose's index ...
    qtbot.waitUntil(lambda: prep._ready.get("sample", (None, None))[1] is not first)
    # ... and the one after it (the camera stood still) builds the new pose's index.
    qtbot.waitUntil(lambda: prep.settled() and "sample" in prep._ready, timeout=20_000)
    index = prep._ready["sample"][1]
    camera = target_camera(window.viewport, "sample")
    assert index is not first and np.array_equal(index.camera.matrix, camera.matrix)
    assert len(index.order) > 0.5 * len(session.state.sample)
