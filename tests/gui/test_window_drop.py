"""Dropping files: a label file onto a downsampled cloud imports it; several files open one."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from tests.gui.conftest import wait_for_job


def _drop(window, *paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_dropping_a_label_file_imports_it_as_the_samples_labels(
    qtbot, main_window, data_dir, tmp_path
):
    from core.downsample import downsample
    from gui.session import DownsampleSettings

    wait_for_job(qtbot, main_window.open_file(str(data_dir / "test55.xyz")))
    session = main_window.session
    down = downsample(session.state.cloud, "voxel-nearest", voxel_size=0.02)
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.02))
    labels = (np.arange(len(down.sample)) % 4).astype(np.uint8)
    label_file = tmp_path / "sample.labels"
    label_file.write_text("\n".join(str(v) for v in labels) + "\n")
    _drop(main_window, label_file)
    qtbot.waitUntil(lambda: session.state.labels_sample is not None, timeout=30_000)
    np.testing.assert_array_equal(session.state.labels_sample, labels)
    assert len(session.state.cloud) == 175_178  # the cloud stayed


def test_dropping_several_files_opens_the_first_and_says_so(qtbot, main_window, data_dir):
    messages: list[str] = []
    main_window.session.message.connect(messages.append)
    _drop(main_window, data_dir / "test55.xyz", data_dir / "brighton_small.xyz")
    qtbot.waitUntil(lambda: main_window.session.state.cloud is not None, timeout=30_000)
    assert len(main_window.session.state.cloud) == 175_178
    assert any("test55.xyz only, the first of 2 dropped files" in m for m in messages)
