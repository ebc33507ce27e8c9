"""View panel: what is shown (full, sample, side by side), colour by, point size, background,
and the display budget (most points drawn per cloud)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui import uncertainty_view
from gui.coloring import field_key, field_name
from gui.session import Session
from gui.viewport import Viewport

SHOW = (("Full cloud", "full"), ("Downsampled", "sample"), ("Side by side", "side-by-side"))
COLOR_BY = (
    ("RGB", "rgb"),
    ("Height", "height"),
    ("Intensity", "intensity"),
    ("Class labels", "labels"),
    ("Uncertainty of labels", "uncertainty"),
    ("Errors vs known labels", "errors"),
)


class ViewPanel(QWidget):
    """Controls bound both ways to `session.state.display`."""

    title = "View"
    area = "left"

    def __init__(self, session: Session, viewport: Viewport, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.viewport = viewport
        self.show_combo = _combo(SHOW, lambda v: self._set(show=v))
        self.show_combo.setToolTip("Side by side links the two cameras (keys 1, 2, 3)")
        self.color_combo = _combo(COLOR_BY, lambda v: self._set(color_by=v))
        self._listed_fields: tuple[str, ...] = ()
        self.field_note = QLabel()
        self.field_note.setWordWrap(True)
        self.field_note.hide()
        self.point_size = QDoubleSpinBox()
        self.point_size.setRange(1.0, 12.0)
        self.point_size.setSingleStep(1.0)
        self.point_size.setDecimals(0)
        self.point_size.valueChanged.connect(lambda v: self._set(point_size=float(v)))
        self.background_button = QPushButton("Background...")
        self.background_button.clicked.connect(self._choose_background)
        self.budget = QSpinBox()
        self.budget.setRange(100, 20_000)
        self.budget.setSingleStep(100)
        self.budget.setSuffix(" k points")
        self.budget.setToolTip(
            "Most points drawn per cloud; computation always uses every point. "
            "Software OpenGL draws about 5M points a second."
        )
        self.budget.setKeyboardTracking(False)
        self.budget.setValue(viewport.display_budget // 1000)
        self.budget.valueChanged.connect(lambda k: viewport.set_display_budget(k * 1000))
        form = QFormLayout()
        form.addRow("Show", self.show_combo)
        form.addRow("Colour by", self.color_combo)
        form.addRow(self.field_note)
        form.addRow("Point size", self.point_size)
        form.addRow("Display budget", self.budget)
        form.addRow(self.background_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        for signal in (
            session.display_changed,
            session.cloud_changed,
            session.sample_labels_changed,
            session.full_labels_changed,
            session.truth_changed,
            session.sample_changed,
            session.downsample_settings_changed,
        ):
            signal.connect(self.refresh)
        self.refresh()

    def _set(self, **changes: Any) -> None:
        self.session.set_display(replace(self.session.state.display, **changes))

    def _choose_background(self) -> None:
        color = QColorDialog.getColor(parent=self, title="Background colour")
        if color.isValid():
            self.viewport.decor.set_background(color.name())
            self.viewport.update_view()

    def refresh(self) -> None:
        display = self.session.state.display
        self._list_fields()
        for combo, value in ((self.show_combo, display.show), (self.color_combo, display.color_by)):
            with QSignalBlocker(combo):
                combo.setCurrentIndex(max(combo.findData(value), 0))
        with QSignalBlocker(self.point_size):
            self.point_size.setValue(display.point_size)
        # Only what this cloud has: lone-star has no colour, so RGB is greyed out.
        for key, on in available_colourings(self.session).items():
            _enable_item(self.color_combo, key, on)
        note = sample_field_note(self.session)
        self.field_note.setText(note)
        self.field_note.setVisible(bool(note))
        self.field_note.setToolTip(
            "A mean of classes or return numbers means nothing, so voxel mean keeps no fields; "
            "voxel nearest, stride and random keep them."
        )

    def _list_fields(self) -> None:
        """The cloud's own fields (return_number, classification, ...) after the fixed
        choices, rebuilt only when a cloud with other fields is opened."""
        cloud = self.session.state.cloud
        names = tuple(cloud.point_fields) if cloud is not None else ()
        if names == self._listed_fields:
            return
        combo = self.color_combo
        with QSignalBlocker(combo):
            while combo.count() > len(COLOR_BY):
                combo.removeItem(combo.count() - 1)
            if names:
                combo.insertSeparator(combo.count())
            for name in names:
                combo.addItem(name, field_key(name))
                tip = f"The file's {name} field"
                combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self._listed_fields = names


def sample_field_note(session: Session) -> str:
    """Why the downsampled cloud is grey when coloured by a field it does not have; ''."""
    state = session.state
    name = field_name(state.display.color_by)
    if name is None or state.display.show == "full":
        return ""
    if state.sample is not None:
        lacks = name not in state.sample.point_fields
    else:  # the live preview, if any, follows the Downsample panel's method
        lacks = state.downsample.method == "voxel-mean"
    if not lacks:
        return ""
    return f"No {name} in a voxel-mean sample: drawn grey."


def available_colourings(session: Session) -> dict[str, bool]:
    """Which 'Colour by' choices the loaded cloud and labels can show."""
    state = session.state
    cloud = state.cloud
    labels = state.labels_full is not None or state.truth_full is not None
    labels = labels or state.labels_sample is not None
    return {
        "rgb": cloud is None or cloud.rgb is not None,
        "intensity": cloud is None or cloud.intensity is not None,
        "labels": labels,
        "errors": state.labels_full is not None and state.truth_full is not None,
        "uncertainty": uncertainty_view.can_show(state),
    }


def _enable_item(combo: QComboBox, key: str, enabled: bool) -> None:
    index = combo.findData(key)
    item = combo.model().item(index) if index >= 0 else None  # type: ignore[attr-defined]
    if item is not None:
        item.setEnabled(enabled)


def _combo(items: tuple[tuple[str, str], ...], on_choice: Any) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    combo.currentIndexChanged.connect(lambda _: on_choice(combo.currentData()))
    return combo
