"""The label review panel: bring labels for the sample, carry them back, see, measure, export.

One dock with a tab per step. Every tab reads the Session and calls its setters; none
talks to another tab, and none draws (the viewport follows the session's display settings).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.classes import LabelClass, classes_for
from core.cloud import UNLABELED, PointCloud
from gui.panels.review_classes import ClassListEditor
from gui.panels.review_common import last_folder, remember_folder
from gui.panels.review_export import ExportWidget
from gui.panels.review_legend import LegendWidget
from gui.panels.review_metrics import MetricsWidget
from gui.panels.review_transfer import CarryBackWidget
from gui.session import Session
from gui.workers import run_job


class LabelsPanel(QWidget):
    """Tabs: Labels (load + classes + carry back), View (legend), Measure, Export."""

    title = "Labels"
    area = "right"

    def __init__(self, session: Session, viewport: object, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.viewport = viewport
        self.source = LabelSourceWidget(session, self)
        self.carry_back = CarryBackWidget(session, self)
        self.legend = LegendWidget(session, viewport, self)
        self.metrics = MetricsWidget(session, self)
        self.export = ExportWidget(session, self)
        first = QWidget(self)
        first_layout = QVBoxLayout(first)
        first_layout.addWidget(self.source)
        first_layout.addWidget(self.carry_back)
        first_layout.addStretch(1)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(first, "Labels")
        self.tabs.addTab(self.legend, "View")
        self.tabs.addTab(self.metrics, "Measure")
        self.tabs.addTab(self.export, "Export")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def load_labels(self, path: str):
        """Import `path` as the sample's labels (File > drop), as the Load button does."""
        return self.source.load_labels(path)


class LabelSourceWidget(QGroupBox):
    """Load labels for the sample from a file, and the class list that names them."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__("Labels for the downsampled cloud", parent)
        self.session = session
        self.load_button = QPushButton("Load labels…", self)
        self.load_button.setToolTip(
            "Ground Truth output manifest or .zlib, .npy, one label a line, "
            "or a labeled PLY/LAS/text of the downsampled cloud"
        )
        self.load_button.clicked.connect(self.choose_labels_file)
        self.classes_button = QPushButton("Load classes…", self)
        self.classes_button.setToolTip(
            "Ground Truth colour map or output manifest, label configuration, "
            "job record, or a classes file (ID NAME per line)"
        )
        self.classes_button.clicked.connect(self.choose_classes_file)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.editor = ClassListEditor(self)
        self.editor.classes_edited.connect(session.set_classes)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.classes_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.info)
        layout.addWidget(self.editor)
        for signal in (
            session.sample_changed,
            session.sample_labels_changed,
            session.cloud_changed,
        ):
            signal.connect(self.refresh)
        session.classes_changed.connect(lambda: self.editor.set_classes(session.state.classes))
        self.editor.set_classes(session.state.classes)
        self.refresh()

    def refresh(self) -> None:
        state = self.session.state
        self.load_button.setEnabled(state.sample is not None)
        if state.sample is None:
            self.info.setText("Downsample the cloud first: labels belong to its sample.")
        elif state.labels_sample is None:
            self.info.setText(f"The sample has {len(state.sample):,} points and no labels yet.")
        else:
            labeled = state.labels_sample != UNLABELED
            n_classes = len(np.unique(state.labels_sample[labeled]))
            self.info.setText(
                f"{int(labeled.sum()):,} of {len(state.sample):,} sample points labeled "
                f"({n_classes} classes)."
            )

    # -- labels -------------------------------------------------------------------------
    def choose_labels_file(self) -> None:
        from core.labels_import import labels_file_filter

        path, _ = QFileDialog.getOpenFileName(
            self, "Labels for the downsampled cloud", last_folder("labels"), labels_file_filter()
        )
        if path:
            self.load_labels(path)

    def load_labels(self, path: str):
        """Read labels in a worker; a file of the wrong length shows a dialog, nothing changes."""
        sample = self.session.state.sample
        if sample is None:
            self.session.error.emit("Load labels", "Downsample the cloud first.")
            return None
        remember_folder("labels", path)
        n_expected = len(sample)
        known = list(self.session.state.classes)

        def work(progress, cancel):
            from core.labels_import import read_sample_labels

            progress(0.0, f"reading {Path(path).name}")
            return read_sample_labels(path, n_expected, classes=known)

        return run_job(
            self.session,
            f"Reading labels from {Path(path).name}",
            work,
            lambda imported: self._accept(imported, sample),
            owner=self,
        )

    def _accept(self, imported, read_for: PointCloud) -> None:
        """Make `imported` the sample's labels, unless the sample they were read for is gone."""
        state = self.session.state
        # Identity, not length: a new sample of the same size would take labels made for
        # other points.
        if state.sample is not read_for:
            self.session.message.emit(
                "The sample changed while the labels were read; load them again."
            )
            return
        present = [int(i) for i in np.unique(imported.labels) if i != UNLABELED]
        self.session.set_classes(_classes_for_labels(present, imported.classes, state.classes))
        self.session.set_sample_labels(imported.labels)
        if state.display.color_by not in ("labels", "errors"):
            self.session.set_display(replace(state.display, color_by="labels"))
        self.session.message.emit(f"Labels loaded from {Path(imported.source).name}.")

    # -- classes ------------------------------------------------------------------------
    def choose_classes_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Class list",
            last_folder("labels"),
            "Class lists (*.json *.txt *.manifest *.jsonl);;All files (*)",
        )
        if path:
            self.load_classes(path)

    def load_classes(self, path: str) -> None:
        from core.errors import InputError
        from core.labels_import import read_class_list

        remember_folder("labels", path)
        try:
            classes = read_class_list(path)
        except InputError as exc:
            self.session.error.emit("Load classes", str(exc))
            return
        self.session.set_classes(classes)


def _classes_for_labels(
    present: list[int], from_file: list[LabelClass] | None, current: list[LabelClass]
) -> list[LabelClass]:
    """The class list to use: the file's, else the current one, plus entries for new ids."""
    known = from_file if from_file else current
    listed = {c.id for c in known}
    missing = [i for i in present if i not in listed]
    if not missing:
        return list(known)
    return list(known) + [c for c in classes_for(present, known) if c.id in missing]
