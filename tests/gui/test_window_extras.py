"""Window features around the main flow: decimation notice, tiles, drops, the command line."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from core.scene import SCENE_CLASSES, make_scene
from tests.gui.conftest import wait_for_job


@pytest.fixture
def room(main_window):
    """The main window showing a small labeled room (no file)."""
    main_window.session.set_cloud(make_scene(200_000, seed=3), None)
    main_window.session.set_classes(SCENE_CLASSES)
    return main_window


def test_view_says_when_it_is_decimated(room):
    viewport = room.viewport
    viewport.set_display_budget(50_000)
    assert viewport.full_layer.n_points == 50_000
    caption = viewport.decor._texts[0].GetInput()
    assert "showing 50,000 of 200,000 points" in caption
    viewport.set_display_budget(1_500_000)
    assert viewport.full_layer.n_points == 200_000
    assert "showing" not in viewport.decor._texts[0].GetInput()


def test_tile_draws_every_point_inside_it(room):
    cloud = room.session.state.cloud
    lo, hi = (1.0, 1.0, -1.0), (2.5, 3.0, 4.0)
    room._set_display(tile=(lo, hi))
    inside = np.all((cloud.xyz >= lo) & (cloud.xyz <= hi), axis=1).sum()
    assert room.viewport.full_layer.n_points == inside
    room._set_display(tile=None)
    assert room.viewport.full_layer.n_points == len(cloud)


def test_display_changes_with_a_tile_do_not_search_the_cloud_again(room, monkeypatch):
    import gui.viewport_paint

    calls = []
    real = gui.viewport_paint.rows_in_tile
    monkeypatch.setattr(
        gui.viewport_paint, "rows_in_tile", lambda *args: calls.append(args) or real(*args)
    )
    cloud = room.session.state.cloud
    lo, hi = (1.0, 1.0, -1.0), (2.5, 3.0, 4.0)
    room._set_display(tile=(lo, hi), color_by="labels")
    assert len(calls) == 1
    # Colours, ticks and point size reuse the tile's rows: finding them scans every point.
    room._set_display(hidden_classes=frozenset({0}))
    room._set_display(blend=0.5)
    room._set_display(point_size=4.0)
    assert len(calls) == 1
    inside = np.all((cloud.xyz >= lo) & (cloud.xyz <= hi), axis=1)
    assert room.viewport.full_layer.n_points == inside.sum()
    assert room.viewport.full_layer.mesh.n_verts == (inside & (cloud.labels != 0)).sum()
    # A new tile, or a new cloud of the same size, needs the search again.
    room._set_display(tile=(lo, (3.0, 3.0, 4.0)))
    assert len(calls) == 2
    room.session.set_cloud(make_scene(200_000, seed=4), None)
    assert room.session.state.display.tile is None  # a new cloud starts without the old tile
    room._set_display(tile=(lo, (3.0, 3.0, 4.0)))
    assert len(calls) == 3


def test_box_selection_reports_bounds(room):
    seen = []
    room.viewport.start_box_selection(seen.append)
    widget = room.viewport.plotter.widgets.box_widgets[0]
    widget.InvokeEvent("EndInteractionEvent")
    room.viewport.stop_box_selection()
    assert seen and len(seen[-1]) == 2 and all(len(corner) == 3 for corner in seen[-1])
    assert not room.viewport.plotter.widgets.box_widgets


def test_labels_and_errors_colour_the_view(room):
    state = room.session.state
    predicted = state.truth_full.copy()
    predicted[:1000] = (predicted[:1000] + 1) % len(SCENE_CLASSES)
    room.session.set_full_labels(predicted)
    room._set_display(color_by="errors")
    colors = np.asarray(room.viewport.full_layer.mesh.point_data["rgb"])
    red = (colors == (228, 26, 28)).all(axis=1).sum()
    assert red == 1000
    room._set_display(color_by="labels", hidden_classes=frozenset({0}))
    n_visible = room.viewport.full_layer.mesh.n_verts
    assert n_visible == (predicted != 0).sum()


def test_dropping_a_file_opens_it(qtbot, main_window, data_dir):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(data_dir / "test55.xyz"))])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    main_window.dropEvent(event)
    qtbot.waitUntil(lambda: main_window.session.state.cloud is not None, timeout=30_000)
    assert len(main_window.session.state.cloud) == 175_178
    assert main_window.session.state.classes  # from test55.classes.txt beside the scan


def test_status_bar_cancel_stops_a_job(qtbot, main_window):
    import time

    from core.errors import Cancelled
    from gui.workers import run_job

    def slow(progress, cancel):
        for _ in range(1000):
            if cancel():
                raise Cancelled("stop")
            time.sleep(0.01)

    job = run_job(main_window.session, "Slow", slow, lambda r: None)
    assert main_window.status.cancel_button.isVisibleTo(main_window)
    main_window.status.cancel_button.click()
    wait_for_job(qtbot, job)
    assert not main_window.status.is_busy()
    assert not main_window.status.cancel_button.isVisibleTo(main_window)


@pytest.mark.timeout(180)
def test_command_line_opens_a_file_and_saves_a_screenshot(
    qtbot, tmp_path, data_dir, monkeypatch, dialogs
):
    import gui.main_window
    from gui.app import main, parse_args
    from gui.main_window import MainWindow
    from gui.settings import Settings

    assert parse_args(["--sample"]).sample
    monkeypatch.setattr(gui.main_window, "Settings", lambda: Settings(tmp_path / "s.ini"))

    def give_up() -> None:
        # main() runs app.exec(): if the screenshot never comes, end the loop ourselves (and
        # close the window, whose render window would crash a later test) instead of hanging.
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
        QApplication.quit()

    watchdog = QTimer(singleShot=True, interval=90_000)
    watchdog.timeout.connect(give_up)
    watchdog.start()
    shot = tmp_path / "shot.png"
    try:
        assert main([str(data_dir / "test55.xyz"), "--screenshot", str(shot)]) == 0
    finally:
        watchdog.stop()  # it must not fire during a later test
    assert not dialogs
    assert shot.exists() and shot.stat().st_size > 10_000
    # The whole window, panels and menu included, with the rendered cloud in its middle
    # (a plain grab leaves the OpenGL view black).
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    screen = QApplication.primaryScreen().availableGeometry()
    assert image.width() >= 0.9 * screen.width()  # the window, sized to the screen
    middle = {image.pixel(image.width() // 2 + dx, image.height() // 2 + dy)
              for dx in range(-40, 40, 4) for dy in range(-40, 40, 4)}  # fmt: skip
    assert len(middle) > 20  # points of many colours, not one flat colour
