"""Issue 9.9: crop a tile by dragging a rectangle on the view (key C), with real mouse and key
events on the render widget: the tile is the box of exactly the points core projects inside
the rectangle, the counts follow it, Ctrl+Z gives the old tile back, Esc cancels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from core.labeling.projection import project_points
from gui.paint_view import target_camera, to_screen
from tests.gui.conftest import load_review_scene, voxel_nearest_scene
from tests.gui.test_newcomer_stale import press_shortcut

LEFT, NO_KEYS = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(80_000, 9, 0.05)


def _show_scene(qtbot, window, scene, tmp_path, monkeypatch, show: str = "full"):
    session = load_review_scene(window, tmp_path, monkeypatch, scene, 0.05)
    session.set_display(replace(session.state.display, show=show))
    window.viewport.camera_preset("top")
    window.viewport.plotter.render()
    qtbot.wait(50)
    return session


def _corners(widget, fractions) -> list[tuple[int, int]]:
    (a, b), (c, d) = fractions
    w, h = widget.width(), widget.height()
    return [(int(w * a), int(h * b)), (int(w * c), int(h * d))]


def _drag(widget, start, end, steps: int = 6) -> None:
    QTest.mousePress(widget, LEFT, NO_KEYS, QPoint(*start))
    for t in np.linspace(0, 1, steps)[1:]:
        x, y = (round(s + (e - s) * t) for s, e in zip(start, end, strict=True))
        QTest.mouseMove(widget, QPoint(x, y))
    QTest.mouseRelease(widget, LEFT, NO_KEYS, QPoint(*end))


def _expected_tile(xyz, camera, start, end, ratio, candidates=None):
    """The box of the points whose projection core puts inside the rectangle."""
    screen, _, _ = project_points(xyz, camera)
    (x0, y0), (x1, y1) = np.array(start) * ratio, np.array(end) * ratio
    inside = (
        (screen[:, 0] >= min(x0, x1))
        & (screen[:, 0] <= max(x0, x1))
        & (screen[:, 1] >= min(y0, y1))
        & (screen[:, 1] <= max(y0, y1))
    )
    if candidates is not None:
        inside &= candidates
    picked = np.asarray(xyz, np.float64)[inside]
    lo, hi = picked.min(axis=0), picked.max(axis=0)
    return tuple(float(v) for v in lo), tuple(float(v) for v in hi), inside


def _crop(qtbot, window, start, end):
    press_shortcut(qtbot, window, Qt.Key.Key_C)
    assert window.tile_drawing.armed
    assert window.actions_by_key["draw_tile"].isChecked()
    _drag(window.viewport.plotter, start, end)
    assert not window.tile_drawing.armed
    qtbot.waitUntil(lambda: window.tile_drawing.job.delivered, timeout=20_000)


def test_rectangle_on_the_full_cloud_is_the_box_of_the_points_inside(
    qtbot, main_window, scene, tmp_path, monkeypatch
):
    session = _show_scene(qtbot, main_window, scene, tmp_path, monkeypatch)
    cloud = session.state.cloud
    widget = main_window.viewport.plotter
    camera = target_camera(main_window.viewport, "full")
    start, end = _corners(widget, ((0.3, 0.3), (0.55, 0.65)))
    lo, hi, under = _expected_tile(cloud.xyz, camera, start, end, widget.devicePixelRatioF())
    assert 1_000 < under.sum() < len(cloud) // 2
    legend = main_window.panels["Labels"].legend
    legend.set_class_visible(0, False)  # the floor hidden: its points still count
    assert (cloud.labels[under] == 0).sum() > 100
    _crop(qtbot, main_window, start, end)
    tile = session.state.display.tile
    assert tile == (lo, hi)
    legend.set_class_visible(0, True)
    # From the top the rectangle takes every height: each point over the tile's inner xy
    # (perspective widens the rectangle upwards a little) is inside it, floor to top.
    lo_xy, hi_xy = np.array(lo[:2]), np.array(hi[:2])
    pad = 0.1 * (hi_xy - lo_xy)
    over = np.all((cloud.xyz[:, :2] >= lo_xy + pad) & (cloud.xyz[:, :2] <= hi_xy - pad), axis=1)
    assert over.sum() > 500
    assert tile[0][2] <= cloud.xyz[over, 2].min() and cloud.xyz[over, 2].max() <= tile[1][2]
    assert tile[0][2] < 0.05 and tile[1][2] > 1.0  # the floor and the furniture on it
    # The legend, the view's caption and the status bar count the tile's points.
    inside = np.all((cloud.xyz >= lo) & (cloud.xyz <= hi), axis=1)
    counts = legend.counts()
    assert sum(counts.values()) == inside.sum()
    for class_id, n in counts.items():
        assert n == int((cloud.labels[inside] == class_id).sum())
    assert "inside the tile" in legend.caption.text()
    assert main_window.viewport.full_layer.n_points == inside.sum()
    caption = main_window.viewport.decor._texts[0].GetInput()
    assert f"showing {inside.sum():,} of {len(cloud):,} points" in caption
    assert f"Tile: {inside.sum():,} of {len(cloud):,} points" in main_window.status.currentMessage()
    # One undo step, through the window's keys.
    press_shortcut(qtbot, main_window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.state.display.tile is None
    assert sum(legend.counts().values()) == len(cloud)
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    press_shortcut(qtbot, main_window, Qt.Key.Key_Z, shift_ctrl)
    assert session.state.display.tile == (lo, hi)


def test_a_second_rectangle_from_the_front_refines_the_tile(
    qtbot, main_window, scene, tmp_path, monkeypatch
):
    session = _show_scene(qtbot, main_window, scene, tmp_path, monkeypatch)
    main_window.viewport.set_display_budget(10_000)  # most points are not drawn: they count
    cloud = session.state.cloud
    widget = main_window.viewport.plotter
    _crop(qtbot, main_window, *_corners(widget, ((0.2, 0.2), (0.6, 0.7))))
    first = session.state.display.tile
    main_window.viewport.camera_preset("front")
    widget.render()
    qtbot.wait(50)
    camera = target_camera(main_window.viewport, "full")
    in_first = np.all((cloud.xyz >= first[0]) & (cloud.xyz <= first[1]), axis=1)
    start, end = _corners(widget, ((0.1, 0.45), (0.9, 0.95)))  # the lower part, full width
    lo, hi, _ = _expected_tile(cloud.xyz, camera, start, end, 1.0, candidates=in_first)
    _crop(qtbot, main_window, start, end)
    tile = session.state.display.tile
    assert tile == (lo, hi)
    for axis in range(3):  # inside the first tile
        assert first[0][axis] <= tile[0][axis] and tile[1][axis] <= first[1][axis]
    assert tile[1][2] < first[1][2]  # the top is cut off
    assert main_window.viewport.full_layer.n_points == 10_000  # of the tile's points
    main_window.panels["Labels"].legend.clear_tile_button.click()  # "Whole cloud"
    assert session.state.display.tile is None


def test_escape_cancels_and_leaves_the_tile_unchanged(
    qtbot, main_window, scene, tmp_path, monkeypatch
):
    press_shortcut(qtbot, main_window, Qt.Key.Key_C)  # no cloud yet: nothing to draw on
    assert not main_window.tile_drawing.armed
    assert "Open a cloud first" in main_window.status.currentMessage()
    session = _show_scene(qtbot, main_window, scene, tmp_path, monkeypatch)
    before = ((-10.0, -10.0, -10.0), (10.0, 10.0, 10.0))
    session.set_display(replace(session.state.display, tile=before))
    widget = main_window.viewport.plotter
    drawer = main_window.tile_drawing
    escape = main_window.actions_by_key["cancel"].shortcut()
    dark = np.asarray(main_window.viewport.image())
    press_shortcut(qtbot, main_window, Qt.Key.Key_C)
    start, end = _corners(widget, ((0.3, 0.3), (0.6, 0.6)))
    QTest.mousePress(widget, LEFT, NO_KEYS, QPoint(*start))
    QTest.mouseMove(widget, QPoint(*end))
    assert drawer.outline.actor.GetVisibility()  # the rubber band, in yellow
    image = np.asarray(main_window.viewport.image()).astype(int)
    yellow = (image[..., 0] > 200) & (image[..., 1] > 170) & (image[..., 2] < 90)
    was_yellow = (dark[..., 0] > 200) & (dark[..., 1] > 170) & (dark[..., 2] < 90)
    assert yellow.sum() > was_yellow.sum() + 100
    press_shortcut(qtbot, main_window, Qt.Key.Key_Escape)
    assert not drawer.armed
    assert not main_window.actions_by_key["draw_tile"].isChecked()
    QTest.mouseRelease(widget, LEFT, NO_KEYS, QPoint(*end))
    assert session.state.display.tile == before
    assert drawer.job is None  # nothing was cropped
    assert "cancelled" in main_window.status.currentMessage()
    assert main_window.actions_by_key["cancel"].shortcut() == escape  # Esc cancels jobs again


def test_rectangle_on_the_sample_side_and_the_tile_box_shows_it(
    qtbot, main_window, scene, tmp_path, monkeypatch
):
    session = _show_scene(qtbot, main_window, scene, tmp_path, monkeypatch, show="side-by-side")
    sample = session.state.sample
    widget = main_window.viewport.plotter
    legend = main_window.panels["Labels"].legend
    qtbot.mouseClick(legend.tile_numbers_button, LEFT)
    from gui.panels.review_tile_box import TileBoxDialog

    dialog = next(d for d in legend.findChildren(TileBoxDialog) if d.isVisible())
    qtbot.mouseClick(dialog.draw_button, LEFT)
    assert not dialog.isVisible() and main_window.tile_drawing.armed
    press_shortcut(qtbot, main_window, Qt.Key.Key_Escape)  # changed my mind: the box is back
    assert dialog.isVisible() and not main_window.tile_drawing.armed
    assert session.state.display.tile is None
    qtbot.mouseClick(dialog.draw_button, LEFT)
    assert not dialog.isVisible() and main_window.tile_drawing.armed
    camera = target_camera(main_window.viewport, "sample")
    start, end = _corners(widget, ((0.6, 0.3), (0.85, 0.7)))  # in the sample's half
    local = [to_screen(main_window.viewport, "sample", x, y) for x, y in (start, end)]
    lo, hi, under = _expected_tile(sample.xyz, camera, *local, 1.0)
    assert 100 < under.sum() < len(sample) // 2
    _drag(widget, start, end)
    qtbot.waitUntil(dialog.isVisible, timeout=20_000)
    assert session.state.display.tile == (lo, hi)
    for row, corner in enumerate((lo, hi)):
        for axis in range(3):
            assert dialog.spins[row][axis].value() == pytest.approx(corner[axis], abs=5e-4)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, LEFT)
    assert session.state.display.tile == (lo, hi)  # OK on unedited fields keeps it exactly
    cloud = session.state.cloud
    inside = np.all((cloud.xyz >= lo) & (cloud.xyz <= hi), axis=1)
    assert sum(legend.counts().values()) == inside.sum()  # the full cloud's known labels
    assert main_window.viewport.full_layer.n_points == inside.sum()


def test_on_a_turned_cloud_the_tile_is_in_the_view_frame(
    qtbot, main_window, scene, tmp_path, monkeypatch
):
    from core.rotate import rotate
    from gui.session import Rotation

    session = _show_scene(qtbot, main_window, scene, tmp_path, monkeypatch)
    session.set_rotation(Rotation(z=30.0, about="centroid"))
    main_window.viewport.camera_preset("top")
    main_window.viewport.plotter.render()
    qtbot.wait(50)
    cloud = session.state.cloud
    widget = main_window.viewport.plotter
    camera = target_camera(main_window.viewport, "full")  # the cloud's own coordinates in
    start, end = _corners(widget, ((0.35, 0.3), (0.6, 0.6)))
    _, _, under = _expected_tile(cloud.xyz, camera, start, end, widget.devicePixelRatioF())
    shown = rotate(cloud.xyz, 30.0, 0.0, 0.0, about="centroid")  # what the view shows
    _crop(qtbot, main_window, start, end)
    lo, hi = session.state.display.tile
    np.testing.assert_array_equal(lo, shown[under].min(axis=0))
    np.testing.assert_array_equal(hi, shown[under].max(axis=0))
    inside = np.all((shown >= lo) & (shown <= hi), axis=1)
    assert inside[under].all()  # every point under the rectangle is in the tile
    assert sum(main_window.panels["Labels"].legend.counts().values()) == inside.sum()


def test_points_behind_the_eye_are_never_under_the_rectangle():
    from core.labeling.projection import Camera, look_at_matrix
    from gui.tools.tile_rectangle import points_in_rectangle

    # Looking down from z = 5 at the origin: one point in front at the centre, one behind
    # the eye on the same line (projected to no pixel), one in front but off to the side.
    matrix = look_at_matrix([0, 0, 5], [0, 0, 0], [0, 1, 0], near=0.1, far=20)
    camera = Camera(matrix, 200, 200)
    xyz = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 8.0], [1.2, 0.0, 0.0]])
    everything = ((0.0, 0.0), (200.0, 200.0))
    np.testing.assert_array_equal(points_in_rectangle(xyz, camera, everything), [0, 2])
    left_half = ((100.0, 200.0), (0.0, 0.0))  # corners in any order
    np.testing.assert_array_equal(points_in_rectangle(xyz, camera, left_half), [0])
    only = np.array([False, True, True])
    np.testing.assert_array_equal(points_in_rectangle(xyz, camera, everything, only), [2])
