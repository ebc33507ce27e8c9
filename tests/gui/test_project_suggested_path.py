"""Save Project suggests the scan's output folder, never the folder of the scan itself."""

from __future__ import annotations

from pathlib import Path

from tests.gui.conftest import wait_for_job


def test_save_project_suggests_the_scans_output_folder(
    main_window, qtbot, monkeypatch, data_dir, tmp_path
) -> None:
    import gui.project_controller as controller

    asked: list[str] = []

    def choose(parent, title, suggested, *args):
        asked.append(suggested)
        return "", ""  # the user cancels: nothing is written

    monkeypatch.setattr(controller.QFileDialog, "getSaveFileName", staticmethod(choose))
    before = sorted(p.name for p in data_dir.iterdir())
    wait_for_job(qtbot, main_window.open_file(str(data_dir / "test55.xyz")))
    action = main_window.actions_by_key["save_project"]
    assert action.shortcut().toString() == "Ctrl+S"
    action.trigger()  # File > Save Project
    qtbot.waitUntil(lambda: bool(asked), timeout=5_000)
    suggested = Path(asked[0])
    assert suggested.parent == tmp_path / "outputs" / "test55"
    assert suggested.name == "test55.dlproj"
    assert sorted(p.name for p in data_dir.iterdir()) == before
