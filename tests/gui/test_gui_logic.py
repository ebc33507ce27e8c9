"""GUI logic without windows: colours, level of detail, slider scale, settings, actions."""

from __future__ import annotations

import numpy as np
import pytest

from core.classes import UNLABELED_COLOR, make_classes
from core.cloud import UNLABELED, PointCloud
from gui import coloring
from gui.lod import describe_decimation, display_index
from gui.session import DisplaySettings, DownsampleSettings, Rotation


def test_display_index_caps_at_the_budget_without_repeats():
    rows = display_index(5_000_000, 1_500_000)
    assert rows is not None and len(rows) == 1_500_000
    assert len(np.unique(rows)) == len(rows) and rows.max() < 5_000_000
    assert display_index(1_000, 1_500_000) is None  # small: drawn whole
    mid = display_index(2_000_000, 1_500_000)
    assert mid is not None and len(np.unique(mid)) == 1_500_000
    assert describe_decimation(1_500_000, 20_000_000) == "showing 1.5M of 20M points"
    assert describe_decimation(10, 10) == ""


def test_label_colors_hidden_classes_and_blend():
    classes = make_classes(["ground", "tree"])
    labels = np.array([0, 1, UNLABELED, 7], dtype=np.uint8)
    colors = coloring.label_colors(labels, classes, None, 0.0)
    assert tuple(colors[0]) == classes[0].color and tuple(colors[1]) == classes[1].color
    assert tuple(colors[2]) == UNLABELED_COLOR
    rgb = np.full((4, 3), 200, np.uint8)
    assert (coloring.label_colors(labels, classes, rgb, 1.0) == 200).all()
    mask = coloring.visible_mask(labels, frozenset({1}), show_unlabeled=False)
    np.testing.assert_array_equal(mask, [True, False, False, True])
    assert coloring.visible_mask(labels, frozenset(), True) is None


def test_error_colors_mark_only_wrong_points_with_known_truth():
    predicted = np.array([0, 1, 1, 2], np.uint8)
    truth = np.array([0, 0, UNLABELED, 2], np.uint8)
    colors = coloring.error_colors(predicted, truth)
    wrong = (colors == coloring.ERROR_COLOR).all(axis=1)
    np.testing.assert_array_equal(wrong, [False, True, False, False])


def test_height_colours_follow_the_rotation():
    from gui.viewport_paint import LayerSource, layer_colors

    xyz = np.column_stack([np.linspace(0, 10, 100), np.zeros(100), np.zeros(100)])
    source = LayerSource(PointCloud(xyz), None)
    display = DisplaySettings(color_by="height")
    flat, _, flat_range = layer_colors(source, display, [], Rotation())
    assert (flat == flat[0]).all()  # z is 0 everywhere: one colour
    tilted, _, tilted_range = layer_colors(source, display, [], Rotation(y=-90.0))
    assert len(np.unique(tilted, axis=0)) > 10  # x became height
    assert tilted_range is not None and tilted_range[1] - tilted_range[0] > 5


def test_colour_by_falls_back_when_the_field_is_missing():
    assert coloring.fallback_color_by("rgb", False, True, False) == "intensity"
    assert coloring.fallback_color_by("rgb", False, False, False) == "height"
    assert coloring.fallback_color_by("labels", True, False, False) == "rgb"
    assert coloring.fallback_color_by("labels", True, False, True) == "labels"


def test_voxel_slider_is_logarithmic_and_round_trips():
    from gui.panels.downsample_panel import MAX_CM, MIN_CM, cm_to_slider, slider_to_cm

    assert slider_to_cm(0) == pytest.approx(MIN_CM)
    assert slider_to_cm(1000) == pytest.approx(MAX_CM)
    assert 2.0 < slider_to_cm(500) < 5.0  # geometric middle of 0.2 and 50 is ~3.2
    for cm in (0.2, 1.0, 5.0, 25.0, 50.0):
        assert slider_to_cm(cm_to_slider(cm)) == pytest.approx(cm, rel=0.01)


def test_estimate_equals_core_when_given_every_point():
    from core.downsample import downsample
    from core.scene import make_scene
    from gui.preview import estimate_count, exact_downsample

    cloud = make_scene(50_000, seed=1)
    rotation = Rotation(z=20.0, x=5.0, about="centroid")
    settings = DownsampleSettings("voxel-mean", voxel_size=0.1)
    result = exact_downsample(cloud, rotation, settings)
    assert estimate_count(cloud.xyz, rotation, settings, len(cloud)) == len(result.sample)
    from core.rotate import rotate

    rotated = cloud.with_xyz(rotate(cloud.xyz, 20.0, 0.0, 5.0, about="centroid"))
    assert len(downsample(rotated, "voxel-mean", voxel_size=0.1).sample) == len(result.sample)
    assert len(result.index_map) == len(cloud)


def test_settings_round_trip(tmp_path):
    from gui.settings import MAX_RECENT, Settings

    settings = Settings(tmp_path / "s.ini")
    for i in range(MAX_RECENT + 3):
        settings.add_recent_file(str(tmp_path / f"scan{i}.xyz"))
    settings.add_recent_file(str(tmp_path / "scan0.xyz"))
    settings.set_voxel_size(0.07)
    settings.set_display_budget(800_000)
    settings.sync()
    again = Settings(tmp_path / "s.ini")
    recent = again.recent_files()
    assert len(recent) == MAX_RECENT and recent[0].endswith("scan0.xyz")
    assert again.voxel_size(0.05) == pytest.approx(0.07)
    assert again.display_budget() == 800_000
    assert Settings(tmp_path / "new.ini").voxel_size(0.05) == 0.05


def test_action_table_is_consistent():
    from gui.actions import ACTIONS
    from gui.main_window import MainWindow

    keys = [a.key for a in ACTIONS]
    shortcuts = [a.shortcut for a in ACTIONS if a.shortcut]
    assert len(set(keys)) == len(keys)
    assert len(set(shortcuts)) == len(shortcuts)
    for spec in ACTIONS:
        assert callable(getattr(MainWindow, spec.slot)), spec.slot
    assert {"Ctrl+O", "Ctrl+S"} <= set(shortcuts)


def test_caption_says_when_the_colouring_fell_back():
    from gui.viewport_paint import LayerSource, layer_text

    source = LayerSource(PointCloud(np.zeros((3_000_000, 3))), np.arange(1_500_000))
    caption = layer_text(source, "rgb")
    assert caption.startswith("full\n3M points")  # title on its own line (narrow halves)
    assert "no rgb, coloured by height" in caption
    assert "showing 1.5M of 3M points" in caption
