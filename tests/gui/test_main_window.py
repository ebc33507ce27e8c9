"""The window on a real scan: open, rotate, downsample with a live preview, errors, screenshots."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gui.conftest import wait_for_job, wait_for_preview


@pytest.fixture
def brighton(qtbot, main_window, data_dir):
    """The main window with brighton_small.xyz opened through the real reader."""
    job = main_window.open_file(data_dir / "brighton_small.xyz")
    wait_for_job(qtbot, job)
    wait_for_preview(qtbot, main_window)
    return main_window


def test_open_shows_the_cloud_and_its_facts(brighton):
    state = brighton.session.state
    assert state.cloud is not None and len(state.cloud) == 401_286
    panel = brighton.panels["File"]
    assert panel.points_label.text() == "401,286"
    assert panel.name_label.text() == "brighton_small.xyz"
    assert "rgb" in panel.fields_label.text()
    assert "brighton_small.xyz" in brighton.windowTitle()
    assert brighton.settings.recent_files()[0].endswith("brighton_small.xyz")


def test_rotation_slider_turns_the_view_not_the_data(qtbot, brighton):
    cloud = brighton.session.state.cloud
    before = cloud.xyz.copy()
    camera = brighton.viewport.plotter.renderers[0].GetActiveCamera()
    focal = np.asarray(camera.GetFocalPoint())
    panel = brighton.panels["Orient"]
    from gui.panels.orient_panel import degrees_to_slider

    panel.sliders["z"].setValue(degrees_to_slider(45.0))  # cubic: fine near 0
    assert brighton.session.state.rotation.z == pytest.approx(45.0)
    assert panel.spins["z"].value() == pytest.approx(45.0)
    matrix = np.asarray(brighton.viewport.full_layer.actor.user_matrix)
    assert matrix[0, 0] == pytest.approx(np.cos(np.radians(45)))
    np.testing.assert_array_equal(brighton.session.state.cloud.xyz, before)
    # Turning about the origin moves the centroid; the camera follows it so the cloud stays
    # on screen.
    centre = before.mean(axis=0)
    c, s = np.cos(np.radians(45)), np.sin(np.radians(45))
    moved = np.array([c * centre[0] - s * centre[1], s * centre[0] + c * centre[1], centre[2]])
    shift = np.asarray(camera.GetFocalPoint()) - focal
    np.testing.assert_allclose(shift, moved - centre, atol=1e-6)
    panel.reset_button.click()
    assert brighton.session.state.rotation.is_identity()
    assert panel.sliders["z"].value() == 0


def test_voxel_preview_count_equals_core(qtbot, brighton):
    from core.downsample import downsample
    from core.rotate import rotate

    brighton.panels["Orient"].spins["y"].setValue(10.0)
    panel = brighton.panels["Downsample"]
    panel.method.setCurrentIndex(panel.method.findData("voxel-nearest"))
    panel.voxel_cm.setValue(40.0)
    assert brighton.session.state.downsample.voxel_size == pytest.approx(0.40)
    # Log scale over brighton's own range (2 cm to 50 m, from its point spacing and extent).
    assert panel.range_cm == pytest.approx((2.0, 5000.0))
    assert panel.voxel_slider.value() == round(1000 * np.log(40 / 2) / np.log(5000 / 2))
    wait_for_preview(qtbot, brighton)
    cloud = brighton.session.state.cloud
    rotated = cloud.with_xyz(rotate(cloud.xyz, 0, 10, 0))
    expected = len(downsample(rotated, "voxel-nearest", voxel_size=0.40).sample)
    assert panel.count_label.text() == f"{expected:,}"
    assert len(panel.preview.latest.sample) == expected
    assert brighton.session.state.display.show == "side-by-side"
    panel.use_button.click()
    assert len(brighton.session.state.sample) == expected
    assert len(brighton.session.state.index_map) == len(cloud)


def test_slider_drag_keeps_only_the_newest_result(qtbot, brighton):
    panel = brighton.panels["Downsample"]
    for position in range(300, 900, 50):  # a drag: many settings in a row
        panel.voxel_slider.setValue(position)
    wait_for_preview(qtbot, brighton)
    result = panel.preview.latest
    assert result.settings.voxel_size == pytest.approx(brighton.session.state.downsample.voxel_size)


def test_screenshot_is_not_blank_and_follows_the_view(qtbot, brighton, tmp_path):
    viewport = brighton.viewport
    first = viewport.image()
    assert first.std() > 5  # not a flat background
    brighton.actions_by_key["view_top"].trigger()
    top = viewport.image()
    assert np.abs(top.astype(int) - first.astype(int)).mean() > 1
    brighton._set_display(color_by="height")
    height = viewport.image()
    assert np.abs(height.astype(int) - top.astype(int)).mean() > 1
    path = tmp_path / "view.png"
    viewport.screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_bad_file_shows_a_dialog_and_keeps_the_cloud(qtbot, brighton, dialogs, tmp_path):
    bad = tmp_path / "broken.xyz"
    bad.write_text("1,2,3\nnot,a,number\n")
    cloud = brighton.session.state.cloud
    wait_for_job(qtbot, brighton.open_file(bad))
    assert len(dialogs) == 1
    title, sentence = dialogs[0]
    assert "broken.xyz" in title + sentence
    assert "Traceback" not in sentence
    assert brighton.session.state.cloud is cloud
    missing = tmp_path / "nowhere.ply"
    wait_for_job(qtbot, brighton.open_file(missing))
    assert len(dialogs) == 2 and brighton.session.state.cloud is cloud


def test_save_downsampled_round_trips(qtbot, brighton, tmp_path):
    from core.io import read_cloud

    panel = brighton.panels["Downsample"]
    panel.voxel_cm.setValue(30.0)
    wait_for_preview(qtbot, brighton)
    panel.use_sample()
    path = tmp_path / "sample.ply"
    wait_for_job(qtbot, brighton.write_sample(str(path)))
    assert len(read_cloud(path)) == len(brighton.session.state.sample)


def test_compare_two_voxel_sizes_side_by_side(qtbot, brighton):
    box = brighton.panels["Downsample"].compare
    box.voxel_cm.setValue(50.0)
    box.toggle.setChecked(True)
    qtbot.waitUntil(brighton.viewport.is_comparing, timeout=30_000)
    viewport = brighton.viewport
    assert viewport.decor.mode == "side-by-side"
    assert viewport.sample_layer.n_points < viewport.full_layer.n_points
    box.toggle.setChecked(False)
    assert not viewport.is_comparing()


def test_settings_remembered(qtbot, main_window, tmp_path):
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.settings import Settings

    main_window.panels["Downsample"].voxel_cm.setValue(12.5)
    main_window.close()
    again = MainWindow(Session(), Settings(tmp_path / "settings.ini"))
    try:
        assert again.session.state.downsample.voxel_size == pytest.approx(0.125)
        assert again.panels["Downsample"].voxel_cm.value() == pytest.approx(12.5)
    finally:
        again.close()


def test_preview_failure_is_shown_in_the_panel_not_as_dialogs(
    qtbot, brighton, dialogs, monkeypatch
):
    import gui.preview
    from core.errors import InputError

    def too_small(*args, **kwargs):
        raise InputError("the voxel size is too small for a cloud this large; use a larger one.")

    monkeypatch.setattr(gui.preview, "exact_downsample", too_small)
    panel = brighton.panels["Downsample"]
    for cm in (1.0, 2.0, 3.0):
        panel.voxel_cm.setValue(cm)
    wait_for_preview(qtbot, brighton)
    assert "too small" in panel.time_label.text()
    assert dialogs == [] and not panel.use_button.isEnabled()


def test_sample_stays_aligned_when_the_cloud_turns_after_sampling(qtbot, brighton):
    panel = brighton.panels["Downsample"]
    panel.voxel_cm.setValue(30.0)
    wait_for_preview(qtbot, brighton)
    panel.use_sample()
    assert brighton.session.state.sample_rotation.is_identity()
    brighton.panels["Orient"].spins["z"].setValue(30.0)
    full = np.asarray(brighton.viewport.full_layer.actor.user_matrix)
    sample = np.asarray(brighton.viewport.sample_layer.actor.user_matrix)
    np.testing.assert_allclose(sample, full, atol=1e-12)  # sample made at 0 degrees
    wait_for_preview(qtbot, brighton)
