"""The class legend inside the view: the classes shown, hidden ones left out, gone by height."""

from __future__ import annotations

from dataclasses import replace

from gui.view_legend import MAX_ROWS
from tests.gui.conftest import wait_for_job


def _rows(names: list[str]) -> list[str]:
    """What the legend shows for `names`: all of them, or the first ones and a count."""
    if len(names) <= MAX_ROWS:
        return names
    return names[: MAX_ROWS - 1] + [f"... {len(names) - MAX_ROWS + 1} more"]


def test_the_view_lists_the_classes_it_colours(qtbot, main_window, data_dir, tmp_path):
    from core.labels_io import read_labels

    wait_for_job(qtbot, main_window.open_file(str(data_dir / "test55.xyz")))
    session = main_window.session
    session.set_truth(read_labels(data_dir / "test55.labels", n_expected=175_178))
    legend = main_window.viewport.decor.legend
    names = [c.name for c in session.state.classes]
    assert len(names) > MAX_ROWS  # test55.classes.txt beside the scan: more than fit
    session.set_display(replace(session.state.display, color_by="labels", show="full"))
    qtbot.waitUntil(lambda: legend.names == _rows(names), timeout=10_000)
    assert legend.actor.GetVisibility()
    hidden = session.state.classes[1]
    session.set_display(replace(session.state.display, hidden_classes=frozenset({hidden.id})))
    shown = [n for n in names if n != hidden.name]
    qtbot.waitUntil(lambda: legend.names == _rows(shown), timeout=10_000)
    main_window.viewport.plotter.render()
    main_window.viewport.screenshot(str(tmp_path / "legend.png"))
    session.set_display(replace(session.state.display, color_by="height"))
    qtbot.waitUntil(lambda: not legend.actor.GetVisibility(), timeout=10_000)


def test_painting_the_full_cloud_names_its_grey(qtbot, main_window):
    """Painting the full cloud starts from unlabeled points: the legend says what grey is."""
    import numpy as np

    from core.scene import SCENE_CLASSES, make_scene

    session = main_window.session
    session.set_cloud(make_scene(30_000, seed=3), "room.ply")  # known labels, none painted
    session.set_classes(SCENE_CLASSES)
    session.set_display(replace(session.state.display, color_by="labels", show="full"))
    legend = main_window.viewport.decor.legend
    names = [c.name for c in SCENE_CLASSES]
    qtbot.waitUntil(lambda: legend.names == _rows(names), timeout=10_000)
    session.labeling.paint("full", np.arange(0, 500), SCENE_CLASSES[1].id)
    qtbot.waitUntil(lambda: legend.names == _rows([*names, "unlabeled"]), timeout=10_000)
    session.set_display(replace(session.state.display, show_unlabeled=False))
    qtbot.waitUntil(lambda: legend.names == _rows(names), timeout=10_000)


def test_a_sample_keeping_its_files_labels_has_the_legend(qtbot, main_window):
    """Side by side, a voxel-nearest sample coloured by the labels it kept gets the legend."""
    from core.downsample import downsample
    from core.scene import SCENE_CLASSES, make_scene
    from gui.session import DownsampleSettings

    session = main_window.session
    cloud = make_scene(30_000, seed=4)
    session.set_cloud(cloud, "room.ply")
    session.set_classes(SCENE_CLASSES)
    down = downsample(cloud, "voxel-nearest", voxel_size=0.1)
    assert down.sample.labels is not None
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.1))
    assert session.state.labels_sample is None  # nobody labeled the sample yet
    session.set_display(replace(session.state.display, color_by="labels", show="side-by-side"))
    legend = main_window.viewport.decor.legend
    names = [c.name for c in SCENE_CLASSES]
    qtbot.waitUntil(lambda: legend.names == _rows(names) and legend._column == 1, timeout=10_000)
