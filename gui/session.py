"""The one object that holds the application's state and announces its changes.

Panels read the state and call the setters; they connect to the signals to refresh
themselves. The session never touches a widget. Heavy computation does not happen here:
panels start workers (gui/workers.py) and hand the results to the setters, which run on
the UI thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.classes import LabelClass
from core.cloud import PointCloud
from gui.labeling_state import Labeling


@dataclass
class DownsampleSettings:
    """What the user chose in the downsample panel."""

    method: str = "voxel-mean"  # voxel-mean | voxel-nearest | stride | random
    voxel_size: float = 0.05  # metres
    target: int = 100_000  # points, for stride and random
    seed: int = 0


@dataclass
class TransferSettings:
    """How labels are carried from the sample back to the full cloud."""

    method: str = "auto"  # voxel | knn | auto
    k: int = 5
    weights: str = "distance"  # uniform | distance
    max_distance: float | None = None  # metres; beyond it a point stays unlabeled


@dataclass
class Rotation:
    """Euler angles in degrees, applied z then y then x (scipy 'zyx')."""

    z: float = 0.0
    y: float = 0.0
    x: float = 0.0
    about: str = "origin"  # origin | centroid

    def is_identity(self) -> bool:
        return self.z == 0.0 and self.y == 0.0 and self.x == 0.0


@dataclass
class DisplaySettings:
    """How the viewport draws the clouds; panels change it, the viewport follows it."""

    show: str = "full"  # full | sample | side-by-side (linked cameras)
    color_by: str = "rgb"  # rgb | height | intensity | labels | errors
    point_size: float = 2.0
    hidden_classes: frozenset[int] = frozenset()
    show_unlabeled: bool = True  # unlabeled points in grey, or hidden
    blend: float = 0.0  # 0 = class colour only, 1 = RGB only, for color_by == "labels"
    # A tile (min corner, max corner) to inspect at full density; None = whole cloud.
    tile: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None


def fresh_display(previous: DisplaySettings, cloud: PointCloud) -> DisplaySettings:
    """How a newly opened scan is shown: only the point size (a preference) carries over."""
    if cloud.rgb is not None:
        color_by = "rgb"
    else:
        color_by = "intensity" if cloud.intensity is not None else "height"
    return DisplaySettings(point_size=previous.point_size, color_by=color_by)


@dataclass
class SessionState:
    """Everything a user has loaded or computed; replaced piecewise by the setters."""

    cloud: PointCloud | None = None
    path: str | None = None
    rotation: Rotation = field(default_factory=Rotation)
    downsample: DownsampleSettings = field(default_factory=DownsampleSettings)
    # The sample and its index map (full point -> sample row), computed on the rotated cloud.
    sample: PointCloud | None = None
    index_map: np.ndarray | None = None
    sample_settings: DownsampleSettings | None = None
    # The rotation the sample was computed at (its frame); may differ from `rotation` if the
    # user turned the cloud afterwards.
    sample_rotation: Rotation | None = None
    classes: list[LabelClass] = field(default_factory=list)
    labels_sample: np.ndarray | None = None
    transfer: TransferSettings = field(default_factory=TransferSettings)
    labels_full: np.ndarray | None = None
    # Known labels for the full cloud (from the file, or loaded separately), for scoring.
    truth_full: np.ndarray | None = None
    display: DisplaySettings = field(default_factory=DisplaySettings)
    # Painting (gui/labeling_state.py keeps them): origin per full point (0 none, 1 carried,
    # 2 hand-set) and the edit logs as arrays, read when a project is saved.
    label_origin: np.ndarray | None = None
    edit_history: Mapping[str, np.ndarray] | None = None
    # A file too big to hold (gui/big_file.py BigFile): `cloud` is then one view of it
    # (an overview, or a box at full density); None for a cloud read whole.
    big_file: object | None = None


class Session(QObject):
    """State plus signals. All setters must be called on the UI thread."""

    cloud_changed = Signal()  # a new full cloud (everything downstream was cleared)
    rotation_changed = Signal()
    downsample_settings_changed = Signal()
    sample_changed = Signal()  # a new sample + index map (labels were cleared)
    classes_changed = Signal()
    sample_labels_changed = Signal()
    full_labels_changed = Signal()
    truth_changed = Signal()
    transfer_settings_changed = Signal()
    display_changed = Signal()
    # Long work: panels report through these so the status bar shows progress and cancel.
    busy = Signal(str)  # message; a job started
    progress = Signal(float, str)  # fraction, message
    idle = Signal()  # the job ended (done, failed or cancelled)
    cancel_requested = Signal()  # the status bar's Cancel: running jobs stop (gui/workers.py)
    message = Signal(str)  # a short status-bar message
    error = Signal(str, str)  # title, sentence: shown as a dialog; state is unchanged

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.state = SessionState()
        # Painting (active class, edit logs, undo stack); made first so its slots run
        # before the viewport's (see gui/labeling_state.py).
        self.labeling = Labeling(self)

    # -- the full cloud ---------------------------------------------------------------
    def set_cloud(
        self, cloud: PointCloud, path: str | None = None, big_file: object | None = None
    ) -> None:
        """Replace the full cloud; clears the sample and every label derived from it.

        `big_file` is set when `cloud` is a view of a file too big to hold.
        """
        self.state.cloud = cloud
        self.state.path = path
        self.state.big_file = big_file
        self.state.rotation = Rotation()
        self.state.truth_full = cloud.labels
        self._clear_sample()
        self.state.labels_full = None
        # A new scan starts clean: no crop tile, hidden classes or old show mode, colours
        # from its own fields, no classes but its own (the loader sets them next).
        self.state.display = fresh_display(self.state.display, cloud)
        self.state.classes = []
        self.cloud_changed.emit()
        self.rotation_changed.emit()
        self.truth_changed.emit()
        self.classes_changed.emit()
        self.display_changed.emit()

    def set_rotation(self, rotation: Rotation) -> None:
        self.state.rotation = rotation
        self.rotation_changed.emit()

    # -- downsampling -----------------------------------------------------------------
    def set_downsample_settings(self, settings: DownsampleSettings) -> None:
        self.state.downsample = settings
        self.downsample_settings_changed.emit()

    def set_sample(
        self,
        sample: PointCloud,
        index_map: np.ndarray,
        settings: DownsampleSettings,
        rotation: Rotation | None = None,
    ) -> None:
        """Accept an exact downsample of the (rotated) full cloud; clears sample labels.

        `rotation` is the rotation the sample was computed at (default: the current one).
        """
        self.state.sample = sample
        self.state.index_map = index_map
        self.state.sample_settings = settings
        self.state.sample_rotation = rotation if rotation is not None else self.state.rotation
        self.state.labels_sample = None
        self.state.labels_full = None
        self.sample_changed.emit()
        self.sample_labels_changed.emit()
        self.full_labels_changed.emit()

    def _clear_sample(self) -> None:
        self.state.sample = None
        self.state.index_map = None
        self.state.sample_settings = None
        self.state.sample_rotation = None
        self.state.labels_sample = None

    # -- labels -----------------------------------------------------------------------
    def set_classes(self, classes: list[LabelClass]) -> None:
        self.state.classes = list(classes)
        self.classes_changed.emit()

    def set_sample_labels(self, labels: np.ndarray) -> None:
        """Labels for the sample, one per sample point (checked by the caller)."""
        self.state.labels_sample = labels
        self.state.labels_full = None
        self.sample_labels_changed.emit()
        self.full_labels_changed.emit()

    def set_transfer_settings(self, settings: TransferSettings) -> None:
        self.state.transfer = settings
        self.transfer_settings_changed.emit()

    def set_full_labels(self, labels: np.ndarray | None) -> None:
        self.state.labels_full = labels
        self.full_labels_changed.emit()

    def set_truth(self, labels: np.ndarray | None) -> None:
        self.state.truth_full = labels
        self.truth_changed.emit()

    # -- display ----------------------------------------------------------------------
    def set_display(self, display: DisplaySettings) -> None:
        self.state.display = display
        self.display_changed.emit()
