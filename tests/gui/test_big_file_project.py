"""A project made on a file too big to hold reopens as it was: the same overview, the box
at full density, the streamed sample with its labels and its index map on disk, without
ever reading the file whole (it would not fit, and would not match the project)."""

from __future__ import annotations

from pathlib import Path

import laspy
import numpy as np
import pytest

from bench.bench_scale import write_scene_laz
from tests.gui.conftest import wait_for_job
from tests.gui.test_big_file import click, crop_tile_as_numbers, open_big

N_POINTS = 600_000  # over open_big's threshold of 500k: an overview of every 2nd point


@pytest.fixture(scope="module")
def big_laz(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bigproject") / "survey.laz"
    write_scene_laz(path, N_POINTS, seed=5)
    return path


def test_a_big_file_project_reopens_its_views_and_streamed_sample(
    qtbot, main_window, monkeypatch, big_laz, tmp_path, dialogs
):
    import gui.loading

    window, session = main_window, main_window.session
    open_big(qtbot, window, monkeypatch, big_laz)
    wait_for_job(qtbot, window._last_job, timeout=120_000)
    bar = window.big_files.bar
    overview = window.big_files.current.overview.cloud
    assert len(overview) == N_POINTS // 2
    click(qtbot, bar.downsample_button)
    wait_for_job(qtbot, window.big_files.last_job, timeout=300_000)
    sample = session.state.sample
    labels = (np.arange(len(sample)) % 5).astype(np.uint8)
    session.set_sample_labels(labels)
    lo, hi = (1.0, 1.0, -1.0), (2.5, 2.0, 4.0)
    crop_tile_as_numbers(qtbot, window, lo, hi)
    click(qtbot, bar.load_button)
    wait_for_job(qtbot, window.big_files.last_job, timeout=120_000)
    box = session.state.cloud
    assert len(overview) > len(box) > 1_000

    project = tmp_path / "survey.dlproj"
    wait_for_job(qtbot, window.projects.save_to(str(project)), timeout=60_000)

    # Reopening must never read the file whole: that is what the overview avoids.
    def whole_read(*_args, **_kwargs):
        raise AssertionError("the big file was read whole")

    monkeypatch.setattr(gui.loading, "load_cloud", whole_read)
    window.big_files.back_to_overview()  # so a reopened box cannot be the one on screen
    reading = window.projects.open_project(str(project))
    wait_for_job(qtbot, reading, timeout=60_000)  # the project file
    assert window.projects.job is not reading
    wait_for_job(qtbot, window.projects.job, timeout=120_000)  # then the views of the scan
    # Going back to the overview was a change: the app asked, the test discarded it.
    assert [title for title, _ in dialogs] == ["Open project"]
    dialogs.clear()

    big, state = window.big_files.current, session.state
    assert big is not None and big.shown is not big.overview
    assert np.array_equal(big.overview.cloud.xyz, overview.xyz)  # the same overview
    assert np.array_equal(state.cloud.xyz, box.xyz)  # the same box, point for point
    assert bar.isVisible() and bar.note.text().startswith("Full density inside the box")
    assert state.sample is big.sample and np.array_equal(state.sample.xyz, sample.xyz)
    assert np.array_equal(state.labels_sample, labels)
    assert isinstance(big.index_map, np.memmap) and len(big.index_map) == N_POINTS
    assert np.array_equal(state.index_map, np.asarray(big.index_map)[big.shown.rows])

    # And the whole file still exports with yesterday's labels.
    out = tmp_path / "labeled.laz"
    wait_for_job(qtbot, window.big_files.export_labeled(out), timeout=300_000)
    written = laspy.read(out)
    assert np.array_equal(np.asarray(written.classification), labels[np.asarray(big.index_map)])
    assert not dialogs
