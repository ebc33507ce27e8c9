"""Issue 9.8: framing and text: side by side fits, captions and the colour bar are whole,
the errors view, auto's status in words, Colour by on a scan without colour, the empty view."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor

from tests.gui.test_newcomer_stale import open_with_ctrl_o, press_shortcut


def text_width(actor, renderer) -> float:
    box = [0.0] * 4
    actor.GetBoundingBox(renderer, box)
    return box[1] - box[0]


def test_empty_view_says_what_to_do(qtbot, main_window, data_dir, monkeypatch):
    assert main_window.viewport.decor.hint_shown()
    image = main_window.viewport.image()
    h, w = image.shape[:2]
    middle = image[h // 2 - 30 : h // 2 + 30, w // 4 : 3 * w // 4]
    assert (middle.max(axis=2) > 150).mean() > 0.01  # light text on the dark view
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "test55.xyz")
    assert not main_window.viewport.decor.hint_shown()


def test_side_by_side_fits_both_clouds_and_their_captions(
    qtbot, main_window, data_dir, monkeypatch
):
    window = main_window
    open_with_ctrl_o(qtbot, window, monkeypatch, data_dir / "test55.xyz")
    panel = window.panels["Downsample"]
    qtbot.mouseClick(panel.voxel_slider, Qt.MouseButton.LeftButton)
    qtbot.keyClick(panel.voxel_slider, Qt.Key.Key_PageUp)
    from tests.gui.conftest import wait_for_preview

    wait_for_preview(qtbot, window)
    press_shortcut(qtbot, window, Qt.Key.Key_3)
    assert window.viewport.decor.mode == "side-by-side"
    image = window.viewport.image().astype(int)
    background = image[2, image.shape[1] // 2]
    cloud = np.abs(image - background).sum(axis=2) > 40
    half = image.shape[1] // 2
    for left in (0, half):
        part = cloud[:-60, left + 4 : left + half - 4]  # above the captions
        columns = np.flatnonzero(part.any(axis=0))
        rows = np.flatnonzero(part.any(axis=1))
        assert len(columns), "a half shows no cloud"
        # Not clipped: a margin of background on every side of each cloud.
        assert columns[0] > 0 and columns[-1] < part.shape[1] - 1
        assert rows[0] > 0 and rows[-1] < part.shape[0] - 1
        # ...and not lost in the middle either: the cloud spans most of its half's width.
        assert columns[-1] - columns[0] > 0.5 * part.shape[1]
    window.session.set_display(replace(window.session.state.display, color_by="height"))
    decor, plotter = window.viewport.decor, window.viewport.plotter
    for column, text in enumerate(decor._texts):
        renderer = plotter.renderers[column]
        assert text_width(text, renderer) < renderer.GetSize()[0] - 20
    assert "\n" in decor._texts[1].GetInput()  # title and count on their own lines
    bars = [
        prop
        for renderer in plotter.renderers
        for prop in renderer.GetViewProps()
        if isinstance(prop, vtkScalarBarActor) and prop.GetVisibility()
    ]
    assert len(bars) == 1 and bars[0].GetTitle() == "height"
    assert bars[0].GetLabelFormat().endswith(" m")


def test_errors_view_colours_the_sample_by_its_labels(qtbot, main_window):
    from core.downsample import downsample
    from core.scene import SCENE_CLASSES, make_scene
    from gui.session import DownsampleSettings

    cloud = make_scene(60_000, seed=5)
    down = downsample(cloud, "voxel-nearest", voxel_size=0.1)
    session = main_window.session
    session.set_cloud(cloud, None)
    session.set_classes(SCENE_CLASSES)
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.1))
    session.set_sample_labels(down.sample.labels)
    session.set_full_labels(down.sample.labels[down.index_map])
    view = main_window.panels["View"]
    view.color_combo.setFocus()
    qtbot.keyClick(view.color_combo, Qt.Key.Key_End)  # "Errors vs known labels"
    assert session.state.display.color_by == "errors"
    press_shortcut(qtbot, main_window, Qt.Key.Key_3)
    caption = main_window.viewport.decor._texts[1].GetInput()
    assert "coloured by labels" in caption
    assert main_window.viewport.decor._bar.GetVisibility() == 0  # no height legend


def test_auto_status_says_what_was_chosen_in_words(data_dir):
    from core.carry_back import carry_back
    from core.downsample import downsample
    from core.io import read_cloud
    from core.labels_io import read_labels
    from gui.panels.review_transfer import describe_auto

    cloud = read_cloud(data_dir / "test55.xyz")
    labels = read_labels(data_dir / "test55.labels", len(cloud))
    cloud = replace(cloud, labels=labels)
    down = downsample(cloud, "voxel-nearest", voxel_size=0.01)
    _, report = carry_back(
        "auto", cloud, down.sample, down.sample.labels, down.index_map, voxel_size=0.01
    )
    sentence = describe_auto(report)
    assert sentence.startswith("auto ") and "=" not in sentence and "_" not in sentence
    assert "voxel" in sentence and len(sentence) < 160
    assert "% of the points" in sentence or "its voxel's sample point" in sentence


@pytest.mark.parametrize(("name", "colour"), [("lone-star.laz", "intensity")])
def test_colour_by_offers_what_the_scan_has(
    qtbot, main_window, data_dir, monkeypatch, name, colour
):
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / name)
    view = main_window.panels["View"]
    assert view.color_combo.currentData() == colour
    model = view.color_combo.model()
    assert not model.item(view.color_combo.findData("rgb")).isEnabled()
    assert "no rgb" not in main_window.viewport.decor._texts[0].GetInput()
