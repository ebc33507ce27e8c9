"""Downsample panel: method, voxel size or target count, a live preview, and a comparison.

The voxel size has a slider on a log scale and a spin box in cm, both over a range from the
scan's point spacing to a fifth of its extent (gui/panels/downsample_scale.py); the voxel
methods can also be asked for a point count. Every change goes to
`session.set_downsample_settings`; the preview follows the session.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.cloud import PointCloud
from core.methods import VOXEL_METHODS, describe_settings
from core.spacing import ScanScale, scan_scale
from gui import confirm
from gui.lod import human_count
from gui.panels import downsample_scale as scale_rules
from gui.panels.compare_box import CompareBox
from gui.preview import PreviewController, PreviewResult
from gui.preview_frames import coarse_until_preview
from gui.session import DownsampleSettings, Session
from gui.viewport import Viewport
from gui.workers import Job, LatestOnly, run_job

METHOD_NAMES = {
    "voxel-mean": "Voxel mean",
    "voxel-nearest": "Voxel nearest (real points)",
    "stride": "Every n-th point",
    "random": "Random",
}
MIN_CM, MAX_CM = 0.2, 50.0
SLIDER_STEPS = 1000
ROTATION_PAUSE_MS = 300


def cm_to_slider(cm: float, lo: float = MIN_CM, hi: float = MAX_CM) -> int:
    """Slider position for a voxel size in cm (log scale from `lo` to `hi` cm)."""
    cm = min(max(cm, lo), hi)
    return round(SLIDER_STEPS * math.log(cm / lo) / math.log(hi / lo))


def slider_to_cm(position: int, lo: float = MIN_CM, hi: float = MAX_CM) -> float:
    """Voxel size in cm for a slider position, rounded to what the spin box shows."""
    return round(lo * (hi / lo) ** (position / SLIDER_STEPS), 2)


def method_combo() -> QComboBox:
    combo = QComboBox()
    for method, name in METHOD_NAMES.items():
        combo.addItem(name, method)
    return combo


class DownsamplePanel(QWidget):
    """Controls bound both ways to `session.state.downsample`, plus the live preview."""

    title = "Downsample"
    area = "right"

    def __init__(self, session: Session, viewport: Viewport, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.viewport = viewport
        self.preview = PreviewController(session, lambda: viewport.display_index, self)
        self.method = method_combo()
        self.voxel_slider = QSlider(Qt.Orientation.Horizontal)
        self.voxel_slider.setRange(0, SLIDER_STEPS)
        self.voxel_slider.setPageStep(SLIDER_STEPS // 20)
        self.voxel_cm = QDoubleSpinBox()
        self.voxel_cm.setDecimals(2)
        self.voxel_cm.setSuffix(" cm")
        self.voxel_cm.setKeyboardTracking(False)
        self.target = QSpinBox()
        self.target.setRange(1, 2_000_000_000)
        self.target.setGroupSeparatorShown(True)
        self.target.setSuffix(" points")
        self.target.setKeyboardTracking(False)
        self.voxel_by = QComboBox()
        self.voxel_by.addItem("Voxel size", scale_rules.BY_SIZE)
        self.voxel_by.addItem("Point count", scale_rules.BY_COUNT)
        self.voxel_by.setToolTip("Voxel methods: choose the voxel edge, or the points to keep")
        self.scale: ScanScale | None = None
        self._measuring: Job | None = None
        self._search = LatestOnly(session, self)
        self._searched: tuple | None = None  # what the voxel size was last searched for
        self._set_range(*scale_rules.FALLBACK_RANGE)
        self.live = QCheckBox("Live preview")
        self.live.setChecked(True)
        self.count_label = QLabel("-")
        self.ratio_label = QLabel("-")
        self.time_label = QLabel("-")
        self.use_button = QPushButton("Use this sample")
        self.use_button.setToolTip("Make the previewed downsample the one to label")
        self.use_button.setEnabled(False)
        self.compare = CompareBox(session, viewport, self)
        self._layout()
        self.method.currentIndexChanged.connect(lambda _: self._push())
        self.voxel_by.currentIndexChanged.connect(lambda _: self._push())
        self.voxel_slider.valueChanged.connect(self._slider_moved)
        self.voxel_cm.valueChanged.connect(lambda _: self._push())
        self.target.valueChanged.connect(lambda _: self._push())
        self.live.toggled.connect(self._live_toggled)
        self.use_button.clicked.connect(self.use_sample)
        self.preview.estimated.connect(self._show_estimate)
        self.preview.computed.connect(self._show_result)
        self.preview.failed.connect(self._show_failure)
        self.preview.cancelled.connect(
            lambda: self.time_label.setText("cancelled; change a setting to preview again")
        )
        session.downsample_settings_changed.connect(self.refresh)
        session.downsample_settings_changed.connect(self._settings_changed)
        # While the orient sliders move the view turns at once; the preview waits for a pause
        # so the downsample does not compete with drawing.
        self._after_rotation = QTimer(self, singleShot=True, interval=ROTATION_PAUSE_MS)
        self._after_rotation.timeout.connect(self._request_preview)
        session.rotation_changed.connect(self._after_rotation.start)
        session.cloud_changed.connect(self._cloud_changed)
        # An accepted sample is what the view shows: a preview still on its way would
        # replace it (the next change of a setting previews again).
        session.sample_changed.connect(self.preview.cancel)
        self.refresh()

    def _layout(self) -> None:
        voxel_row = QHBoxLayout()
        voxel_row.addWidget(self.voxel_slider, 1)
        voxel_row.addWidget(self.voxel_cm)
        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("Choose by", self.voxel_by)
        form.addRow("Voxel size", voxel_row)
        form.addRow("Target count", self.target)
        form.addRow(self.live)
        form.addRow("Points", self.count_label)
        form.addRow("Of full cloud", self.ratio_label)
        form.addRow("Time", self.time_label)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.use_button)
        layout.addWidget(self.compare)
        layout.addStretch(1)

    # -- widgets -> session -----------------------------------------------------------
    def _set_range(self, lo_m: float, hi_m: float) -> None:
        """The voxel sizes offered, in metres (from the scan's scale)."""
        self.range_cm = (lo_m * 100, hi_m * 100)
        with QSignalBlocker(self.voxel_cm):
            self.voxel_cm.setRange(*self.range_cm)
            self.voxel_cm.setSingleStep(_step(self.range_cm[0]))
        self.voxel_slider.setToolTip(
            f"Voxel edge, log scale from {_cm(self.range_cm[0])} to {_cm(self.range_cm[1])}"
        )

    def _slider_moved(self, position: int) -> None:
        with QSignalBlocker(self.voxel_cm):
            self.voxel_cm.setValue(slider_to_cm(position, *self.range_cm))
        self._push()

    def by(self) -> str:
        """'size' or 'count': how the voxel methods' voxel edge is chosen."""
        return str(self.voxel_by.currentData())

    def _push(self) -> None:
        settings = replace(
            self.session.state.downsample,
            method=self.method.currentData(),
            voxel_size=self.voxel_cm.value() / 100,
            target=self.target.value(),
        )
        self._remember(settings)
        if settings != self.session.state.downsample:
            self.session.set_downsample_settings(settings)
        elif scale_rules.chooses_by_count(settings, self.by()):
            self.refresh()
            self._request_preview()

    def _remember(self, settings: DownsampleSettings) -> None:
        store, path = getattr(self.window(), "settings", None), self.session.state.path
        if store is not None and path and self.scale is not None:
            store.set_scan_downsample(path, scale_rules.to_remember(settings, self.by()))

    # -- session -> widgets -----------------------------------------------------------
    def refresh(self) -> None:
        settings = self.session.state.downsample
        cm = settings.voxel_size * 100
        with QSignalBlocker(self.method), QSignalBlocker(self.voxel_cm):
            self.method.setCurrentIndex(max(self.method.findData(settings.method), 0))
            self.voxel_cm.setValue(cm)
        with QSignalBlocker(self.voxel_slider), QSignalBlocker(self.target):
            self.voxel_slider.setValue(cm_to_slider(cm, *self.range_cm))
            self.target.setValue(settings.target)
        # Until the new scan's spacing is measured, the sizes shown are the last scan's.
        measured = self.scale is not None or self.session.state.cloud is None
        voxel = settings.method in VOXEL_METHODS and measured
        by_count = scale_rules.chooses_by_count(settings, self.by())
        for widget in (self.voxel_slider, self.voxel_cm):
            widget.setEnabled(voxel and not by_count)
        self.voxel_by.setEnabled(voxel)
        self.target.setEnabled(measured and (settings.method not in VOXEL_METHODS or by_count))

    def _settings_changed(self) -> None:
        if getattr(self, "_opening", False):
            return
        if self.session.state.cloud is not None and self.session.state.display.show == "full":
            # The user is tuning the sample: show it beside the full cloud.
            coarse_until_preview(self.viewport)
            self.session.set_display(replace(self.session.state.display, show="side-by-side"))
        self._request_preview()

    def _cloud_changed(self) -> None:
        self._after_rotation.stop()
        self.preview.cancel()
        self._search.cancel()
        self.use_button.setEnabled(False)
        for label in (self.count_label, self.ratio_label, self.time_label):
            label.setText("-")
        self.scale, self._searched = None, None
        cloud = self.session.state.cloud
        self.refresh()
        if cloud is None:
            return
        self.time_label.setText("measuring the point spacing...")
        xyz = cloud.xyz
        self._measuring = run_job(
            self.session,
            "Measuring the point spacing",
            lambda p, c: scan_scale(xyz, progress=p, cancel=c),
            lambda scale: self._scale_measured(cloud, scale),
            quiet=True,
            owner=self,
        )

    def _scale_measured(self, cloud: PointCloud, scale: ScanScale) -> None:
        """The scan's own range and first settings (remembered, else from its spacing)."""
        state = self.session.state
        if state.cloud is not cloud:
            return  # another cloud was opened meanwhile
        self.scale = scale
        self._set_range(*scale.voxel_range())
        store = getattr(self.window(), "settings", None)
        remembered = store.scan_downsample(state.path) if store and state.path else None
        settings, by = scale_rules.first_settings(state.downsample, scale, len(cloud), remembered)
        with QSignalBlocker(self.voxel_by):
            self.voxel_by.setCurrentIndex(max(self.voxel_by.findData(by), 0))
        self._opening = True  # a new scan's first settings do not switch the view
        try:
            self.session.set_downsample_settings(settings)
        finally:
            self._opening = False
        self.refresh()
        if state.sample is None:  # a sample set meanwhile (a project, a test) stays shown
            self._request_preview()
        self.compare.set_scale(scale)

    def _live_toggled(self, on: bool) -> None:
        if on:
            self._request_preview()
        else:
            self.preview.cancel()
            self.viewport.set_preview(None)
            self.time_label.setText("live preview off")

    def _request_preview(self) -> None:
        state = self.session.state
        if state.cloud is None or self.scale is None:
            return  # the scale (and so the first settings) comes first
        if scale_rules.chooses_by_count(state.downsample, self.by()):
            key = (
                id(state.cloud),
                state.rotation,
                state.downsample.method,
                state.downsample.target,
            )
            if key != self._searched:
                self._search_voxel_size(key)
                return
        if self.live.isChecked():
            self.use_button.setEnabled(False)
            self.time_label.setText("computing...")
            self.preview.request()

    def _show_estimate(self, n: int, exact: bool) -> None:
        if self.preview.latest is not None:
            return  # the exact result already arrived
        self._show_count(n, exact)

    def _show_count(self, n: int, exact: bool) -> None:
        cloud = self.session.state.cloud
        n_full = len(cloud) if cloud is not None else 0
        self.count_label.setText(f"{n:,}" if exact else f"about {n:,} (estimate)")
        self.ratio_label.setText(f"{100 * n / max(n_full, 1):.2f} % of {human_count(n_full)}")

    def _show_result(self, result: PreviewResult) -> None:
        self._show_count(len(result.sample), True)
        self.time_label.setText(f"{result.seconds:.2f} s")
        self.use_button.setEnabled(True)
        title = f"preview ({_describe(result.settings)})"
        self.viewport.set_preview(result.sample, title, result.rotation)

    def _search_voxel_size(self, key: tuple) -> None:
        """Find the voxel edge for the target count on the estimate's subset, then preview."""
        state = self.session.state
        assert state.cloud is not None and self.scale is not None
        subset = self.preview.estimate_points(state.cloud)
        rotation, target, n = state.rotation, state.downsample.target, len(state.cloud)
        bounds = self.scale.voxel_range()
        self.time_label.setText(f"finding the voxel size for {target:,} points...")

        def found(voxel_size: float) -> None:
            self._searched = key
            settings = replace(self.session.state.downsample, voxel_size=voxel_size)
            self._remember(settings)
            if settings != self.session.state.downsample:
                self.session.set_downsample_settings(settings)
            else:
                self._request_preview()

        self._search.submit(
            "Finding the voxel size",
            lambda p, c: scale_rules.search_voxel_size(subset, rotation, target, n, bounds, c),
            found,
        )

    def is_busy(self) -> bool:
        """A preview is waiting or running (tests and benchmarks wait on it)."""
        measuring = self._measuring is not None and not self._measuring.delivered
        return (
            measuring
            or self._search.is_busy()
            or self._after_rotation.isActive()
            or self.preview.is_busy()
        )

    def _show_failure(self, sentence: str) -> None:
        self.count_label.setText("-")
        self.ratio_label.setText("-")
        self.time_label.setText(sentence)
        self.time_label.setWordWrap(True)

    def use_sample(self) -> None:
        """Make the previewed downsample the session's sample (clears sample labels)."""
        result = self.preview.latest
        if result is None or not confirm.replace_labeled_sample(self, self.session):
            return
        if callable(result.map_or_maker):
            # Its map is made a moment after the slider rests; clicked sooner, it is made
            # now on a worker, not on the UI thread (0.4-1.7 s at 20M points).
            self.preview.stop_map()
            self.use_button.setEnabled(False)
            job = run_job(
                self.session,
                "Making the index map",
                lambda p, c: result.make_map(c),
                lambda _: self._use(result),
                owner=self,
            )
            job.ended.connect(self._map_ended)  # done, failed or cancelled (Esc)
            return
        self._use(result)

    def _map_ended(self) -> None:
        self.use_button.setEnabled(self.preview.latest is not None)

    def _use(self, result: PreviewResult) -> None:
        self.use_button.setEnabled(True)
        self.viewport.set_preview(None)
        self.session.set_sample(result.sample, result.index_map, result.settings, result.rotation)
        self.session.message.emit(f"Downsampled to {len(result.sample):,} points")


def _describe(settings: DownsampleSettings) -> str:
    return describe_settings(settings.method, settings.voxel_size, settings.target)


def _cm(cm: float) -> str:
    return f"{cm / 100:g} m" if cm >= 100 else f"{cm:g} cm"


def _step(lo_cm: float) -> float:
    """The spin box's arrow step: a tenth of a power of ten near the smallest size."""
    return float(10 ** math.floor(math.log10(max(lo_cm, 0.01))))
