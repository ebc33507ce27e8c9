"""View > Orthographic (key O) and the orthographic Top/Front/Side, with real keys and mouse
events: the camera's projection follows the toggle and the presets, turning the view goes
back to the choice, a lasso selects exactly what lies inside it on screen, a tile
rectangle from the top crops the box it covers, the choice survives a restart and a
project reopens in its projection."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from matplotlib.path import Path as Polygon2D
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.cloud import UNLABELED
from gui.paint_view import COLUMNS, renderer_rect
from tests.gui.conftest import (
    load_review_scene,
    voxel_nearest_scene,
    wait_for_job,
    wait_for_preview,
)
from tests.gui.test_newcomer_stale import press_shortcut

LEFT, MIDDLE = Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton
NO_KEYS = Qt.KeyboardModifier.NoModifier
PLANT = 3


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(120_000, 5, 0.05)


@pytest.fixture(autouse=True)
def previews_done(qtbot, main_window):
    """The downsample panel's live preview of a cloud loaded here ends in this test: one
    delivered to the closed window after it raised in the next test (gui/preview_frames)."""
    yield
    wait_for_preview(qtbot, main_window)


def _camera(window):
    return window.viewport.plotter.renderers[0].GetActiveCamera()


def _parallel(window) -> bool:
    return bool(_camera(window).GetParallelProjection())


def _drag(widget, points, button=LEFT) -> None:
    QTest.mousePress(widget, button, NO_KEYS, QPoint(*points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(widget, QPoint(x, y))
    QTest.mouseRelease(widget, button, NO_KEYS, QPoint(*points[-1]))


def _wheel(widget, clicks: int) -> None:
    """Mouse wheel clicks over the middle of the view (positive: away from the user)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
        QPoint(0, 120 * clicks), Qt.MouseButton.NoButton, NO_KEYS,
        Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(widget, event)


def _axes(window, target: str):
    """Centre pixel, right and up unit vectors and pixels per metre of an orthographic
    view, from the camera's own vectors and parallel scale (no VTK or core matrix)."""
    renderer = window.viewport.plotter.renderers[COLUMNS[target]]
    camera = renderer.GetActiveCamera()
    assert camera.GetParallelProjection()
    width, height = renderer.GetSize()
    forward = np.asarray(camera.GetDirectionOfProjection())
    right = np.cross(forward, camera.GetViewUp())
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    per_metre = (height / 2) / camera.GetParallelScale()
    return np.asarray(camera.GetFocalPoint()), (width / 2, height / 2), right, up, per_metre


def _screen(window, target: str, xyz: np.ndarray) -> np.ndarray:
    """(N, 2) renderer pixels (x right, y down) of world points, orthographic."""
    focal, (cx, cy), right, up, per_metre = _axes(window, target)
    d = np.asarray(xyz, np.float64) - focal
    return np.column_stack([cx + d @ right * per_metre, cy - d @ up * per_metre])


def _world(window, target: str, pixel) -> np.ndarray:
    """The world point at the focal plane under a renderer pixel, orthographic."""
    focal, (cx, cy), right, up, per_metre = _axes(window, target)
    return focal + ((pixel[0] - cx) * right + (cy - pixel[1]) * up) / per_metre


def _fill(window, xyz: np.ndarray) -> float:
    """How much of the full view's width or height (the larger share) the points span."""
    screen = _screen(window, "full", xyz)
    width, height = window.viewport.plotter.renderers[0].GetSize()
    span = screen.max(axis=0) - screen.min(axis=0)
    return float(max(span[0] / width, span[1] / height))


def _focal_metre(window) -> np.ndarray:
    """(2, 3): the focal point and a point 1 m to its right on screen."""
    camera = _camera(window)
    right = np.cross(camera.GetDirectionOfProjection(), camera.GetViewUp())
    focal = np.asarray(camera.GetFocalPoint())
    return np.array([focal, focal + right / np.linalg.norm(right)])


def _pixels(window, xyz: np.ndarray) -> np.ndarray:
    """Screen pixels of world points through the camera as drawn (either projection)."""
    from core.labeling.projection import project_points
    from gui.paint_view import target_camera

    return project_points(xyz, target_camera(window.viewport, "full"))[0]


def test_toggle_and_presets_set_the_parallel_projection(qtbot, main_window, scene):
    window = main_window
    action = window.actions_by_key["orthographic"]
    assert "Top, Front and Side" in action.toolTip() and "Iso" in action.toolTip()
    window.session.set_cloud(replace(scene[0]), None)
    assert not _parallel(window) and not action.isChecked()  # the default: perspective
    probe = _focal_metre(window)
    before = _pixels(window, probe)
    press_shortcut(qtbot, window, Qt.Key.Key_O)
    assert _parallel(window) and action.isChecked() and window.settings.orthographic()
    # The switch keeps what lies at the focal point its size on screen: no jump.
    np.testing.assert_allclose(_pixels(window, probe), before, atol=1.0)
    press_shortcut(qtbot, window, Qt.Key.Key_O)
    assert not _parallel(window) and not window.settings.orthographic()
    # Top, Front and Side are orthographic whatever the choice, and fit the room tightly
    # by the parallel scale (0.88 of the view's width or height).
    xyz = window.session.state.cloud.xyz
    for key in (Qt.Key.Key_T, Qt.Key.Key_F, Qt.Key.Key_S):
        press_shortcut(qtbot, window, key)
        window.viewport.plotter.render()
        assert _parallel(window) and action.isChecked()
        assert 0.84 < _fill(window, xyz) < 0.9
    assert not window.settings.orthographic()  # the choice is unchanged
    # The wheel zooms by the parallel scale; panning keeps the projection.
    widget = window.viewport.plotter
    scale = _camera(window).GetParallelScale()
    _wheel(widget, 2)
    assert _parallel(window) and _camera(window).GetParallelScale() < 0.9 * scale
    w, h = widget.width(), widget.height()
    _drag(widget, [(w // 2, h // 2), (w // 2 + 20, h // 2), (w // 2 + 40, h // 2 + 10)], MIDDLE)
    assert _parallel(window)
    # Turning the view with the left button goes back to the choice (perspective).
    direction = np.asarray(_camera(window).GetDirectionOfProjection())
    _drag(widget, [(w // 2, h // 2), (w // 2 + 30, h // 2 + 20), (w // 2 + 60, h // 2 + 40)])
    assert not np.allclose(_camera(window).GetDirectionOfProjection(), direction)
    assert not _parallel(window)
    window.viewport.plotter.render()
    assert not action.isChecked()
    # Iso follows the choice: perspective now, orthographic once O is on; then turning
    # the view stays orthographic.
    press_shortcut(qtbot, window, Qt.Key.Key_I)
    assert not _parallel(window)
    press_shortcut(qtbot, window, Qt.Key.Key_O)
    press_shortcut(qtbot, window, Qt.Key.Key_T)
    press_shortcut(qtbot, window, Qt.Key.Key_I)
    assert _parallel(window)
    _drag(widget, [(w // 2, h // 2), (w // 2 + 30, h // 2 + 20), (w // 2 + 60, h // 2 + 40)])
    assert _parallel(window)


@pytest.fixture
def labeling_from_top(qtbot, main_window, tmp_path, monkeypatch, scene):
    """The sample from the top (orthographic), in Label mode, every sample point unlabeled."""
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, 0.05)
    wait_for_preview(qtbot, main_window)  # the panel's live preview would cover the sample
    session.set_sample_labels(np.full(len(session.state.sample), UNLABELED, np.uint8))
    session.set_display(replace(session.state.display, show="sample", point_size=3.0))
    main_window.actions_by_key["label_mode"].trigger()
    press_shortcut(qtbot, main_window, Qt.Key.Key_T)
    main_window.viewport.plotter.render()
    qtbot.wait(50)
    assert _parallel(main_window)
    return session, main_window


def test_lasso_in_orthographic_selects_exactly_the_points_inside_it(qtbot, labeling_from_top):
    session, window = labeling_from_top
    session.labeling.set_options(
        tool="lasso", active_class=PLANT, visible_only=False, protect="none"
    )
    widget = window.viewport.plotter
    w, h = widget.width(), widget.height()
    t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    xs = w / 2 + 0.22 * w * np.cos(t) * (1 + 0.25 * np.sin(3 * t))
    ys = h / 2 + 0.28 * h * np.sin(t)
    path = [(int(round(x)), int(round(y))) for x, y in zip(xs, ys, strict=True)]
    matrix = np.asarray(window.viewport.sample_layer.actor.user_matrix, np.float64)
    sample = session.state.sample.xyz.astype(np.float64)
    shown = sample @ matrix[:3, :3].T + matrix[:3, 3]
    ratio = widget.devicePixelRatioF()
    inside = Polygon2D(np.array(path, np.float64) * ratio).contains_points(
        _screen(window, "sample", shown)
    )
    assert 500 < inside.sum() < len(sample) // 2
    before = session.state.labels_sample.copy()
    _drag(widget, path)
    qtbot.waitUntil(window.painting.settled, timeout=20_000)
    changed = session.state.labels_sample != before
    np.testing.assert_array_equal(np.flatnonzero(changed), np.flatnonzero(inside))
    assert (session.state.labels_sample[inside] == PLANT).all()


def test_tile_rectangle_from_the_top_crops_the_box_it_covers(
    qtbot, main_window, scene, tmp_path, monkeypatch
):
    from tests.gui.test_tile_draw import _crop

    window = main_window
    session = load_review_scene(window, tmp_path, monkeypatch, scene, 0.05)
    session.set_display(replace(session.state.display, show="full"))
    press_shortcut(qtbot, window, Qt.Key.Key_T)
    window.viewport.plotter.render()
    assert _parallel(window)
    widget = window.viewport.plotter
    w, h = widget.width(), widget.height()
    start, end = (int(w * 0.3), int(h * 0.35)), (int(w * 0.65), int(h * 0.7))
    left, top, _, _ = renderer_rect(window.viewport, "full")
    ratio = widget.devicePixelRatioF()
    corners = [
        _world(window, "full", ((x - left) * ratio, (y - top) * ratio)) for x, y in (start, end)
    ]
    _crop(qtbot, window, start, end)
    (x0, y0, z0), (x1, y1, z1) = session.state.display.tile
    drawn_x = sorted(c[0] for c in corners)
    drawn_y = sorted(c[1] for c in corners)
    # The points under the rectangle at every height: their box is the drawn one in x and
    # y, within the spacing of the room's points (a perspective view's frustum would
    # take the floor well beyond it), and from the floor to the tops of the furniture.
    spacing = 0.03
    assert drawn_x[0] - 1e-6 <= x0 < drawn_x[0] + spacing
    assert drawn_x[1] - spacing < x1 <= drawn_x[1] + 1e-6
    assert drawn_y[0] - 1e-6 <= y0 < drawn_y[0] + spacing
    assert drawn_y[1] - spacing < y1 <= drawn_y[1] + 1e-6
    assert z1 - z0 > 0.5


def test_the_choice_survives_a_restart(qtbot, main_window, dialogs, scene):
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.settings import Settings

    press_shortcut(qtbot, main_window, Qt.Key.Key_O)
    assert main_window.settings.orthographic()
    path = main_window.settings.path
    assert "orthographic=true" in path.read_text()  # on disk at once
    again = MainWindow(Session(), Settings(path))
    try:
        again.show()
        qtbot.waitExposed(again)
        assert again.actions_by_key["orthographic"].isChecked()
        again.session.set_cloud(replace(scene[0]), None)  # a new cloud: the Iso preset
        assert _parallel(again)
        press_shortcut(qtbot, again, Qt.Key.Key_O)
        assert not _parallel(again)
    finally:
        wait_for_preview(qtbot, again)
        again.close()
        again.deleteLater()
    assert not Settings(path).orthographic()


def test_a_project_reopens_in_its_projection(qtbot, main_window, data_dir, tmp_path):
    from core.project_file import load_project, save_project

    window = main_window
    wait_for_job(qtbot, window.open_file(data_dir / "test55.xyz"))
    assert not _parallel(window)
    press_shortcut(qtbot, window, Qt.Key.Key_T)
    _wheel(window.viewport.plotter, 1)
    camera = window.viewport.camera_state()
    assert camera["parallel"]
    path = tmp_path / "top.dlproj"
    wait_for_job(qtbot, window.projects.save_to(str(path)))
    wait_for_job(qtbot, window.open_file(data_dir / "test55.xyz"))  # Iso, perspective
    assert not _parallel(window)
    with qtbot.waitSignal(window.projects.opened, timeout=60_000):
        window.projects.open_project(str(path))
    reopened = window.viewport.camera_state()
    for key, value in camera.items():
        assert reopened[key] == pytest.approx(value), key
    window.viewport.plotter.render()
    assert window.actions_by_key["orthographic"].isChecked()
    # A project saved before the flag existed opens in perspective.
    old = load_project(path)
    assert old.camera is not None
    old.camera = {k: v for k, v in old.camera.items() if not k.startswith("parallel")}
    save_project(tmp_path / "old.dlproj", old)
    with qtbot.waitSignal(window.projects.opened, timeout=60_000):
        window.projects.open_project(str(tmp_path / "old.dlproj"))
    assert not _parallel(window)
    assert window.viewport.camera_state()["position"] == pytest.approx(camera["position"])


def test_presets_fit_a_cloud_bigger_than_the_display_budget(qtbot, main_window, scene):
    """The drawn rows of a big cloud are sorted: fitting their first 50k fitted the start of
    the file only (here the half of a cloud written from x = 0 up)."""
    window = main_window
    room = scene[0]
    along_x = room.with_xyz(room.xyz[np.argsort(room.xyz[:, 0])])
    window.viewport.set_display_budget(100_000)  # fewer than the 120k points: a subset
    window.session.set_cloud(along_x, None)
    assert window.viewport.display_index is not None
    press_shortcut(qtbot, window, Qt.Key.Key_T)
    window.viewport.plotter.render()
    screen = _screen(window, "full", along_x.xyz)
    width, height = window.viewport.plotter.renderers[0].GetSize()
    lo, hi = np.percentile(screen, [0.5, 99.5], axis=0)
    assert (lo > 0).all() and hi[0] < width and hi[1] < height  # the whole room on screen
    assert 0.84 < _fill(window, along_x.xyz) < 0.9


def test_fit_fits_the_tile_shown(qtbot, main_window, scene, tmp_path, monkeypatch):
    window = main_window
    session = load_review_scene(window, tmp_path, monkeypatch, scene, 0.05)
    session.set_display(replace(session.state.display, show="full"))
    cloud = session.state.cloud
    tile = ((1.0, 1.0, -1.0), (2.5, 2.0, 5.0))
    session.set_display(replace(session.state.display, tile=tile))
    inside = np.all((cloud.xyz >= tile[0]) & (cloud.xyz <= tile[1]), axis=1)
    press_shortcut(qtbot, window, Qt.Key.Key_T)
    window.viewport.plotter.render()
    assert 0.84 < _fill(window, cloud.xyz[inside]) < 0.9


def test_a_screenshot_of_the_orthographic_view(qtbot, main_window, scene, tmp_path):
    from PySide6.QtGui import QImage

    from gui.screenshot import save_window

    window = main_window
    window.session.set_cloud(replace(scene[0]), None)
    press_shortcut(qtbot, window, Qt.Key.Key_T)
    path = tmp_path / "top.png"
    view = window.viewport
    save_window(window, view.plotter, view.image(), path)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (window.width(), window.height())
    # The room's floor fills most of the view's middle: not the background.
    corner = view.plotter.mapTo(window, view.plotter.rect().center())
    colour = image.pixelColor(corner.x(), corner.y())
    assert (colour.red(), colour.green(), colour.blue()) != (30, 30, 36)
    assert _parallel(window)
