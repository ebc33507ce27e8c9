"""Carry the sample's labels back to every point: voxel (index map), knn or auto."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.carry_back import carry_back
from gui.panels.review_common import full_cloud_in_view
from gui.session import Session, SessionState, TransferSettings
from gui.workers import Job, run_job

METHOD_TIPS = {
    "voxel": "Exact: each point takes its voxel's label (only for a voxel downsample)",
    "knn": "Vote of the k nearest labeled sample points",
    "auto": "Chooses its settings from the labeled sample itself",
}


class CarryBackWidget(QGroupBox):
    """Method and settings, a Carry back button; runs in a worker with progress and cancel."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__("Carry labels back to every point", parent)
        self.session = session
        self.job: Job | None = None
        self.method = QComboBox(self)
        for name, tip in METHOD_TIPS.items():
            self.method.addItem(name)
            self.method.setItemData(self.method.count() - 1, tip, 3)  # 3 = ToolTipRole
        self.k = QSpinBox(self)
        self.k.setRange(1, 64)
        self.weights = QComboBox(self)
        self.weights.addItems(["uniform", "distance"])
        self.max_distance = QDoubleSpinBox(self)
        self.max_distance.setRange(0.0, 1000.0)
        self.max_distance.setDecimals(3)
        self.max_distance.setSuffix(" m")
        self.max_distance.setSpecialValueText("no limit")
        self.max_distance.setToolTip(
            "Points farther than this from every labeled sample point stay unlabeled"
        )
        self.run_button = QPushButton("Carry back", self)
        self.run_button.clicked.connect(self.carry_back)
        self.why = QLabel(self)
        self.why.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Method", self.method)
        form.addRow("Neighbours k", self.k)
        form.addRow("Weights", self.weights)
        form.addRow("Max distance", self.max_distance)
        form.addRow(self.run_button)
        form.addRow(self.why)
        self._show_settings()
        for widget in (self.method, self.weights):
            widget.currentTextChanged.connect(self._store_settings)
        self.k.valueChanged.connect(self._store_settings)
        self.max_distance.valueChanged.connect(self._store_settings)
        session.transfer_settings_changed.connect(self._show_settings)
        for signal in (
            session.sample_changed,
            session.sample_labels_changed,
            session.cloud_changed,
        ):
            signal.connect(self.refresh)
        self.refresh()

    # -- settings <-> widgets -------------------------------------------------------------
    def settings(self) -> TransferSettings:
        distance = self.max_distance.value()
        return TransferSettings(
            method=self.method.currentText(),
            k=self.k.value(),
            weights=self.weights.currentText(),
            max_distance=distance if distance > 0 else None,
        )

    def _store_settings(self) -> None:
        if self.settings() != self.session.state.transfer:
            self.session.set_transfer_settings(self.settings())
        self.refresh()

    def _show_settings(self) -> None:
        settings = self.session.state.transfer
        for widget in (self.method, self.k, self.weights, self.max_distance):
            widget.blockSignals(True)
        self.method.setCurrentText(settings.method)
        self.k.setValue(settings.k)
        self.weights.setCurrentText(settings.weights)
        self.max_distance.setValue(settings.max_distance or 0.0)
        for widget in (self.method, self.k, self.weights, self.max_distance):
            widget.blockSignals(False)
        self.refresh()

    # -- running ------------------------------------------------------------------------
    def why_disabled(self) -> str:
        """A sentence saying why Carry back cannot run now, or '' when it can."""
        if self.job is not None and self.job.is_running():
            return "Carrying back… (Cancel in the status bar stops it)."
        state = self.session.state
        if state.cloud is None or state.sample is None:
            return "Load a cloud and downsample it first."
        if state.labels_sample is None:
            return "Load labels for the sample first."
        if self.method.currentText() == "voxel":
            made_by = state.sample_settings.method if state.sample_settings else ""
            if not made_by.startswith("voxel") or state.index_map is None:
                return "The voxel method needs a voxel downsample; use knn or auto."
        return ""

    def refresh(self) -> None:
        reason = self.why_disabled()
        knn = self.method.currentText() == "knn"
        for widget in (self.k, self.weights, self.max_distance):
            widget.setEnabled(knn)
        self.run_button.setEnabled(not reason)
        self.why.setText(reason)

    def carry_back(self) -> Job | None:
        """Start the carry-back in a worker; the result goes to `session.set_full_labels`."""
        if self.why_disabled():
            return None
        settings = self.settings()
        snapshot = replace(self.session.state)  # the worker reads a snapshot, never the live state
        built_from = _inputs(snapshot)

        def work(progress, cancel):
            return _transfer(settings, snapshot, progress, cancel)

        self.job = run_job(
            self.session,
            f"Carrying labels back ({settings.method})",
            work,
            lambda result: self._done(result, built_from),
            owner=self,
        )
        # One carry-back at a time: a second click would race the first to the session.
        self.run_button.setEnabled(False)
        self.job.ended.connect(self.refresh)
        return self.job

    def _done(self, result, built_from: tuple) -> None:
        """Hand the labels to the session, unless what they were carried from was replaced."""
        labels_full, note = result
        state = self.session.state
        # Identity, not length: new sample labels of the same sample have the same length,
        # and the old job's labels would silently replace the cleared labels_full.
        if any(now is not then for now, then in zip(_inputs(state), built_from, strict=True)):
            self.session.message.emit(
                "The cloud, sample or its labels changed while carrying back; run it again."
            )
            return
        self.session.set_full_labels(labels_full)
        if state.display.color_by not in ("labels", "errors"):
            self.session.set_display(replace(state.display, color_by="labels"))
        self.session.message.emit(f"Labels carried back to every point{note}.")


def _inputs(state: SessionState) -> tuple:
    """The objects a carry-back is computed from; a new one of any makes its result stale."""
    return (state.cloud, state.sample, state.index_map, state.labels_sample)


def _transfer(settings: TransferSettings, state: SessionState, progress, cancel):
    """Run the chosen method; returns (labels_full (N,) in the sample labels' dtype, a note)."""
    sample, labels_sample, index_map = state.sample, state.labels_sample, state.index_map
    assert sample is not None and labels_sample is not None
    # Only the neighbour methods need the full cloud, in the frame the sample was made in.
    full = None if settings.method == "voxel" else full_cloud_in_view(state, "sample")
    made = state.sample_settings
    voxel_size = made.voxel_size if made and made.method.startswith("voxel") else None
    labels, report = carry_back(
        settings.method, full, sample, labels_sample, index_map,
        k=settings.k, weights=settings.weights, max_distance=settings.max_distance,
        voxel_size=voxel_size, progress=progress, cancel=cancel,
    )  # fmt: skip
    return labels, f"; {describe_auto(report)}" if report else ""


def describe_auto(report: dict) -> str:
    """What auto chose, in words (its report is for the record, not for reading)."""
    chosen = str(report.get("chosen", ""))
    kind, _, width = chosen.partition("-")
    if kind == "map":
        how = "every point took the label of its voxel's sample point"
    elif kind == "knn5":
        how = "points in mixed voxels took the vote of their 5 nearest sample points"
    else:
        where = " on the same surface" if kind == "surface" else ""
        how = (
            f"points in mixed voxels took the vote of nearby sample points{where}, "
            f"weighted over about {width or '?'} voxels"
        )
    mixed = report.get("n_in_mixed_voxels")
    share = ""
    if isinstance(mixed, int) and report.get("n_points"):
        share = f" ({100 * mixed / int(report['n_points']):.1f} % of the points)"
    return f"auto {how}{share if kind != 'map' else ''}"
