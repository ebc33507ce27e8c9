"""Voxel slider steps redraw only the preview's side of the window, and the picture is the
one a full redraw gives (gui/preview_frames.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gui.preview_frames import PREVIEW_POINTS, UnchangedRendererSkip
from tests.gui.conftest import wait_for_preview


@pytest.fixture
def previewing(qtbot, main_window):
    """The window on a 400k-point room, prepared for the fast preview, side by side."""
    from core.scene import SCENE_CLASSES, make_scene

    session, panel = main_window.session, main_window.panels["Downsample"]
    session.set_cloud(make_scene(400_000, seed=3), None)
    session.set_classes(SCENE_CLASSES)
    qtbot.waitUntil(lambda: panel.preview.prepared is not None, timeout=60_000)
    wait_for_preview(qtbot, main_window)
    session.set_display(replace(session.state.display, show="side-by-side"))
    return main_window


def step_slider(qtbot, window, cm: float) -> None:
    from gui.panels.downsample_panel import cm_to_slider

    panel = window.panels["Downsample"]
    panel.voxel_slider.setValue(cm_to_slider(cm, *panel.range_cm))
    qtbot.waitUntil(lambda: panel.preview.latest is not None, timeout=30_000)
    assert abs(panel.preview.latest.settings.voxel_size * 100 - cm) < 0.2
    window.viewport._settle.stop()  # on a busy machine 250 ms pass before the checks


def full_redraw(viewport) -> np.ndarray:
    """The window's picture with every renderer drawn."""
    skip = UnchangedRendererSkip.of(viewport.plotter)
    armed, skip.armed = skip.armed, False
    try:
        return viewport.image()
    finally:
        skip.armed = armed


def settle(qtbot, viewport) -> None:
    """The view settles: every point drawn (as 250 ms after the last step)."""
    viewport._settle.start()
    qtbot.waitUntil(lambda: not viewport._settle.isActive(), timeout=5_000)


def test_slider_steps_leave_the_unchanged_full_view_out(qtbot, previewing) -> None:
    from gui.layer import INTERACTIVE_POINTS

    viewport = previewing.viewport
    skip = UnchangedRendererSkip.of(viewport.plotter)
    viewport.set_preview(None)  # the full cloud alone, as before the first step
    settle(qtbot, viewport)
    viewport.image()
    full_verts = viewport.full_layer.mesh.n_verts
    # The first step turns the view side by side: the full cloud is drawn again, coarse.
    step_slider(qtbot, previewing, 1.0)
    np.testing.assert_array_equal(viewport.image(), full_redraw(viewport))
    assert viewport.full_layer.mesh.n_verts <= INTERACTIVE_POINTS + 1 < full_verts
    settle(qtbot, viewport)
    assert viewport.full_layer.mesh.n_verts == full_verts  # every drawn point again
    for cm in (3.0, 2.0):
        step_slider(qtbot, previewing, cm)
        before = skip.frames_left_out
        shown = viewport.image()  # the coarse frame of this step
        assert skip.frames_left_out > before
        # Only the preview is coarse; the full cloud keeps every drawn point.
        assert viewport.sample_layer.mesh.n_verts <= PREVIEW_POINTS + 1
        assert viewport.full_layer.mesh.n_verts == full_verts
        np.testing.assert_array_equal(shown, full_redraw(viewport))
    settle(qtbot, viewport)
    settled = viewport.image()  # every preview point, the full view still left out
    n_sample = len(previewing.panels["Downsample"].preview.latest.sample)
    assert viewport.sample_layer.mesh.n_verts == n_sample > PREVIEW_POINTS
    np.testing.assert_array_equal(settled, full_redraw(viewport))


def test_a_change_to_the_full_view_is_drawn_while_previewing(qtbot, previewing) -> None:
    viewport, session = previewing.viewport, previewing.session
    step_slider(qtbot, previewing, 2.0)
    before = viewport.image()
    session.set_display(replace(session.state.display, color_by="height"))
    recoloured = viewport.image()
    assert not np.array_equal(before, recoloured)
    np.testing.assert_array_equal(recoloured, full_redraw(viewport))
    viewport.camera_preset("top")  # the shared camera moves: both sides drawn again
    turned = viewport.image()
    assert not np.array_equal(recoloured, turned)
    np.testing.assert_array_equal(turned, full_redraw(viewport))


def test_the_first_step_draws_the_full_cloud_coarse_until_the_preview_settles(
    qtbot, previewing
) -> None:
    from gui.panels.downsample_panel import cm_to_slider

    viewport, session = previewing.viewport, previewing.session
    panel = previewing.panels["Downsample"]
    viewport.set_preview(None)
    session.set_display(replace(session.state.display, show="full"))
    settle(qtbot, viewport)
    viewport.image()
    full_verts = viewport.full_layer.mesh.n_verts
    panel.voxel_slider.setValue(cm_to_slider(4.0, *panel.range_cm))  # turns side by side
    assert session.state.display.show == "side-by-side"
    viewport.image()  # the frame before the preview arrives
    assert viewport.full_layer.mesh.n_verts < full_verts
    wait_for_preview(qtbot, previewing)
    settle(qtbot, viewport)
    assert viewport.full_layer.mesh.n_verts == full_verts
    np.testing.assert_array_equal(viewport.image(), full_redraw(viewport))


def test_use_before_the_map_is_made_makes_it_on_a_worker(qtbot, previewing) -> None:
    """ "Use this sample" clicked before the background map: the map is made on a worker
    and the sample's map is the one core's downsample gives."""
    from PySide6.QtCore import Qt

    from core.downsample import downsample

    panel, session = previewing.panels["Downsample"], previewing.session
    panel.preview._map_timer.setInterval(60_000)  # the background pass never comes first
    step_slider(qtbot, previewing, 3.0)
    qtbot.waitUntil(panel.use_button.isEnabled, timeout=30_000)
    result = panel.preview.latest
    assert callable(result.map_or_maker)
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert session.state.sample is not result.sample  # not made on the click's thread
    assert not panel.use_button.isEnabled()
    qtbot.waitUntil(lambda: session.state.sample is result.sample, timeout=60_000)
    settings = result.settings
    expected = downsample(session.state.cloud, settings.method, voxel_size=settings.voxel_size)
    np.testing.assert_array_equal(session.state.index_map, expected.index_map)
    assert panel.use_button.isEnabled()
