"""Issue 9.10: outputs go to a per-scan output folder, never beside the input unless chosen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.conftest import shared_data_dir
from tests.gui.test_newcomer_stale import open_with_ctrl_o, press_shortcut

SHARED = shared_data_dir().resolve()


def save_downsampled(qtbot, window, monkeypatch, answer) -> str:
    """File > Save Downsampled (Ctrl+E); the save dialog answers `answer(suggested)`, never
    a path in the shared data folder; returns what it suggested."""
    import gui.main_window

    asked = []

    def dialog(parent, caption, suggested, *rest):
        asked.append(suggested)
        chosen = answer(suggested)
        if chosen and Path(chosen).resolve().parent == SHARED:
            return "", ""  # the test fails below; the shared scans are never written to
        return chosen, ""

    monkeypatch.setattr(gui.main_window.QFileDialog, "getSaveFileName", dialog)
    press_shortcut(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert asked, "Ctrl+S did not ask where to save"
    return asked[0]


def test_outputs_go_to_the_scans_output_folder(qtbot, main_window, data_dir, monkeypatch, tmp_path):
    window = main_window
    window.settings.set_output_root(tmp_path / "out")
    open_with_ctrl_o(qtbot, window, monkeypatch, data_dir / "test55.xyz")
    panel = window.panels["Downsample"]
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    suggested = Path(save_downsampled(qtbot, window, monkeypatch, lambda s: s))
    assert suggested.parent == tmp_path / "out" / "test55"
    assert suggested.parent != data_dir
    qtbot.waitUntil(suggested.exists, timeout=30_000)
    ground_truth = window.panels["Ground Truth"]
    assert Path(ground_truth.form.folder.text()) == tmp_path / "out" / "test55" / "groundtruth"

    # The user chooses another folder once: it becomes the root for every scan.
    elsewhere = tmp_path / "chosen"
    elsewhere.mkdir()
    save_downsampled(qtbot, window, monkeypatch, lambda s: str(elsewhere / "mine.ply"))
    assert window.settings.output_root() == elsewhere
    open_with_ctrl_o(qtbot, window, monkeypatch, data_dir / "brighton_small.xyz")
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    suggested = Path(save_downsampled(qtbot, window, monkeypatch, lambda s: ""))
    assert suggested.parent == elsewhere / "brighton_small"
    assert Path(ground_truth.form.folder.text()) == elsewhere / "brighton_small" / "groundtruth"
    assert not any(p.name.startswith("brighton_small-") for p in data_dir.iterdir())
