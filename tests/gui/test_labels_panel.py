"""Label review in the window's panel: load labels, carry back, legend, screenshot, export."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.classes import UNLABELED_COLOR
from core.cloud import UNLABELED
from tests.gui.conftest import load_review_scene, voxel_nearest_scene

VOXEL = 0.25


@pytest.fixture(scope="module")
def scene():
    """A small labeled room and its voxel-nearest sample (real points, real labels)."""
    return voxel_nearest_scene(40_000, 2, VOXEL)


@pytest.fixture
def review(main_window, tmp_path, monkeypatch, scene):
    """(session, viewport, panel) of the main window with the scene loaded and downsampled."""
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    return session, main_window.viewport, main_window.panels["Labels"]


def _load(qtbot, session, panel, path):
    panel.source.load_labels(str(path))
    qtbot.waitUntil(lambda: session.state.labels_sample is not None, timeout=20_000)


def _carry_back(qtbot, session, panel, method):
    panel.carry_back.method.setCurrentText(method)
    assert panel.carry_back.run_button.isEnabled(), panel.carry_back.why.text()
    panel.carry_back.run_button.click()
    qtbot.waitUntil(lambda: session.state.labels_full is not None, timeout=60_000)


def _legend_counts(panel) -> dict[int, int]:
    table = panel.legend.table
    return {
        class_id: int(table.item(row, 1).text().replace(",", ""))
        for row, class_id in enumerate(panel.legend.row_ids)
    }


def test_load_carry_back_and_legend(qtbot, review, scene, tmp_path):
    from core.report import label_counts
    from core.transfer import transfer_labels_map

    session, viewport, panel = review
    cloud, down, classes = scene
    path = tmp_path / "sample_labels.npy"
    np.save(path, down.sample.labels)
    assert not panel.carry_back.run_button.isEnabled()  # no labels yet: says why
    assert "Load labels" in panel.carry_back.why.text()
    _load(qtbot, session, panel, path)
    np.testing.assert_array_equal(session.state.labels_sample, down.sample.labels)
    assert session.state.display.color_by == "labels"
    # Before the carry-back the legend counts the sample's labels.
    counts = _legend_counts(panel)
    assert {k: v for k, v in counts.items() if v} == label_counts(down.sample.labels)

    _carry_back(qtbot, session, panel, "voxel")
    expected = transfer_labels_map(down.sample.labels, down.index_map)
    np.testing.assert_array_equal(session.state.labels_full, expected)
    counts = _legend_counts(panel)
    assert {k: v for k, v in counts.items() if v} == label_counts(expected)
    assert sum(counts.values()) == len(cloud)
    assert [row for row in panel.legend.row_ids if row != UNLABELED] == [c.id for c in classes]


def test_knn_carry_back_matches_core(qtbot, review, scene, tmp_path):
    from core.transfer import transfer_labels_knn

    session, viewport, panel = review
    cloud, down, _ = scene
    np.save(tmp_path / "l.npy", down.sample.labels)
    _load(qtbot, session, panel, tmp_path / "l.npy")
    panel.carry_back.k.setValue(5)
    panel.carry_back.weights.setCurrentText("distance")
    assert session.state.transfer.k == 5
    _carry_back(qtbot, session, panel, "knn")
    expected = transfer_labels_knn(
        down.sample.xyz, down.sample.labels, cloud.xyz, k=5, weights="distance"
    )
    np.testing.assert_array_equal(session.state.labels_full, expected)


def _has_color(image: np.ndarray, color, tolerance: int = 12) -> int:
    diff = np.abs(image.astype(np.int16) - np.asarray(color, dtype=np.int16)).max(axis=2)
    return int(np.count_nonzero(diff <= tolerance))


def test_toggle_a_class_and_the_screenshot_shows_class_colours(qtbot, review, scene, tmp_path):
    session, viewport, panel = review
    cloud, down, classes = scene
    np.save(tmp_path / "l.npy", down.sample.labels)
    _load(qtbot, session, panel, tmp_path / "l.npy")
    _carry_back(qtbot, session, panel, "voxel")
    viewport.camera_preset("iso")
    image = viewport.image()
    present = [c for c in classes if np.any(session.state.labels_full == c.id)]
    for item in present:
        assert _has_color(image, item.color) > 20, f"{item.name} {item.color} not on screen"
    # Untick the first class: hidden in the session, gone from the screen, counts unchanged.
    first = present[0]
    row = panel.legend.row_ids.index(first.id)
    panel.legend.table.item(row, 0).setCheckState(Qt.CheckState.Unchecked)
    assert session.state.display.hidden_classes == frozenset({first.id})
    qtbot.wait(50)
    image = viewport.image()
    assert _has_color(image, first.color, tolerance=4) < 5
    assert _has_color(image, present[1].color) > 20
    assert "of" in panel.legend.caption.text()
    total = len(cloud) - int(np.sum(session.state.labels_full == first.id))
    assert f"{total:,} of {len(cloud):,}" in panel.legend.caption.text()
    viewport.screenshot(str(tmp_path / "labels.png"))
    assert (tmp_path / "labels.png").stat().st_size > 1000


def test_unlabeled_row_hides_unlabeled_points(qtbot, review, scene, tmp_path):
    session, viewport, panel = review
    _, down, _ = scene
    labels = down.sample.labels.copy()
    labels[::3] = UNLABELED
    np.save(tmp_path / "l.npy", labels)
    _load(qtbot, session, panel, tmp_path / "l.npy")
    row = panel.legend.row_ids.index(UNLABELED)
    assert panel.legend.table.item(row, 0).text() == "unlabeled"
    assert _legend_counts(panel)[UNLABELED] == int(np.sum(labels == UNLABELED))
    panel.legend.table.item(row, 0).setCheckState(Qt.CheckState.Unchecked)
    assert session.state.display.show_unlabeled is False
    assert UNLABELED_COLOR == (128, 128, 128)


def test_wrong_length_shows_a_dialog_and_changes_nothing(qtbot, review, scene, tmp_path, dialogs):
    session, viewport, panel = review
    _, down, _ = scene
    path = tmp_path / "wrong.npy"
    np.save(path, np.zeros(len(down.sample) + 1, dtype=np.uint8))
    classes_before = list(session.state.classes)
    with qtbot.waitSignal(session.error, timeout=20_000) as blocker:
        panel.source.load_labels(str(path))
    title, sentence = blocker.args
    assert f"{len(down.sample):,}" in sentence and "points" in sentence
    assert dialogs and f"{len(down.sample):,}" in dialogs[-1][1]  # the window showed it
    assert session.state.labels_sample is None
    assert session.state.classes == classes_before


def test_classes_from_a_file_and_by_hand(qtbot, review, data_dir):
    session, viewport, panel = review
    panel.source.load_classes(str(data_dir / "brighton_small.classes.txt"))
    assert [c.name for c in session.state.classes][:4] == [
        "created/never classified",
        "ground",
        "low_vegetation",
        "building",
    ]
    editor = panel.source.editor
    editor.table.item(1, 1).setText("Ground")
    assert session.state.classes[1].name == "Ground"
    editor.table.selectRow(1)
    editor.set_color(1, (1, 2, 3))
    assert session.state.classes[1].color == (1, 2, 3)
    editor.add_class()
    assert session.state.classes[-1].id == 65
    editor.table.selectRow(0)
    editor.move_selected(1)
    assert session.state.classes[1].id == 0
    editor.remove_selected()
    assert 0 not in [c.id for c in session.state.classes]


def test_export_las_reads_back_with_laspy(qtbot, review, scene, tmp_path):
    import laspy

    session, viewport, panel = review
    cloud, down, _ = scene
    np.save(tmp_path / "l.npy", down.sample.labels)
    _load(qtbot, session, panel, tmp_path / "l.npy")
    assert not panel.export.export_button.isEnabled()
    _carry_back(qtbot, session, panel, "voxel")
    assert panel.export.export_button.isEnabled()
    out = tmp_path / "room_labeled.las"
    with qtbot.waitSignal(session.message, timeout=30_000):
        panel.export.export_cloud(str(out))
    las = laspy.read(out)
    np.testing.assert_array_equal(np.asarray(las.classification), session.state.labels_full)
    np.testing.assert_allclose(las.xyz, cloud.xyz + cloud.offset, atol=1e-3)
    from gui.panels.review_common import last_folder

    assert last_folder("export") == str(tmp_path)


def test_auto_carry_back(qtbot, review, scene, tmp_path):
    from core.metrics import evaluate
    from core.transfer import transfer_labels_map

    session, viewport, panel = review
    cloud, down, _ = scene
    np.save(tmp_path / "l.npy", down.sample.labels)
    _load(qtbot, session, panel, tmp_path / "l.npy")
    with qtbot.waitSignal(session.message, timeout=120_000) as blocker:
        _carry_back(qtbot, session, panel, "auto")
    assert "auto" in blocker.args[0]
    auto = evaluate(session.state.labels_full, cloud.labels)
    voxel = evaluate(transfer_labels_map(down.sample.labels, down.index_map), cloud.labels)
    assert auto.accuracy >= voxel.accuracy - 0.01  # auto is at least about as good


def test_crop_a_tile_with_the_box(qtbot, review, scene):
    session, viewport, panel = review
    cloud, _, _ = scene
    legend = panel.legend
    assert not legend.clear_tile_button.isEnabled()
    legend.tile_button.setChecked(True)
    assert len(viewport.plotter.widgets.box_widgets) == 1
    lo, hi = cloud.bounds()
    middle = (lo + hi) / 2
    legend._on_box((tuple(lo), tuple(middle)))  # what the box widget reports when dragged
    assert session.state.display.tile == (tuple(map(float, lo)), tuple(map(float, middle)))
    assert legend.clear_tile_button.isEnabled()
    assert panel.metrics.tile_only.isEnabled()
    legend.clear_tile_button.click()
    assert session.state.display.tile is None
    assert not legend.tile_button.isChecked()
    assert len(viewport.plotter.widgets.box_widgets) == 0


def test_blend_and_show_choices(qtbot, review, scene, tmp_path):
    session, viewport, panel = review
    _, down, _ = scene
    np.save(tmp_path / "l.npy", down.sample.labels)
    _load(qtbot, session, panel, tmp_path / "l.npy")
    legend = panel.legend
    assert legend.blend.isEnabled()
    legend.blend.setValue(40)
    assert session.state.display.blend == pytest.approx(0.4)
    index = legend.show_choice.findData("side-by-side")
    legend.show_choice.setCurrentIndex(index)
    legend.show_choice.activated.emit(index)
    assert session.state.display.show == "side-by-side"
    # Showing only the sample, the legend counts the sample's labels.
    legend.show_choice.activated.emit(legend.show_choice.findData("sample"))
    assert "sample" in legend.caption.text()
    assert sum(_legend_counts(panel).values()) == len(down.sample)


def test_cancel_a_carry_back_changes_nothing(qtbot, review, scene):
    session, viewport, panel = review
    _, down, _ = scene
    session.set_sample_labels(down.sample.labels)
    panel.carry_back.method.setCurrentText("auto")
    job = panel.carry_back.carry_back()
    job.cancel()  # what the status bar's Cancel does to every running job
    with qtbot.waitSignal(job.ended, timeout=60_000):
        pass
    assert session.state.labels_full is None
    assert panel.carry_back.run_button.isEnabled()
