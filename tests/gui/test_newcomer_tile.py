"""Issue 9.9 (part): a tile typed as numbers, a crop box that starts inside the view, and
legend counts that follow the tile."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.gui.test_newcomer_stale import type_into


def test_tile_typed_as_numbers_and_counts_follow_it(qtbot, main_window):
    from core.scene import SCENE_CLASSES, make_scene

    room = make_scene(150_000, seed=6)
    session = main_window.session
    session.set_cloud(room, None)
    session.set_classes(SCENE_CLASSES)
    legend = main_window.panels["Labels"].legend
    assert sum(legend.counts().values()) == len(room)

    qtbot.mouseClick(legend.tile_numbers_button, Qt.MouseButton.LeftButton)
    from gui.panels.review_tile_box import TileBoxDialog

    dialog = next(d for d in legend.findChildren(TileBoxDialog) if d.isVisible())
    lo, hi = (0.5, 0.5, -1.0), (2.0, 2.5, 3.0)
    for row, corner in enumerate((lo, hi)):
        for axis, value in enumerate(corner):
            type_into(qtbot, dialog.spins[row][axis], f"{value:.3f}")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert session.state.display.tile == (lo, hi)

    inside = np.all((room.xyz >= lo) & (room.xyz <= hi), axis=1)
    counts = legend.counts()
    assert sum(counts.values()) == inside.sum()
    for class_id, n in counts.items():
        assert n == int((room.labels[inside] == class_id).sum())
    assert "inside the tile" in legend.caption.text()
    assert main_window.viewport.full_layer.n_points == inside.sum()
    qtbot.mouseClick(legend.clear_tile_button, Qt.MouseButton.LeftButton)
    assert sum(legend.counts().values()) == len(room)


def test_crop_box_starts_inside_the_view(qtbot, main_window):
    from core.scene import make_scene

    main_window.session.set_cloud(make_scene(50_000, seed=6), None)
    legend = main_window.panels["Labels"].legend
    visible = main_window.viewport.full_layer.actor.GetBounds()  # the whole cloud on screen
    qtbot.mouseClick(legend.tile_button, Qt.MouseButton.LeftButton)
    plotter = main_window.viewport.plotter
    from vtkmodules.vtkCommonDataModel import vtkPolyData

    outline = vtkPolyData()
    plotter.widgets.box_widgets[0].GetPolyData(outline)
    bounds = outline.GetBounds()
    for axis in (0, 1):  # x and y: the middle half of what is shown
        shown = visible[2 * axis + 1] - visible[2 * axis]
        width = bounds[2 * axis + 1] - bounds[2 * axis]
        assert 0.4 * shown < width < 0.8 * shown  # the middle half, inflated 1.25x
        assert bounds[2 * axis] > visible[2 * axis]
    qtbot.mouseClick(legend.tile_button, Qt.MouseButton.LeftButton)  # off again
