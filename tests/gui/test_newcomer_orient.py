"""Issue 9.12: finer orientation sliders, and "Level the ground" on a tilted scan."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QStyleOptionSlider


def handle_centre(slider) -> QPoint:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )
    return rect.center()


def drag(slider, dx: int) -> None:
    """Press on the handle, move `dx` pixels in small steps, release: a user's drag."""
    start = handle_centre(slider)
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):
        QTest.mouseMove(slider, QPoint(start.x() + dx * step // 10, start.y()))
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=QPoint(start.x() + dx, start.y()))


def test_a_short_drag_turns_a_few_degrees(qtbot, main_window):
    from core.scene import make_scene

    main_window.session.set_cloud(make_scene(50_000, seed=1), None)
    panel = main_window.panels["Orient"]
    slider = panel.sliders["y"]
    drag(slider, 46)  # the drag that turned the cloud 113 degrees
    turned = main_window.session.state.rotation.y
    assert 0.0 < turned < 10.0, turned
    assert panel.spins["y"].value() == pytest.approx(turned)
    # The whole range is still reachable: End goes to 180 degrees.
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_End)
    assert main_window.session.state.rotation.y == pytest.approx(180.0)


def test_level_the_ground_of_a_tilted_room(qtbot, main_window):
    from core.rotate import rotate
    from core.scene import make_scene
    from tests.gui.conftest import wait_for_job

    room = make_scene(200_000, seed=2)
    tilted = room.with_xyz(rotate(room.xyz, 0.0, 7.0, -4.0, "centroid"))
    session = main_window.session
    session.set_cloud(tilted, None)
    panel = main_window.panels["Orient"]
    panel.spins["z"].setValue(30.0)  # a heading the user chose
    qtbot.mouseClick(panel.level_button, Qt.MouseButton.LeftButton)
    wait_for_job(qtbot, panel.job)
    rotation = session.state.rotation
    levelled = rotate(tilted.xyz, rotation.z, rotation.y, rotation.x, "centroid")
    floor = levelled[np.abs(room.xyz[:, 2]) < 0.005]
    assert np.ptp(floor[:, 2]) < 0.05  # the floor is flat (it was ~0.8 m out)
    assert not rotation.is_identity()
    assert panel.spins["y"].value() == pytest.approx(rotation.y)
    # The view turned with it, the data did not.
    np.testing.assert_array_equal(session.state.cloud.xyz, tilted.xyz)
