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
