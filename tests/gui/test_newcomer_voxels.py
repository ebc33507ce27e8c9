"""Issue 9.3: voxel sizes follow the scan's scale; a target point count; settings per scan."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.spacing import scan_scale
from core.voxel import count_voxels
from tests.gui.test_newcomer_stale import open_with_ctrl_o, type_into


def kept_share(window) -> float:
    panel = window.panels["Downsample"]
    assert panel.preview.latest is not None
    return len(panel.preview.latest.sample) / len(window.session.state.cloud)


@pytest.mark.parametrize("name", ["test55.xyz", "autzen_trim.las"])
def test_range_and_default_come_from_the_scan(qtbot, main_window, data_dir, monkeypatch, name):
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / name)
    panel = main_window.panels["Downsample"]
    cloud = main_window.session.state.cloud
    scale = scan_scale(cloud.xyz)
    lo, hi = scale.voxel_range()
    assert panel.range_cm == pytest.approx((lo * 100, hi * 100))
    assert panel.voxel_cm.minimum() == pytest.approx(lo * 100)
    assert panel.voxel_cm.maximum() == pytest.approx(hi * 100)
    assert main_window.session.state.downsample.voxel_size == pytest.approx(scale.default_voxel())
    # The fixed 5 cm kept 0.33 % of test55 and 100 % of autzen: now both are thinned.
    assert 0.15 < kept_share(main_window) < 0.65
    # Opening a scan does not switch the view; moving the slider does.
    assert main_window.session.state.display.show == "full"
    qtbot.mouseClick(panel.voxel_slider, Qt.MouseButton.LeftButton)
    qtbot.keyClick(panel.voxel_slider, Qt.Key.Key_End)  # the largest voxel of the range
    assert panel.voxel_cm.value() == pytest.approx(hi * 100)
    assert main_window.session.state.display.show == "side-by-side"


def test_target_point_count_for_voxel_methods(qtbot, main_window, data_dir, monkeypatch):
    from tests.gui.conftest import wait_for_preview

    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "brighton_small.xyz")
    panel = main_window.panels["Downsample"]
    assert panel.target.value() == 401_286  # the recommended 500,000, or the cloud if smaller
    assert not panel.target.isEnabled()
    panel.voxel_by.setFocus()
    qtbot.keyClick(panel.voxel_by, Qt.Key.Key_Down)  # "Point count"
    assert panel.by() == "count"
    assert panel.target.isEnabled() and not panel.voxel_slider.isEnabled()
    type_into(qtbot, panel.target, "40000")
    wait_for_preview(qtbot, main_window)
    voxel = main_window.session.state.downsample.voxel_size
    got = len(panel.preview.latest.sample)
    assert got == count_voxels(main_window.session.state.cloud.xyz, voxel)
    assert 32_000 < got < 48_000, got
    assert panel.voxel_cm.value() == pytest.approx(voxel * 100, abs=0.01)


def test_settings_are_remembered_per_scan(qtbot, main_window, data_dir, monkeypatch):
    panel = main_window.panels["Downsample"]
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "brighton_small.xyz")
    type_into(qtbot, panel.voxel_cm, "50")
    assert main_window.session.state.downsample.voxel_size == pytest.approx(0.5)
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "test55.xyz")
    test55_default = scan_scale(main_window.session.state.cloud.xyz).default_voxel()
    assert main_window.session.state.downsample.voxel_size == pytest.approx(test55_default)
    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "brighton_small.xyz")
    assert main_window.session.state.downsample.voxel_size == pytest.approx(0.5)
    assert panel.voxel_cm.value() == pytest.approx(50.0)


def test_sizes_wait_for_the_new_scans_spacing(qtbot, main_window, data_dir, monkeypatch):
    """While a new scan's spacing is measured the last scan's sizes are greyed, not offered."""
    import threading

    import gui.panels.downsample_panel as panel_module
    from core.io import read_cloud

    measured = threading.Event()

    def slow_scale(xyz, progress=None, cancel=None):
        measured.wait(30)
        return scan_scale(xyz, progress=progress, cancel=cancel)

    open_with_ctrl_o(qtbot, main_window, monkeypatch, data_dir / "brighton_small.laz")
    panel = main_window.panels["Downsample"]
    qtbot.waitUntil(lambda: panel.voxel_cm.isEnabled(), timeout=30_000)
    monkeypatch.setattr(panel_module, "scan_scale", slow_scale)
    main_window.session.set_cloud(read_cloud(data_dir / "autzen_trim.las"), None)
    assert not panel.voxel_cm.isEnabled() and not panel.voxel_slider.isEnabled()
    assert panel.time_label.text() == "measuring the point spacing..."
    measured.set()
    qtbot.waitUntil(lambda: panel.voxel_cm.isEnabled(), timeout=30_000)
    autzen = scan_scale(main_window.session.state.cloud.xyz)
    assert main_window.session.state.downsample.voxel_size == pytest.approx(autzen.default_voxel())
