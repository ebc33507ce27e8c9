"""Small pieces shared by the label-review widgets: remembered folders, swatches, frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QTableWidgetItem

from core.cloud import PointCloud
from gui.session import SessionState


def settings_store() -> QSettings:
    """Where the review widgets remember folders (tests replace this with an INI file)."""
    return QSettings("DenseLabel", "DenseLabel")


def last_folder(key: str) -> str:
    """The folder last used for `key` ("labels", "export", ...), else the home folder."""
    value = settings_store().value(f"review/{key}_folder", "")
    folder = str(value or "")
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def remember_folder(key: str, path: str) -> None:
    """Remember the folder of `path` for the next dialog of the same kind."""
    store = settings_store()
    store.setValue(f"review/{key}_folder", str(Path(path).parent))
    store.sync()


def swatch(color: tuple[int, int, int], size: int = 14) -> QIcon:
    """A square icon of one colour, for legends and class lists."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*color))
    return QIcon(pixmap)


def read_only_item(text: str) -> QTableWidgetItem:
    """A table cell that is shown but cannot be edited or selected (results, counts)."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item


def full_cloud_in_view(state: SessionState, frame: str = "view") -> PointCloud | None:
    """The full cloud rotated into the view's frame or the sample's frame, or None.

    The tile box lives in the view's frame (the current rotation); the sample lives in
    the frame it was computed at, which differs when the user turned the cloud after
    accepting the sample. Nearest-neighbour carry-back must use the sample's frame.
    """
    cloud = state.cloud
    if cloud is None:
        return None
    rotation = state.rotation
    if frame == "sample" and state.sample_rotation is not None:
        rotation = state.sample_rotation
    if rotation.is_identity():
        return cloud
    from core.rotate import rotate

    xyz = rotate(cloud.xyz, rotation.z, rotation.y, rotation.x, about=rotation.about)
    return cloud.with_xyz(xyz)


def tile_mask(state: SessionState, cloud_in_view: PointCloud | None = None) -> np.ndarray | None:
    """Full points inside the display tile, or None when no tile is set."""
    tile = state.display.tile
    if tile is None:
        return None
    if cloud_in_view is None:
        cloud_in_view = full_cloud_in_view(state, "view")
        assert cloud_in_view is not None
    from core.metrics import crop_tile

    return crop_tile(cloud_in_view.xyz, np.asarray(tile[0]), np.asarray(tile[1]))


def labels_to_show(state: SessionState) -> tuple[np.ndarray | None, str]:
    """The labels the legend counts: carried-back ones, else the sample's, else the truth.

    When the view shows only the sample, its labels are the ones on screen.
    """
    if state.display.show == "sample" and state.labels_sample is not None:
        return state.labels_sample, "sample"
    if state.labels_full is not None:
        return state.labels_full, "full cloud"
    if state.labels_sample is not None:
        return state.labels_sample, "sample"
    if state.truth_full is not None:
        return state.truth_full, "known labels"
    return None, ""
