"""A worker's result made for an older state is dropped, never applied to the new one.

Each test starts a job, replaces what it was built from by an object of the same size (so
a length check cannot tell), lets the result arrive, and checks the new state is untouched.
The result cannot land before the replacement: results are delivered by the UI thread's
event loop, which does not run between the two calls.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QThreadPool

from core.cloud import UNLABELED
from gui.session import DownsampleSettings
from tests.gui.conftest import wait_for_job

VOXEL = 0.3


@pytest.fixture(scope="module")
def scene():
    from core.downsample import downsample
    from core.scene import SCENE_CLASSES, make_scene

    cloud = make_scene(30_000, seed=6)
    return cloud, downsample(cloud, "voxel-nearest", voxel_size=VOXEL), SCENE_CLASSES


@pytest.fixture
def review(qtbot, tmp_path, monkeypatch, scene):
    """(session, labels panel, status-bar messages) over the scene, downsampled.

    The panel alone, without the main window: no render window is needed to test this.
    """
    from gui.panels import review_common
    from gui.panels.labels_panel import LabelsPanel
    from gui.session import Session

    store = QSettings(str(tmp_path / "review.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(review_common, "settings_store", lambda: store)
    cloud, down, classes = scene
    session = Session()
    session.set_cloud(replace(cloud), "room.ply")
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", VOXEL))
    session.set_classes(classes)
    messages: list[str] = []
    session.message.connect(messages.append)
    panel = LabelsPanel(session, None)
    qtbot.addWidget(panel)
    yield session, panel, messages
    QThreadPool.globalInstance().waitForDone(30_000)  # no job outlives the test


def test_carry_back_for_old_sample_labels_is_dropped(qtbot, review, scene):
    session, panel, messages = review
    _, down, _ = scene
    session.set_sample_labels(down.sample.labels)
    panel.carry_back.method.setCurrentText("voxel")
    job = panel.carry_back.carry_back()
    assert job is not None
    newer = np.full(len(down.sample), UNLABELED, dtype=down.sample.labels.dtype)
    session.set_sample_labels(newer)  # same length, other labels: clears labels_full
    wait_for_job(qtbot, job)
    assert session.state.labels_full is None
    assert any("changed while carrying back" in m for m in messages)


def test_labels_read_for_a_replaced_sample_are_dropped(qtbot, review, scene, tmp_path):
    session, panel, messages = review
    _, down, _ = scene
    np.save(tmp_path / "labels.npy", down.sample.labels)
    job = panel.source.load_labels(str(tmp_path / "labels.npy"))
    assert job is not None
    # A new sample of the same size (e.g. downsampled again at other settings).
    session.set_sample(
        replace(down.sample), down.index_map, DownsampleSettings("voxel-nearest", VOXEL)
    )
    wait_for_job(qtbot, job)
    assert session.state.labels_sample is None
    assert any("sample changed while the labels were read" in m for m in messages)


def test_known_labels_read_for_a_replaced_cloud_are_dropped(qtbot, review, scene, tmp_path):
    session, panel, messages = review
    cloud, _, _ = scene
    np.save(tmp_path / "truth.npy", cloud.labels)
    job = panel.metrics.load_truth(str(tmp_path / "truth.npy"))
    assert job is not None
    session.set_cloud(replace(cloud, labels=None), "other.ply")  # same size, no labels
    wait_for_job(qtbot, job)
    assert session.state.truth_full is None
    assert any("cloud changed while the known labels were read" in m for m in messages)


def test_fetched_labels_for_a_replaced_sample_are_dropped(qtbot, review, scene, monkeypatch):
    import core.groundtruth.flow
    from gui.panels.groundtruth_status import JobStatusView

    session, _, messages = review
    _, down, classes = scene
    fetched = SimpleNamespace(labels_sample=down.sample.labels, unmatched=[], n_unlabeled=0)
    monkeypatch.setattr(core.groundtruth.flow, "fetch_labels", lambda *a, **k: fetched)
    view = JobStatusView(session, lambda: None)
    qtbot.addWidget(view)
    view.record = SimpleNamespace(  # type: ignore[assignment]
        job_name="old-job", workteam_arn="", label_classes=lambda: classes
    )
    job = view.fetch()
    assert job is not None
    session.set_sample(
        replace(down.sample), down.index_map, DownsampleSettings("voxel-nearest", VOXEL)
    )
    wait_for_job(qtbot, job)
    assert session.state.labels_sample is None
    assert any("changed while fetching old-job" in m for m in messages)


def test_legend_counts_are_not_served_for_a_new_array_with_a_reused_id(review, monkeypatch):
    from gui.panels import review_legend

    session, panel, _ = review
    n = len(session.state.sample)
    # Python may give a freed array's id to a new one; make every id collide to show it.
    monkeypatch.setattr(review_legend, "id", lambda _: 1, raising=False)
    session.set_sample_labels(np.zeros(n, dtype=np.uint8))
    assert panel.legend.counts() == {0: n}
    session.set_sample_labels(np.ones(n, dtype=np.uint8))
    assert panel.legend.counts() == {1: n}
