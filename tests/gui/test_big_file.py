"""Issue 12.1 in the window: a file too big to hold opens as an overview; a box loads at full
density; the whole file is downsampled and exported labeled, each streamed in a worker.

The file is a 2M-point LAZ of the scene generator and the threshold is 500k points, so
the window treats it as it would a 200M-point survey on this machine.
"""

from __future__ import annotations

from pathlib import Path

import laspy
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from bench.bench_scale import write_scene_laz
from core.cli import main
from tests.gui.conftest import wait_for_job, wait_for_preview
from tests.gui.test_newcomer_stale import press_shortcut

N_POINTS = 2_000_000
THRESHOLD = 500_000


@pytest.fixture(scope="module")
def big_laz(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "scene.laz"
    write_scene_laz(path, N_POINTS, seed=4)  # in chunks, as the 200M benchmark writes it
    return path


def open_big(qtbot, window, monkeypatch, path) -> list[float]:
    """Ctrl+O on `path` with the threshold at 500k; the progress fractions seen."""
    import gui.main_window

    window.big_files.set_threshold(THRESHOLD)
    seen: list[float] = []
    window.session.progress.connect(lambda fraction, _: seen.append(fraction))
    monkeypatch.setattr(
        gui.main_window.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "")
    )
    press_shortcut(qtbot, window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    return seen


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def show_panel(qtbot, window, title: str) -> None:
    """Bring a panel's dock tab to the front, as a user clicks its tab."""
    from PySide6.QtWidgets import QDockWidget

    widget = window.panels[title]
    while not isinstance(widget, QDockWidget):
        widget = widget.parentWidget()
    widget.raise_()
    qtbot.waitUntil(window.panels[title].isVisible, timeout=5_000)


def crop_tile_as_numbers(qtbot, window, lo, hi) -> None:
    """The Labels panel's Numbers… dialog, typed in as a user does."""
    from gui.panels.review_tile_box import TileBoxDialog

    show_panel(qtbot, window, "Labels")
    panel = window.panels["Labels"]
    legend = panel.legend
    bar = panel.tabs.tabBar()  # the View tab, clicked
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    qtbot.waitUntil(legend.isVisible, timeout=5_000)
    click(qtbot, legend.tile_numbers_button)
    dialog = next(d for d in legend.findChildren(TileBoxDialog) if d.isVisible())
    for row, corner in enumerate((lo, hi)):
        for axis, value in enumerate(corner):
            spin = dialog.spins[row][axis]  # typed over, as a user does (Enter would accept)
            spin.setFocus()
            qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            qtbot.keyClicks(spin, f"{value:.3f}")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    click(qtbot, ok)
    assert window.session.state.display.tile == (lo, hi)


def test_big_file_overview_box_downsample_and_export(
    qtbot, main_window, monkeypatch, big_laz, tmp_path, dialogs
):
    window, session = main_window, main_window.session
    seen = open_big(qtbot, window, monkeypatch, big_laz)
    wait_for_job(qtbot, window._last_job, timeout=120_000)
    wait_for_preview(qtbot, window, timeout=120_000)
    # 1. An overview: every 4th point, said plainly in the bar and the status bar.
    state = session.state
    assert len(state.cloud) == THRESHOLD
    assert any(0 < f < 1 for f in seen)  # progress moved while the chunks were read
    las = laspy.read(big_laz)
    absolute = np.column_stack([np.asarray(las.x), np.asarray(las.y), np.asarray(las.z)])
    assert np.allclose(state.cloud.xyz + state.cloud.offset, absolute[::4], atol=1e-9, rtol=0)
    bar = window.big_files.bar
    assert bar.isVisible()
    assert bar.note.text() == (
        "Overview of scene.laz: 500,000 of 2,000,000 points (every 4th point), not the full cloud"
    )
    assert (
        bar.status_note.isVisible() and bar.status_note.text() == "Overview: 500,000 of 2M points"
    )

    # 2. Full density in a box typed as numbers.
    lo, hi = (1.0, 1.0, -1.0), (2.5, 2.0, 4.0)
    crop_tile_as_numbers(qtbot, window, lo, hi)
    click(qtbot, bar.load_button)
    wait_for_job(qtbot, window.big_files.last_job, timeout=120_000)
    relative = absolute - state.cloud.offset
    inside = np.all((relative >= lo) & (relative <= hi), axis=1)
    assert 10_000 < inside.sum() < THRESHOLD
    region = session.state.cloud
    assert len(region) == inside.sum()
    assert np.allclose(region.xyz + region.offset, absolute[inside], atol=1e-9, rtol=0)
    assert bar.note.text().startswith(f"Full density inside the box: {inside.sum():,} of 2,000,000")
    click(qtbot, bar.overview_button)
    assert len(session.state.cloud) == THRESHOLD

    # 3. The whole file downsampled in a worker equals `denselabel downsample --stream`.
    click(qtbot, bar.downsample_button)
    wait_for_job(qtbot, window.big_files.last_job, timeout=300_000)
    big = window.big_files.current
    assert isinstance(big.index_map, np.memmap) and len(big.index_map) == N_POINTS
    map_file = Path(big.index_map.filename)
    assert map_file.parent == window.settings.scan_output_folder(str(big_laz))
    sample = session.state.sample
    assert sample is big.sample
    cli_sample, cli_map = tmp_path / "cli.npy", tmp_path / "cli-map.npy"
    voxel = str(session.state.downsample.voxel_size)
    args = ["downsample", str(big_laz), "-o", str(cli_sample), "--method", "voxel-mean"]
    assert main([*args, "--voxel-size", voxel, "--map", str(cli_map), "--stream", "-q"]) == 0
    assert np.array_equal(np.load(cli_map), np.asarray(big.index_map))
    assert np.array_equal(np.load(cli_sample)[:, :3], sample.xyz + sample.offset)
    # The overview's own map: the file's map at its rows (every 4th).
    assert np.array_equal(session.state.index_map, np.load(cli_map)[::4])

    # 4. Label the sample, export every point labeled, read it back with laspy.
    labels = (np.arange(len(sample)) % 4).astype(np.uint8)
    session.set_sample_labels(labels)
    out = tmp_path / "labeled.laz"
    import gui.big_file

    monkeypatch.setattr(gui.big_file.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    click(qtbot, bar.export_button)
    wait_for_job(qtbot, window.big_files.last_job, timeout=300_000)
    written = laspy.read(out)
    assert len(written.points) == N_POINTS
    assert np.array_equal(np.asarray(written.classification), labels[np.load(cli_map)])
    assert np.array_equal(np.asarray(written.X), np.asarray(las.X))
    assert not dialogs


def test_box_needs_a_crop_first_and_cancel_stops_the_overview(
    qtbot, main_window, monkeypatch, big_laz, dialogs
):
    import gui.big_file

    window = main_window
    monkeypatch.setattr(gui.big_file, "WINDOW_CHUNK", 50_000)  # Cancel answers within a chunk
    open_big(qtbot, window, monkeypatch, big_laz)
    job = window._last_job
    press_shortcut(qtbot, window, Qt.Key.Key_Escape)
    wait_for_job(qtbot, job, timeout=120_000)
    assert job.is_cancelled() and window.session.state.cloud is None
    assert not window.big_files.bar.isVisible()

    monkeypatch.setattr(gui.big_file, "WINDOW_CHUNK", 1_000_000)
    open_big(qtbot, window, monkeypatch, big_laz)
    wait_for_job(qtbot, window._last_job, timeout=120_000)
    click(qtbot, window.big_files.bar.load_button)
    assert dialogs and "no crop box yet" in dialogs[-1][1]
    assert len(window.session.state.cloud) == THRESHOLD


def test_copc_opens_as_its_coarse_levels_and_a_box_reads_only_its_nodes(
    qtbot, main_window, monkeypatch, data_dir, dialogs
):
    from core.io.copc import read_copc

    window, session = main_window, main_window.session
    path = data_dir / "lone-star.copc.laz"  # 518,862 points
    open_big(qtbot, window, monkeypatch, path)
    wait_for_job(qtbot, window._last_job, timeout=120_000)
    wait_for_preview(qtbot, window, timeout=120_000)
    overview = session.state.cloud
    assert 0 < len(overview) <= THRESHOLD
    note = window.big_files.bar.note.text()
    assert note.startswith(f"Overview of lone-star.copc.laz: {len(overview):,} of 518,862 points")
    assert "octree level" in note

    # The Downsample panel's own sample is of the overview only, and the bar says so.
    show_panel(qtbot, window, "Downsample")
    click(qtbot, window.panels["Downsample"].use_button)
    qtbot.waitUntil(lambda: session.state.sample is not None, timeout=30_000)
    assert "The sample is of these points only" in window.big_files.bar.note.text()

    lo, hi = overview.bounds()
    box_lo = tuple(float(v) for v in lo + (hi - lo) * 0.3)
    box_hi = tuple(float(v) for v in lo + (hi - lo) * 0.5)
    box_lo, box_hi = (
        (box_lo[0], box_lo[1], float(lo[2]) - 1),
        (box_hi[0], box_hi[1], float(hi[2]) + 1),
    )
    box_lo, box_hi = (tuple(round(v, 3) for v in c) for c in (box_lo, box_hi))  # as typed
    crop_tile_as_numbers(qtbot, window, box_lo, box_hi)
    click(qtbot, window.big_files.bar.load_button)
    wait_for_job(qtbot, window.big_files.last_job, timeout=120_000)
    whole = read_copc(path)
    inside = np.all((whole.xyz >= box_lo) & (whole.xyz <= box_hi), axis=1)
    region = session.state.cloud
    assert len(region) == inside.sum() > len(overview) * 0.04
    assert np.array_equal(_sorted_rows(region.xyz), _sorted_rows(whole.xyz[inside]))
    assert not dialogs


def _sorted_rows(xyz: np.ndarray) -> np.ndarray:
    return xyz[np.lexsort(xyz.T[::-1])]
