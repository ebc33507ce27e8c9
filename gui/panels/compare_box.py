"""Compare two downsamples side by side (two methods or two voxel sizes), linked cameras.

Part of the downsample panel: setting A is the panel's current setting, setting B is chosen
here. Both are computed on a worker and drawn with `Viewport.show_comparison`.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QPushButton, QWidget

from core.methods import VOXEL_METHODS
from core.progress import sub_progress
from core.spacing import ScanScale
from gui.preview import PreviewResult, exact_downsample
from gui.session import DownsampleSettings, Session
from gui.viewport import Viewport
from gui.workers import LatestOnly


class CompareBox(QGroupBox):
    """Setting B and a toggle that shows A | B in the viewport."""

    def __init__(self, session: Session, viewport: Viewport, parent: QWidget | None = None):
        super().__init__("Compare side by side", parent)
        from gui.panels.downsample_panel import MAX_CM, MIN_CM, method_combo

        self.session = session
        self.viewport = viewport
        self.method = method_combo()
        self.voxel_cm = QDoubleSpinBox()
        self.voxel_cm.setRange(MIN_CM, MAX_CM)
        self.voxel_cm.setDecimals(2)
        self.voxel_cm.setSuffix(" cm")
        self.voxel_cm.setValue(10.0)  # until a scan's scale is known (`set_scale`)
        self.voxel_cm.setKeyboardTracking(False)
        self.toggle = QPushButton("Compare")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip("Left: the settings above; right: these settings")
        form = QFormLayout(self)
        form.addRow("Method B", self.method)
        form.addRow("Voxel size B", self.voxel_cm)
        form.addRow(self.toggle)
        # A comparison is two downsamples: seconds on a big cloud, so it is shown with
        # progress and Cancel; Cancel turns the comparison off.
        self._runner = LatestOnly(session, self, quiet=False)
        self._runner.on_cancelled = lambda: self.toggle.setChecked(False)
        self.toggle.toggled.connect(self._toggled)
        self.method.currentIndexChanged.connect(lambda _: self.request())
        self.voxel_cm.valueChanged.connect(lambda _: self.request())
        session.downsample_settings_changed.connect(self.request)
        session.rotation_changed.connect(self.request)
        session.cloud_changed.connect(lambda: self.toggle.setChecked(False))

    def set_scale(self, scale: ScanScale) -> None:
        """A new scan: B's range is the scan's, and B starts at twice A's first voxel."""
        lo, hi = scale.voxel_range()
        with QSignalBlocker(self.voxel_cm):
            self.voxel_cm.setRange(lo * 100, hi * 100)
            self.voxel_cm.setValue(min(2 * scale.default_voxel(), hi) * 100)

    def setting_b(self) -> DownsampleSettings:
        return replace(
            self.session.state.downsample,
            method=self.method.currentData(),
            voxel_size=self.voxel_cm.value() / 100,
        )

    def _toggled(self, on: bool) -> None:
        if on:
            self.request()
        else:
            self._runner.cancel()
            self.viewport.end_comparison()

    def request(self) -> None:
        """Recompute both sides if the comparison is on."""
        state = self.session.state
        if not self.toggle.isChecked() or state.cloud is None:
            return
        cloud, rotation = state.cloud, state.rotation
        a, b = state.downsample, self.setting_b()

        def both(progress, cancel):  # type: ignore[no-untyped-def]
            left = exact_downsample(cloud, rotation, a, sub_progress(progress, 0, 0.5), cancel)
            right = exact_downsample(cloud, rotation, b, sub_progress(progress, 0.5, 1), cancel)
            return left, right

        self._runner.submit(
            "Comparing downsamples",
            both,
            self._show,
            lambda sentence: self.session.error.emit(self.title(), sentence),
        )

    def _show(self, pair: tuple[PreviewResult, PreviewResult]) -> None:
        if not self.toggle.isChecked():
            return
        left, right = pair
        self.viewport.show_comparison(left.sample, right.sample, _title(left), _title(right))


def _title(result: PreviewResult) -> str:
    settings = result.settings
    size = f"{settings.voxel_size * 100:g} cm" if settings.method in VOXEL_METHODS else ""
    return f"{settings.method} {size} ({result.seconds:.2f} s)".replace("  ", " ")
