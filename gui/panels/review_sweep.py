"""The sweep over k and weights on the labeled part, as a table, with the best one offered.

Auto is scored too (on the same points) whenever the sample has an index map: "Use best"
must never offer a setting worse than the one the carry-back uses by default.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from core.progress import sub_progress
from gui.panels.review_common import full_cloud_in_view, read_only_item, tile_mask
from gui.session import Session
from gui.workers import Job, run_job


class SweepWidget(QGroupBox):
    """Run `core.sweep.sweep_transfer` in a worker and offer its best setting."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__("Which setting fits this cloud?", parent)
        self.session = session
        self.result = None  # core.sweep.SweepResult of the last sweep
        self.job: Job | None = None
        self.run_button = QPushButton("Sweep k and weights", self)
        self.run_button.setToolTip(
            "Carry the sample's labels to the points with known labels with every k in "
            "1, 3, 5, 8, 12 and both weightings, the index map and auto, and score each"
        )
        self.run_button.clicked.connect(self.run_sweep)
        self.use_best_button = QPushButton("Use best", self)
        self.use_best_button.clicked.connect(self.use_best)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["setting", "accuracy", "mIoU"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.use_best_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        for signal in (session.sample_labels_changed, session.truth_changed, session.cloud_changed):
            signal.connect(self.refresh)
        self.refresh()

    def why_disabled(self) -> str:
        if self.job is not None and self.job.is_running():
            return "Sweeping… (Cancel in the status bar stops it)."
        state = self.session.state
        if state.cloud is None or state.sample is None or state.labels_sample is None:
            return "Needs labels for the sample (Labels tab)."
        if state.truth_full is None:
            return "Needs known labels for the full cloud or part of it."
        return ""

    def refresh(self) -> None:
        reason = self.why_disabled()
        self.run_button.setEnabled(not reason)
        self.use_best_button.setEnabled(not reason and self.result is not None)
        if reason:
            self.note.setText(reason)
        elif self.result is None:  # the old reason (e.g. "needs known labels") is gone
            self.note.setText("Ready: press Sweep to score every setting on the known labels.")

    def run_sweep(self) -> Job | None:
        if self.why_disabled():
            return None
        snapshot = replace(self.session.state)
        made_by = snapshot.sample_settings.method if snapshot.sample_settings else ""
        index_map = snapshot.index_map if made_by.startswith("voxel") else None

        def work(progress, cancel):
            from core.sweep import sweep_transfer

            full = full_cloud_in_view(snapshot, "sample")
            assert full is not None and snapshot.sample is not None
            assert snapshot.labels_sample is not None and snapshot.truth_full is not None
            share = 0.6 if index_map is not None else 1.0
            result = sweep_transfer(
                snapshot.sample.xyz,
                snapshot.labels_sample,
                full.xyz,
                snapshot.truth_full,
                index_map=index_map,
                max_distance=snapshot.transfer.max_distance,
                mask=tile_mask(snapshot),
                progress=sub_progress(progress, 0, share),
                cancel=cancel,
            )
            if index_map is None:
                return result
            voxel = snapshot.sample_settings.voxel_size if snapshot.sample_settings else None
            return with_auto(
                result, full, snapshot, index_map, voxel, sub_progress(progress, share, 1), cancel
            )

        self.job = run_job(self.session, "Sweeping k and weights", work, self.show_result)
        self.run_button.setEnabled(False)
        self.job.ended.connect(self.refresh)
        return self.job

    def show_result(self, result) -> None:
        self.result = result
        self.table.setRowCount(len(result.rows))
        bold = QFont()
        bold.setBold(True)
        for r, row in enumerate(result.rows):
            cells = [row.setting, f"{row.accuracy:.2%}", f"{row.miou:.3f}"]
            for c, text in enumerate(cells):
                item = read_only_item(text)
                if row == result.best:
                    item.setFont(bold)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        where = "inside the tile" if self.session.state.display.tile else "with known labels"
        self.note.setText(
            f"Best: {result.best.setting} (mIoU {result.best.miou:.3f}), "
            f"scored on {result.n_points:,} points {where}."
        )
        self.refresh()

    def use_best(self) -> None:
        """Put the best setting into the carry-back settings (the user then carries back)."""
        if self.result is None:
            return
        best = self.result.best
        settings = self.session.state.transfer
        if best.method == "knn":
            assert best.k is not None and best.weights is not None
            settings = replace(settings, method="knn", k=best.k, weights=best.weights)
        else:
            settings = replace(settings, method=best.method)
        self.session.set_transfer_settings(settings)
        self.session.message.emit(f"Carry-back set to {best.setting}; press Carry back.")


def with_auto(result, full, snapshot, index_map, voxel_size, progress, cancel):  # type: ignore[no-untyped-def]
    """`result` plus a row for auto, scored on the same labeled points (worker thread)."""
    from core.carry_back import carry_back
    from core.metrics import evaluate
    from core.sweep import SweepResult, SweepRow, best_row, labeled_part

    labels, _ = carry_back(
        "auto", full, snapshot.sample, snapshot.labels_sample, index_map,
        voxel_size=voxel_size, progress=progress, cancel=cancel,
    )  # fmt: skip
    # The same points and class list the sweep scored (its default cap and seed).
    part = labeled_part(snapshot.truth_full, tile_mask(snapshot))
    truth = snapshot.truth_full[part]
    classes = sorted(int(c) for c in np.unique(truth))
    scores = evaluate(labels[part], truth, classes=classes)
    auto = SweepRow("auto", None, None, float(scores.accuracy), float(scores.miou), len(part))
    rows = [*result.rows, auto]
    return SweepResult(rows=rows, best=best_row(rows), n_points=result.n_points)
