"""Measure the carried-back labels against known ones: accuracy, IoU per class, mIoU and a
confusion matrix drawn as a heat-map table; show the wrong points; save the report.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from core.cloud import PointCloud
from gui.panels.review_common import (
    full_cloud_in_view,
    last_folder,
    read_only_item,
    remember_folder,
    tile_mask,
)
from gui.panels.review_sweep import SweepWidget
from gui.session import Session
from gui.workers import Job, run_job


class MetricsWidget(QWidget):
    """Scores of labels_full against truth_full (optionally inside the tile), and the sweep."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.scores = None  # core.metrics.Scores of the last scoring, or None
        self.job: Job | None = None
        self._generation = 0  # results of an older scoring are dropped
        self.truth_button = QPushButton("Load known labels…", self)
        self.truth_button.setToolTip(
            "Labels for every point of the full cloud (255 = unknown), "
            "or a labeled PLY/LAS/text of a part of it (matched by position)"
        )
        self.truth_button.clicked.connect(self.choose_truth_file)
        self.tile_only = QCheckBox("Only inside the tile", self)
        self.tile_only.toggled.connect(self.rescore)
        self.errors_button = QPushButton("Show wrong points", self)
        self.errors_button.setCheckable(True)
        self.errors_button.toggled.connect(self._show_errors)
        self.save_button = QPushButton("Save metrics…", self)
        self.save_button.clicked.connect(self.choose_report_file)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confusion = QTableWidget(0, 0, self)
        self.confusion.setToolTip("Rows: known class; columns: carried-back class; last: IoU")
        self.sweep = SweepWidget(session, self)
        row = QHBoxLayout()
        for widget in (self.truth_button, self.errors_button, self.save_button):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.tile_only)
        layout.addWidget(self.summary)
        layout.addWidget(self.confusion, 1)
        layout.addWidget(self.sweep, 1)
        for signal in (session.full_labels_changed, session.truth_changed, session.cloud_changed):
            signal.connect(self.rescore)
        session.display_changed.connect(self._on_display_changed)
        self._last_tile = session.state.display.tile
        self.rescore()

    # -- scoring ------------------------------------------------------------------------
    def why_not_scored(self) -> str:
        state = self.session.state
        if state.cloud is None:
            return "Load a cloud first."
        if state.truth_full is None:
            return "No known labels: the file had none. Load known labels to measure."
        if state.labels_full is None:
            return "Carry the labels back first (Labels tab)."
        return ""

    def rescore(self) -> None:
        """Score again in a worker; older results are dropped when they arrive late."""
        self._generation += 1
        generation = self._generation
        reason = self.why_not_scored()
        self._enable(not reason)
        if reason:
            self.scores = None
            self.summary.setText(reason)
            self.confusion.setRowCount(0)
            self.confusion.setColumnCount(0)
            return
        state = self.session.state
        snapshot = replace(state)
        use_tile = self.tile_only.isChecked() and state.display.tile is not None

        def work(progress, cancel):
            from core.metrics import evaluate

            mask = None
            if use_tile:
                view = full_cloud_in_view(snapshot)
                assert view is not None
                mask = tile_mask(snapshot, view)
            assert snapshot.labels_full is not None and snapshot.truth_full is not None
            return evaluate(snapshot.labels_full, snapshot.truth_full, mask=mask)

        self.summary.setText("Scoring…")
        self.job = run_job(
            self.session, "Scoring labels", work, lambda s: self._show(s, generation), quiet=True
        )

    def _show(self, scores, generation: int) -> None:
        if generation != self._generation:
            return
        self.scores = scores
        names = {c.id: c.name for c in self.session.state.classes}
        scored = [(iou, c) for c, iou in scores.per_class_iou.items() if iou == iou]
        worst = ", ".join(f"{names.get(c, c)} {iou:.3f}" for iou, c in sorted(scored)[:3])
        self.summary.setText(
            f"Accuracy {scores.accuracy:.2%}   mIoU {scores.miou:.3f}\n"
            f"{scores.n_scored:,} points scored; {scores.n_unlabeled_predicted:,} left unlabeled."
            + (f"\nLowest IoU: {worst}" if len(scored) > 1 else "")
        )
        fill_confusion(self.confusion, scores, names)
        self._enable(True)

    def _enable(self, scored: bool) -> None:
        state = self.session.state
        self.truth_button.setEnabled(state.cloud is not None)
        self.errors_button.setEnabled(scored)
        self.save_button.setEnabled(scored)
        self.tile_only.setEnabled(state.display.tile is not None)
        self.errors_button.blockSignals(True)
        self.errors_button.setChecked(state.display.color_by == "errors")
        self.errors_button.blockSignals(False)

    def _on_display_changed(self) -> None:
        display = self.session.state.display
        if display.tile != self._last_tile:
            self._last_tile = display.tile
            if self.tile_only.isChecked():
                self.rescore()
        self._enable(self.scores is not None)

    def _show_errors(self, on: bool) -> None:
        display = self.session.state.display
        color_by = "errors" if on else "labels"
        if display.color_by != color_by:
            self.session.set_display(replace(display, color_by=color_by))

    # -- files --------------------------------------------------------------------------
    def choose_truth_file(self) -> None:
        from core.labels_import import labels_file_filter

        path, _ = QFileDialog.getOpenFileName(
            self, "Known labels for the full cloud", last_folder("labels"), labels_file_filter()
        )
        if path:
            self.load_truth(path)

    def load_truth(self, path: str) -> Job | None:
        """Known labels for every point, or a labeled cloud of a tile matched by position.

        Read in a worker; a label file of the wrong length shows a dialog, nothing changes.
        """
        cloud = self.session.state.cloud
        if cloud is None:
            return None
        remember_folder("labels", path)

        def work(progress, cancel):
            from core.labels_import import read_known_labels

            progress(0.0, f"reading {Path(path).name}")
            return read_known_labels(path, cloud)

        return run_job(
            self.session,
            f"Reading known labels from {Path(path).name}",
            work,
            lambda result: self._accept_truth(result, cloud),
            owner=self,
        )

    def _accept_truth(self, result, read_for: PointCloud) -> None:
        """Make `result`'s labels the known ones, unless the cloud they match was replaced."""
        labels, n_known = result
        cloud = self.session.state.cloud
        # Identity, not length: a reloaded cloud of the same size may hold other points.
        if cloud is None or cloud is not read_for:
            self.session.message.emit(
                "The cloud changed while the known labels were read; load them again."
            )
            return
        self.session.set_truth(labels)
        self.session.message.emit(f"Known labels for {n_known:,} of {len(cloud):,} points.")

    def choose_report_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save metrics",
            str(Path(last_folder("export")) / "metrics.json"),
            "JSON (*.json);;CSV (*.csv)",
        )
        if path:
            self.save_report(path)

    def save_report(self, path: str) -> None:
        from core.errors import InputError
        from core.report import write_metrics

        if self.scores is None:
            return
        state = self.session.state
        extra = {
            "cloud": state.path,
            "transfer": vars(state.transfer),
            "tile": state.display.tile if self.tile_only.isChecked() else None,
        }
        try:
            write_metrics(path, self.scores, classes=state.classes, extra=extra)
        except InputError as exc:
            self.session.error.emit("Save metrics", str(exc))
            return
        remember_folder("export", path)
        self.session.message.emit(f"Metrics saved to {Path(path).name}.")


def fill_confusion(table: QTableWidget, scores, names: dict[int, str]) -> None:
    """IoU, then the confusion counts with a blue heat map (share of each known class's row).

    IoU comes first and titles are short so both stay visible in a narrow dock.
    """
    ids = list(scores.classes)
    labels = [names.get(i, f"class {i}") for i in ids]
    table.clear()
    table.setRowCount(len(ids))
    table.setColumnCount(len(ids) + 1)
    table.setHorizontalHeaderLabels(["IoU"] + [_short(name) for name in labels])
    table.setVerticalHeaderLabels([_short(name, 14) for name in labels])
    for i, name in enumerate(labels):
        for header, tip in (
            (table.horizontalHeaderItem(i + 1), f"carried back as {name}"),
            (table.verticalHeaderItem(i), f"known {name}"),
        ):
            if header is not None:
                header.setToolTip(tip)
    for r, row in enumerate(scores.confusion):
        iou = scores.per_class_iou.get(ids[r], float("nan"))
        table.setItem(r, 0, read_only_item("–" if iou != iou else f"{iou:.3f}"))
        total = max(int(row.sum()), 1)
        for c, count in enumerate(row):
            share = int(count) / total
            item = read_only_item(f"{int(count):,}")
            item.setToolTip(f"known {labels[r]} carried back as {labels[c]}: {share:.1%}")
            item.setBackground(heat_color(share))
            item.setForeground(QColor("white") if share > 0.55 else QColor("black"))
            table.setItem(r, c + 1, item)
    table.resizeColumnsToContents()


def _short(name: str, width: int = 9) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def heat_color(share: float) -> QColor:
    """White at 0 to deep blue at 1, for a heat-map cell."""
    share = min(max(share, 0.0), 1.0)
    return QColor(int(255 - 225 * share), int(255 - 175 * share), int(255 - 75 * share))
