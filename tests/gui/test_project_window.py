"""Projects in the window: save and reopen identical, the unsaved mark, the close prompt,
a moved source, autosave files."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from core.project import ORIGIN_HAND
from tests.gui.conftest import wait_for_job, wait_for_preview

Button = QMessageBox.StandardButton


@pytest.fixture
def scan(tmp_path, data_dir) -> Path:
    """A copy of a real scan (tests move it)."""
    return Path(shutil.copy(data_dir / "test55.xyz", tmp_path / "test55.xyz"))


def open_and_label(qtbot, window, path: Path) -> None:
    """Open `path`, rotate, downsample, label the sample, carry back, change the view."""
    from core.classes import make_classes
    from core.downsample import downsample
    from core.rotate import rotate
    from gui.session import DisplaySettings, DownsampleSettings, Rotation, TransferSettings

    wait_for_job(qtbot, window.open_file(path))
    wait_for_preview(qtbot, window)
    session = window.session
    rotation = Rotation(z=25.0, y=0.0, x=-10.0, about="centroid")
    session.set_rotation(rotation)
    cloud = session.state.cloud
    turned = cloud.with_xyz(rotate(cloud.xyz, 25.0, 0.0, -10.0, about="centroid"))
    down = downsample(turned, "voxel-nearest", voxel_size=0.02)
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.02))
    session.set_classes(make_classes(["table", "box", "cup"], first_id=1))
    labels = np.random.default_rng(1).integers(1, 4, len(down.sample)).astype(np.uint8)
    session.set_sample_labels(labels)
    session.set_transfer_settings(TransferSettings("knn", 7, "uniform", 0.05))
    session.set_full_labels(labels[down.index_map])
    session.set_display(
        DisplaySettings(show="side-by-side", color_by="labels", point_size=4.0,
                        hidden_classes=frozenset({2}), blend=0.25)
    )  # fmt: skip
    session.labeling.paint("sample", np.arange(0, 50), 2)  # hand-set labels, undoable
    session.labeling.paint("full", np.arange(100, 400), 3)
    window.viewport.camera_preset("top")
    camera = window.viewport.plotter.renderers[0].GetActiveCamera()
    camera.Azimuth(17.0)
    camera.Zoom(1.4)
    window.viewport.update_view()


def screen_points(window, xyz: np.ndarray) -> np.ndarray:
    """Where world points land on screen in the full view, in pixels."""
    renderer = window.viewport.plotter.renderers[0]
    out = []
    for point in xyz:
        renderer.SetWorldPoint(*point, 1.0)
        renderer.WorldToDisplay()
        out.append(renderer.GetDisplayPoint()[:2])
    return np.asarray(out)


def state_arrays(state) -> dict[str, np.ndarray]:
    arrays = {
        "sample_xyz": state.sample.xyz,
        "sample_rgb": state.sample.rgb,
        "index_map": state.index_map,
        "labels_sample": state.labels_sample,
        "labels_full": state.labels_full,
        "label_origin": state.label_origin,
        "cloud_xyz": state.cloud.xyz,
        "cloud_rgb": state.cloud.rgb,
    }
    if state.truth_full is not None:
        arrays["truth_full"] = state.truth_full
    return arrays


def test_a_saved_project_reopens_identical(qtbot, main_window, scan, tmp_path, capsys):
    window = main_window
    open_and_label(qtbot, window, scan)
    state = window.session.state
    before = {k: v.copy() for k, v in state_arrays(state).items()}
    settings = (state.rotation, state.downsample, state.sample_settings, state.sample_rotation,
                state.classes, state.transfer, state.display, state.path)  # fmt: skip
    probes = state.cloud.xyz[:: len(state.cloud) // 7][:7]
    pixels = screen_points(window, probes)
    camera = window.viewport.camera_state()
    assert window.isWindowModified()
    path = tmp_path / "tabletop.dlproj"
    wait_for_job(qtbot, window.projects.save_to(str(path)))
    assert not window.isWindowModified()
    assert window.windowTitle() == "tabletop.dlproj[*] - DenseLabel"
    assert window.settings.recent_projects()[0] == str(path.resolve())

    wait_for_job(qtbot, window.open_file(tmp_path / "test55.xyz"))  # another session
    assert window.session.state.sample is None
    with qtbot.waitSignal(window.projects.opened, timeout=60_000):
        window.projects.open_project(str(path))
    state = window.session.state
    for name, array in state_arrays(state).items():
        assert array.dtype == before[name].dtype, name
        np.testing.assert_array_equal(array, before[name], err_msg=name)
    assert (state.rotation, state.downsample, state.sample_settings, state.sample_rotation,
            state.classes, state.transfer, state.display, state.path) == settings  # fmt: skip
    reopened = window.viewport.camera_state()
    for key, value in camera.items():
        assert reopened[key] == pytest.approx(value), key
    assert np.abs(screen_points(window, probes) - pixels).max() < 1.0
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("tabletop.dlproj")
    # The strokes come back undoable: undoing the last one gives the carried labels back.
    assert (state.label_origin[100:400] == ORIGIN_HAND).all()
    assert window.session.labeling.undo_stack.count() == 2
    window.session.labeling.undo_stack.undo()
    carried = state.labels_sample[state.index_map]
    np.testing.assert_array_equal(state.labels_full[100:400], carried[100:400])
    assert (state.label_origin[100:400] != ORIGIN_HAND).all()
    assert window.isWindowModified()

    # The same file finishes in a script: the CLI exports the labels the window made.
    from core.cli import main
    from core.io import read_cloud

    out = tmp_path / "labeled.ply"
    assert main(["export", str(path), "-o", str(out)]) == 0
    np.testing.assert_array_equal(read_cloud(out).labels, before["labels_full"])


def test_the_unsaved_mark_and_the_close_prompt(qtbot, main_window, scan, tmp_path, monkeypatch):
    import gui.project_controller as controller_module
    from gui.session import Rotation

    window = main_window
    wait_for_job(qtbot, window.open_file(scan))
    assert not window.isWindowModified()  # only opened: nothing to lose
    assert window.windowTitle() == "test55.xyz[*] - DenseLabel"
    window.session.set_rotation(Rotation(z=5.0))
    assert window.isWindowModified()

    answers: list[Button] = []
    asked: list[str] = []

    class Answering:
        @staticmethod
        def question(parent, title, text, *args):
            asked.append(text)
            return answers.pop(0)

    monkeypatch.setattr(controller_module, "QMessageBox", Answering)
    path = tmp_path / "kept.dlproj"
    monkeypatch.setattr(
        controller_module.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "")
    )
    answers.append(Button.Cancel)
    assert not window.close()
    assert window.isVisible() and "Save the changes to test55.xyz" in asked[-1]
    answers.append(Button.Save)  # saves (asks where: a new project), then closes
    assert not window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    from core.project_file import load_project

    assert load_project(path).rotation["z"] == 5.0
    assert len(asked) == 2


def test_a_moved_source_is_said_and_located(qtbot, main_window, scan, tmp_path, monkeypatch):
    import gui.project_controller as controller_module

    window = main_window
    open_and_label(qtbot, window, scan)
    labels = window.session.state.labels_full.copy()
    path = tmp_path / "moved.dlproj"
    wait_for_job(qtbot, window.projects.save_to(str(path)))
    wait_for_job(qtbot, window.open_sample_scene())
    moved = scan.rename(tmp_path / "renamed.xyz")
    asked: list[str] = []

    class Answering:
        @staticmethod
        def question(parent, title, text, *args):
            asked.append(text)
            return Button.Open if title == "Source cloud" else Button.Discard

    monkeypatch.setattr(controller_module, "QMessageBox", Answering)
    monkeypatch.setattr(
        controller_module.QFileDialog, "getOpenFileName", lambda *a, **k: (str(moved), "")
    )
    with qtbot.waitSignal(window.projects.opened, timeout=60_000):
        window.projects.open_project(str(path))
    assert "no longer at" in asked[0] and "Locate the scan" in asked[0]
    assert window.session.state.path == str(moved)
    np.testing.assert_array_equal(window.session.state.labels_full, labels)
    assert window.isWindowModified()  # the project still names the old place


def test_autosave_writes_a_recovery_file_and_a_save_removes_it(qtbot, main_window, scan):
    from core.project_file import load_project

    window = main_window
    open_and_label(qtbot, window, scan)
    recovery = window.projects.recovery
    job = recovery.autosave()
    assert job is not None
    wait_for_job(qtbot, job)
    target = recovery.target()
    assert target.parent == window.settings.data_folder() / "recovery"
    assert recovery.pointer.is_file() and target.is_file()
    restored = load_project(target)
    np.testing.assert_array_equal(restored.labels_full, window.session.state.labels_full)
    assert recovery.autosave() is None  # nothing changed since
    window.session.set_display(replace(window.session.state.display, point_size=2.0))
    project = target.parent.parent / "saved.dlproj"
    wait_for_job(qtbot, window.projects.save_to(str(project)))
    assert not target.exists() and not recovery.pointer.exists()


def test_opening_another_cloud_asks_first(qtbot, main_window, scan, monkeypatch):
    import gui.main_window as window_module
    import gui.project_controller as controller_module
    from gui.session import Rotation

    window = main_window
    wait_for_job(qtbot, window.open_file(scan))
    window.session.set_rotation(Rotation(z=5.0))
    asked: list[str] = []
    file_dialogs: list[object] = []

    class Answering:
        @staticmethod
        def question(parent, title, text, *args):
            asked.append(title)
            return Button.Cancel

    monkeypatch.setattr(controller_module, "QMessageBox", Answering)
    monkeypatch.setattr(
        window_module.QFileDialog,
        "getOpenFileName",
        lambda *a, **k: file_dialogs.append(a) or ("", ""),
    )
    window.open_dialog()  # Cancel: the file dialog never opens, the rotation stays
    assert asked == ["Open a point cloud"] and file_dialogs == []
    assert window.open_sample_scene() is None
    assert window.session.state.rotation.z == 5.0
    monkeypatch.setattr(Answering, "question", staticmethod(lambda *a: Button.Discard))
