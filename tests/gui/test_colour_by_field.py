"""Issue 9.11: colour by any field of a LAS file (return number, classification, gps_time...)
chosen in the View panel with the mouse; the legend names the classes and counts them, the
colour bar names the field; P reads the fields of the point under the mouse."""

from __future__ import annotations

import re
from dataclasses import replace

import laspy
import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

from gui.coloring import ASPRS_COLORS
from tests.gui.test_newcomer_stale import open_with_ctrl_o, press_shortcut


def choose_colour_by(qtbot, combo, text: str) -> None:
    """Open the combo with a click and click the entry `text`, as a user does."""
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    popup = combo.view()
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    row = combo.findText(text)
    assert row >= 0, f"'{text}' is not offered in Colour by"
    index = popup.model().index(row, 0)
    popup.scrollTo(index)
    rect = popup.visualRect(index)
    # Qt takes a release sooner than a double-click after opening as the end of the
    # opening press-drag: a user's second click comes later.
    qtbot.wait(QApplication.doubleClickInterval() + 100)
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not popup.isVisible(), timeout=5_000)
    assert combo.currentText() == text


def drawn_colors(layer) -> np.ndarray:
    return np.asarray(layer.mesh.point_data["rgb"])


def share_of_color(image: np.ndarray, rgb) -> float:
    """Share of the view's pixels within a few levels of `rgb`."""
    close = np.abs(image.astype(int) - np.asarray(rgb)).max(axis=2) <= 3
    return float(close.mean())


def test_colour_by_classification_and_return_number(
    qtbot, main_window, data_dir, monkeypatch, tmp_path
):
    path = data_dir / "autzen_trim.las"
    las = laspy.read(path)
    main_window.resize(1366, 768)
    open_with_ctrl_o(qtbot, main_window, monkeypatch, path)
    session, viewport = main_window.session, main_window.viewport
    view = main_window.panels["View"]
    combo = view.color_combo
    offered = [combo.itemText(i) for i in range(combo.count())]
    for name in ("return_number", "classification", "user_data", "gps_time"):
        assert name in offered
    assert "point_source_id" not in offered  # constant in this file: nothing to show
    legend = viewport.decor.legend
    press_shortcut(qtbot, main_window, Qt.Key.Key_T)  # from the top: the ground shows

    choose_colour_by(qtbot, combo, "classification")
    assert session.state.display.color_by == "field:classification"
    classes, counts = np.unique(np.asarray(las.classification), return_counts=True)
    assert list(classes) == [1, 2]
    expected = [f"1 unclassified: {counts[0]:,}", f"2 ground: {counts[1]:,}"]
    qtbot.waitUntil(lambda: legend.names == expected, timeout=10_000)
    assert legend.actor.GetVisibility() and not viewport.decor._bar.GetVisibility()
    rows = viewport.display_index
    drawn = np.asarray(las.classification)[rows] if rows is not None else las.classification
    colors = drawn_colors(viewport.full_layer)
    assert np.array_equal(colors[drawn == 2][0], ASPRS_COLORS[2])
    assert (colors[drawn == 2] == ASPRS_COLORS[2]).all()
    assert (colors[drawn == 1] == ASPRS_COLORS[1]).all()
    image = viewport.image()
    assert share_of_color(image, ASPRS_COLORS[2]) > 0.02  # ground brown on screen
    assert share_of_color(image, ASPRS_COLORS[1]) > 0.002  # unclassified grey
    main_window.grab().save(str(tmp_path / "colour_by_classification_1366x768.png"))

    choose_colour_by(qtbot, combo, "return_number")
    returns, counts = np.unique(np.asarray(las.return_number), return_counts=True)
    expected = [f"{r}: {c:,}" for r, c in zip(returns, counts, strict=True)]
    qtbot.waitUntil(lambda: legend.names == expected, timeout=10_000)
    colors = drawn_colors(viewport.full_layer)
    drawn = np.asarray(las.return_number)[rows] if rows is not None else las.return_number
    first, second = colors[drawn == 1], colors[drawn == 2]
    assert len(first) and len(second)
    assert (first == first[0]).all() and (second == second[0]).all()
    assert not np.array_equal(first[0], second[0])  # each return its own colour
    image = viewport.image()
    assert share_of_color(image, first[0]) > 0.02

    # A tile: the legend counts what is inside it (the cloud's own view coordinates).
    cloud = session.state.cloud
    lo, hi = cloud.bounds()
    middle = float(np.median(cloud.xyz[:, 0]))
    tile = (tuple(lo - 1.0), (middle, *(hi[1:] + 1.0)))
    session.set_display(replace(session.state.display, tile=tile))
    inside = cloud.xyz[:, 0] <= middle
    returns, counts = np.unique(np.asarray(las.return_number)[inside], return_counts=True)
    expected = [f"{r}: {c:,}" for r, c in zip(returns, counts, strict=True)]
    qtbot.waitUntil(lambda: legend.names == expected, timeout=10_000)
    session.set_display(replace(session.state.display, tile=None))

    choose_colour_by(qtbot, combo, "gps_time")
    qtbot.waitUntil(lambda: not legend.actor.GetVisibility(), timeout=10_000)
    bar = viewport.decor._bar
    assert bar.GetVisibility() and bar.GetTitle() == "gps_time (s)"
    assert len(np.unique(drawn_colors(viewport.full_layer), axis=0)) > 50  # a colour ramp
    main_window.grab().save(str(tmp_path / "colour_by_gps_time_1366x768.png"))


def test_p_reads_the_fields_of_the_point_under_the_mouse(qtbot, main_window, data_dir, monkeypatch):
    path = data_dir / "autzen_trim.las"
    las = laspy.read(path)
    open_with_ctrl_o(qtbot, main_window, monkeypatch, path)
    viewport = main_window.viewport
    press_shortcut(qtbot, main_window, Qt.Key.Key_T)
    viewport.plotter.render()
    # The middle of the view, where the cloud is dense: some point is under the mouse.
    middle = QPoint(viewport.plotter.width() // 2, viewport.plotter.height() // 2)
    QCursor.setPos(viewport.plotter.mapToGlobal(middle))
    qtbot.waitUntil(
        lambda: (viewport.plotter.mapFromGlobal(QCursor.pos()) - middle).manhattanLength() < 2
    )
    press_shortcut(qtbot, main_window, Qt.Key.Key_P)
    message = main_window.status.currentMessage()
    found = re.search(r"point ([\d,]+):", message)
    assert found, message
    row = int(found.group(1).replace(",", ""))
    # The file's own values of that point, as laspy reads them.
    returns = f"return {int(las.return_number[row])} of {int(las.number_of_returns[row])};"
    assert returns in message
    assert f"user_data {int(las.user_data[row])};" in message
    assert f"scan_angle_rank {int(las.scan_angle_rank[row])};" in message
    gps = f"{float(las.gps_time[row]):.6f}".rstrip("0").rstrip(".")
    assert f"gps_time {gps}" in message
    # The labels read from the LAS are its classification: named the ASPRS way, once.
    name = {1: "unclassified", 2: "ground"}[int(las.classification[row])]
    assert f"label {int(las.classification[row])} ({name})" in message
    assert "classification" not in message
    assert f"x {float(las.x[row]):.3f}" in message


def test_side_by_side_the_sample_counts_its_own_classes(
    qtbot, main_window, data_dir, monkeypatch, tmp_path
):
    from core.downsample import downsample
    from gui.session import DownsampleSettings

    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "brighton_small.laz")
    session, viewport = main_window.session, main_window.viewport
    cloud = session.state.cloud
    nearest = downsample(cloud, "voxel-nearest", voxel_size=0.5)
    settings = DownsampleSettings("voxel-nearest", 0.5)
    session.set_sample(nearest.sample, nearest.index_map, settings)
    choose_colour_by(qtbot, main_window.panels["View"].color_combo, "classification")
    press_shortcut(qtbot, main_window, Qt.Key.Key_3)
    assert viewport.decor.mode == "side-by-side"
    ids, counts = np.unique(nearest.sample.point_fields["classification"], return_counts=True)
    names = {0: "never classified", 2: "ground", 3: "low vegetation", 6: "building"}
    expected = [f"{i} {names[i]}: {c:,}" for i, c in zip(ids, counts, strict=True)]
    legend = viewport.decor.legend
    qtbot.waitUntil(lambda: legend.names == expected, timeout=10_000)  # the sample's counts
    sample_colors = drawn_colors(viewport.sample_layer)
    rows = viewport._sample_index
    drawn = nearest.sample.point_fields["classification"]
    drawn = drawn if rows is None else drawn[rows]
    assert (sample_colors[drawn == 6] == ASPRS_COLORS[6]).all()  # buildings red
    assert (sample_colors[drawn == 2] == ASPRS_COLORS[2]).all()
    main_window.grab().save(str(tmp_path / "classification_side_by_side.png"))
    note = main_window.panels["View"].field_note
    assert note.isHidden()  # voxel nearest keeps the fields: nothing to explain

    # A voxel-mean sample has no classification (a mean class means nothing): it is drawn
    # grey and the legend shown is the full cloud's.
    mean = downsample(cloud, "voxel-mean", voxel_size=0.5)
    session.set_sample(mean.sample, mean.index_map, DownsampleSettings("voxel-mean", 0.5))
    session.set_display(replace(session.state.display, color_by="field:classification"))
    ids, counts = np.unique(cloud.point_fields["classification"], return_counts=True)
    expected = [f"{i} {names[i]}: {c:,}" for i, c in zip(ids, counts, strict=True)]
    qtbot.waitUntil(lambda: legend.names == expected, timeout=10_000)
    assert (drawn_colors(viewport.sample_layer) == 128).all()
    qtbot.waitUntil(lambda: not note.isHidden(), timeout=5_000)  # the panel says why
    assert "No classification" in note.text() and "voxel nearest" in note.toolTip()
    main_window.grab().save(str(tmp_path / "voxel_mean_sample_grey.png"))


def test_a_scan_without_fields_offers_none(qtbot, main_window, data_dir, monkeypatch):
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "autzen_trim.las")
    combo = main_window.panels["View"].color_combo
    choose_colour_by(qtbot, combo, "return_number")
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "lone-star.laz")
    offered = [combo.itemData(i) for i in range(combo.count())]
    assert not [key for key in offered if key and key.startswith("field:")]
    assert main_window.session.state.display.color_by == "intensity"
    assert combo.currentData() == "intensity"


def test_which_fields_are_shown_class_by_class(data_dir):
    from core.io import read_cloud
    from gui.coloring import bar_text, field_colors, field_summary

    cloud = read_cloud(data_dir / "autzen_trim.las")
    summaries = {name: field_summary(name, v) for name, v in cloud.point_fields.items()}
    categorical = {name for name, summary in summaries.items() if summary.ids is not None}
    # Few distinct values: classes; user_data (19 values), angles and times: a colour bar.
    assert categorical == {
        "classification",
        "return_number",
        "number_of_returns",
        "scan_direction_flag",
    }
    titles = {key: (bar_text(key) or ("",))[0] for key in ("gps_time", "scan_angle_rank")}
    assert titles == {"gps_time": "", "scan_angle_rank": ""}  # not "field:" keys
    titles = {n: (bar_text(f"field:{n}") or ("",))[0] for n in ("gps_time", "scan_angle_rank")}
    assert titles == {"gps_time": "gps_time (s)", "scan_angle_rank": "scan_angle_rank (deg)"}
    assert bar_text("field:user_data") == ("user_data", "%.6g")
    colors, shown = field_colors(cloud, None, "field:user_data")
    low, high = np.percentile(cloud.point_fields["user_data"], [1, 99])
    assert shown == (low, high) and colors.shape == (len(cloud), 3)
    # Two values far apart in a wide integer (an extra byte): still two classes.
    flags = np.where(np.arange(1_000) % 3 == 0, 10**9, -5).astype(np.int64)
    summary = field_summary("flag", flags)
    assert summary.ids is not None and summary.counts is not None
    assert summary.ids.tolist() == [-5, 10**9] and summary.counts.tolist() == [666, 334]


def test_the_file_panel_lists_a_las_files_fields_within_its_dock(qtbot, main_window, data_dir):
    """A dozen LAS fields must not widen the File panel past its dock (it scrolled sideways)."""
    from core.io import read_cloud

    cloud = read_cloud(data_dir / "autzen_trim.las")
    main_window.session.set_cloud(cloud, str(data_dir / "autzen_trim.las"))
    panel = main_window.panels["File"]
    names = list(cloud.fields())
    assert len(names) > 5
    assert panel.fields_label.text() == ", ".join(names[:4]) + f", and {len(names) - 4} more"
    assert panel.fields_label.toolTip() == ", ".join(names)
    area = panel.parentWidget().parentWidget()  # the dock's scroll area
    qtbot.wait(200)  # the layout settles
    assert not area.horizontalScrollBar().isVisible()
