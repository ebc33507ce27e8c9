"""The in-view class legend is legible: each colour square is as tall as its row's text, in
a window the size of a 1366x768 and of a 1920x1080 screen, side by side too, and the box
covers little of the cloud. Checked on the rendered image, not only on the layout."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.scene import SCENE_CLASSES, make_scene
from tests.gui.conftest import wait_for_preview


@pytest.fixture(scope="module")
def room():
    return make_scene(30_000, seed=3)


@pytest.fixture(autouse=True)
def previews_done(qtbot, main_window):
    """The downsample panel's live preview of a cloud loaded here ends in this test: one
    delivered to the closed window after it raised in the next test (gui/preview_frames)."""
    yield
    wait_for_preview(qtbot, main_window)


def _pixels_of(image: np.ndarray, box, colour, height: int) -> int:
    """Pixels of exactly `colour` inside `box` (left, bottom, right, top; y up)."""
    left, bottom, right, top = box
    region = image[height - top : height - bottom, left:right]
    return int(np.all(region == np.asarray(colour, np.uint8), axis=2).sum())


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize("show", ["full", "side-by-side"])
def test_swatches_are_as_tall_as_the_text(qtbot, main_window, room, size, show):
    from core.downsample import downsample
    from gui.session import DownsampleSettings

    window = main_window
    window.resize(*size)
    session = window.session
    session.set_cloud(replace(room), None)
    session.set_classes(SCENE_CLASSES)
    down = downsample(room, "voxel-nearest", voxel_size=0.1)
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.1))
    session.set_sample_labels(down.sample.labels)  # side by side: the legend goes right
    session.set_display(replace(session.state.display, color_by="labels", show=show))
    legend = window.viewport.decor.legend
    qtbot.waitUntil(lambda: legend.names == [c.name for c in SCENE_CLASSES], timeout=10_000)
    image = window.viewport.image()  # renders: the box is laid out for this size
    column = 1 if show == "side-by-side" else 0
    renderer = window.viewport.plotter.renderers[column]
    width, height = renderer.GetSize()
    heights = legend.text_heights()
    assert len(heights) == len(SCENE_CLASSES)
    assert legend.font_px >= 12 and min(heights) >= 10  # readable, not shrunk to fit
    assert legend.swatch_px >= max(heights)
    # The squares are on screen at that size, each in its class colour, rim excluded.
    left, bottom, right, top = legend.box_px
    x0, y0 = renderer.GetOrigin()
    box = (x0 + left, y0 + bottom, x0 + right, y0 + top)
    full_height = image.shape[0]
    for c in SCENE_CLASSES:
        assert _pixels_of(image, box, c.color, full_height) >= 0.9 * legend.swatch_px**2, c.name
    # In the top-right corner, covering little of the view.
    assert right > 0.95 * width and top > 0.95 * height
    assert (right - left) * (top - bottom) < 0.06 * width * height
