"""Export the labeled full cloud (LAS/LAZ classification, PLY label, text, npy) or the labels."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from gui.panels.review_common import last_folder, remember_folder
from gui.session import Session
from gui.workers import Job, run_job

#: Format name -> (extension, what the labels become in it).
#: label_origin per point: 0 unlabeled, 1 carried back from the sample, 2 set by hand.
FORMATS = {
    "LAS": (".las", "classification field, label_origin extra byte"),
    "LAZ": (".laz", "classification field, label_origin extra byte, compressed"),
    "PLY": (".ply", "'label' and 'label_origin' vertex properties"),
    "Text": (".txt", "x,y,z,r,g,b,label lines"),
    "NumPy": (".npy", "float64 array x,y,z,r,g,b,label"),
}


class ExportWidget(QWidget):
    """Choose a format, then a file; the labeled full cloud is written in a worker."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.job: Job | None = None
        self.format = QComboBox(self)
        for name, (ext, what) in FORMATS.items():
            self.format.addItem(f"{name} ({ext}): {what}", name)
        self.export_button = QPushButton("Export labeled cloud…", self)
        self.export_button.clicked.connect(self.choose_cloud_file)
        self.labels_button = QPushButton("Export labels only…", self)
        self.labels_button.setToolTip("One label per point of the full cloud (.npy or text)")
        self.labels_button.clicked.connect(self.choose_labels_file)
        self.why = QLabel(self)
        self.why.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow(self.export_button)
        form.addRow(self.labels_button)
        form.addRow(self.why)
        session.full_labels_changed.connect(self.refresh)
        session.cloud_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        state = self.session.state
        ready = state.cloud is not None and state.labels_full is not None
        self.export_button.setEnabled(ready)
        self.labels_button.setEnabled(ready)
        self.why.setText("" if ready else "Carry the labels back first (Labels tab).")

    def _suggested_path(self, extension: str) -> str:
        stem = Path(self.session.state.path or "cloud").stem
        return str(Path(last_folder("export")) / f"{stem}_labeled{extension}")

    def choose_cloud_file(self) -> None:
        name = self.format.currentData()
        extension = FORMATS[name][0]
        path, _ = QFileDialog.getSaveFileName(
            self, "Export labeled cloud", self._suggested_path(extension), f"{name} (*{extension})"
        )
        if path:
            if not Path(path).suffix:
                path += extension
            self.export_cloud(path)

    def export_cloud(self, path: str) -> Job | None:
        """Write the full cloud in its own coordinates with labels_full, atomically."""
        state = self.session.state
        cloud, labels, source = state.cloud, state.labels_full, state.path
        if cloud is None or labels is None:
            return None
        remember_folder("export", path)
        extra = {}
        origin = self.session.labeling.origin_full
        fits = origin is not None and len(origin) == len(labels)
        if fits and Path(path).suffix.lower() in (".las", ".laz", ".ply"):
            assert origin is not None
            extra["label_origin"] = origin.copy()  # the worker's own: painting goes on

        def work(progress, cancel):
            from core.atomic import refuse_overwriting_inputs
            from core.io import write_cloud

            refuse_overwriting_inputs(path, [source] if source else [])
            write_cloud(cloud, path, labels=labels, extra=extra, progress=progress, cancel=cancel)
            return path

        return run_job(self.session, f"Exporting {Path(path).name}", work, self._written)

    def choose_labels_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export labels",
            self._suggested_path(".npy"),
            "NumPy (*.npy);;One label a line (*.labels *.txt)",
        )
        if path:
            self.export_labels(path)

    def export_labels(self, path: str) -> Job | None:
        labels, source = self.session.state.labels_full, self.session.state.path
        if labels is None:
            return None
        remember_folder("export", path)

        def work(progress, cancel):
            from core.atomic import refuse_overwriting_inputs
            from core.labels_io import write_labels

            refuse_overwriting_inputs(path, [source] if source else [])
            write_labels(path, labels)
            return path

        return run_job(self.session, f"Exporting {Path(path).name}", work, self._written)

    def _written(self, path: str) -> None:
        self.session.message.emit(f"Written {Path(path).name}.")
