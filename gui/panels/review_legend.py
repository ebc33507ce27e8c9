"""The legend: class colours, names and point counts, a visibility tick per class, and the
display controls of label review (colour by, which cloud, blend with RGB, a tile to inspect).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.classes import UNLABELED_COLOR, LabelClass, classes_for
from core.cloud import UNLABELED
from core.labeling.layers import LabelLayers, hand_set_counts
from core.report import label_counts
from gui import uncertainty_view
from gui.panels.review_common import (
    full_cloud_in_view,
    labels_to_show,
    read_only_item,
    swatch,
    tile_mask,
)
from gui.panels.review_tile_box import TileBoxDialog, middle_of
from gui.session import Session

SHOW_CHOICES = {"full": "Full cloud", "sample": "Sample", "side-by-side": "Side by side"}
COLOR_CHOICES = {
    "labels": "Class",
    "errors": "Errors",
    "uncertainty": "Uncertainty",
    "rgb": "RGB",
    "height": "Height",
}


class LegendWidget(QWidget):
    """Legend rows (tick = visible) over the labels on screen, and the display controls."""

    def __init__(self, session: Session, viewport: object, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.viewport = viewport
        # (the labels array counted, its counts): the array itself, compared with `is`, since
        # an id can be reused by a new array once the old one is freed.
        # The labels counted, the tile and rotation they were counted in, and the counts.
        self._counts_for: tuple[np.ndarray, object, dict[int, int]] | None = None
        self._hand_counts: dict[int, int] | None = None  # None: count again
        self.caption = QLabel(self)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["class", "points", "by hand"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        by_hand = QTableWidgetItem("by hand")
        by_hand.setToolTip("Points of the full cloud set by hand; carrying back again keeps them")
        self.table.setHorizontalHeaderItem(2, by_hand)
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(self._on_tick)
        self.row_ids: list[int] = []  # class id of each table row; UNLABELED for the last
        self._build_controls()
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.controls)
        # Before `refresh` (same signals): a carry-back or a new cloud, hand counts again.
        for signal in (session.full_labels_changed, session.cloud_changed):
            signal.connect(self._forget_hand_counts)
        for signal in (
            session.classes_changed,
            session.sample_labels_changed,
            session.full_labels_changed,
            session.truth_changed,
            session.display_changed,
            session.cloud_changed,
        ):
            signal.connect(self.refresh)
        # Strokes change the label arrays in place: the counts of that array are stale.
        session.labeling.painted.connect(self._after_stroke)
        # A new scan: the crop box of the old one goes (its tile was cleared by the session).
        session.cloud_changed.connect(lambda: self.tile_button.setChecked(False))
        self.refresh()

    def _build_controls(self) -> None:
        self.color_by = QComboBox(self)
        for key, text in COLOR_CHOICES.items():
            self.color_by.addItem(text, key)
        self.color_by.activated.connect(lambda: self._set(color_by=self.color_by.currentData()))
        self.show_choice = QComboBox(self)
        for key, text in SHOW_CHOICES.items():
            self.show_choice.addItem(text, key)
        self.show_choice.activated.connect(lambda: self._set(show=self.show_choice.currentData()))
        self.blend = QSlider(Qt.Orientation.Horizontal, self)
        self.blend.setRange(0, 100)
        self.blend.setToolTip("Left: class colour only; right: the scan's own colours")
        self.blend.valueChanged.connect(lambda v: self._set(blend=v / 100.0))
        self.tile_button = QPushButton("Crop a tile…", self)
        self.tile_button.setCheckable(True)
        self.tile_button.setToolTip("Drag the box; the points inside are shown at full density")
        self.tile_button.toggled.connect(self._toggle_tile_box)
        self.clear_tile_button = QPushButton("Whole cloud", self)
        self.clear_tile_button.clicked.connect(self.clear_tile)
        self.tile_numbers_button = QPushButton("Numbers…", self)
        self.tile_numbers_button.setToolTip("Type the tile's corners in metres")
        self.tile_numbers_button.clicked.connect(self.enter_tile)
        tile_row = QHBoxLayout()
        tile_row.addWidget(self.tile_button)
        tile_row.addWidget(self.tile_numbers_button)
        tile_row.addWidget(self.clear_tile_button)
        self.controls = QFormLayout()
        self.controls.addRow("Colour by", self.color_by)
        self.controls.addRow("Show", self.show_choice)
        self.controls.addRow("Blend with RGB", self.blend)
        self.controls.addRow("Tile", tile_row)

    # -- follow the session -------------------------------------------------------------
    def counts(self) -> dict[int, int]:
        """Points per class id of the labels on screen (cached per labels array)."""
        state = self.session.state
        labels, _ = labels_to_show(state)
        if labels is None:
            self._counts_for = None  # do not keep a dropped array alive
            return {}
        where = (self._tile_of(labels), state.rotation)
        if (
            self._counts_for is None
            or self._counts_for[0] is not labels
            or self._counts_for[1] != where
        ):
            mask = tile_mask(state) if where[0] is not None else None
            counted = labels if mask is None else labels[mask]
            self._counts_for = (labels, where, label_counts(counted))
        return self._counts_for[2]

    def hand_counts(self) -> dict[int, int]:
        """Hand-set points per class of the full cloud (empty when nothing was set by hand)."""
        state = self.session.state
        origin = self.session.labeling.origin_full
        labels = state.labels_full
        if labels is None or origin is None or len(origin) != len(labels):
            return {}
        if self._hand_counts is None:
            self._hand_counts = hand_set_counts(LabelLayers(labels, origin))
        return self._hand_counts

    def _forget_hand_counts(self) -> None:
        self._hand_counts = None

    def _after_stroke(self, target: str, rows: object) -> None:
        self._counts_for = None
        if target == "full":
            self._hand_counts = None
        self.refresh()

    def _tile_of(self, labels: np.ndarray) -> object:
        """The tile the counts follow: only labels of the full cloud lie in it."""
        cloud = self.session.state.cloud
        tile = self.session.state.display.tile
        return tile if cloud is not None and len(labels) == len(cloud) else None

    def legend_classes(self) -> list[LabelClass]:
        """The class list, plus generic entries for ids in the labels that it does not name."""
        known = self.session.state.classes
        listed = {c.id for c in known}
        extra = [i for i in self.counts() if i != UNLABELED and i not in listed]
        return list(known) + [c for c in classes_for(extra, known) if c.id in extra]

    def refresh(self) -> None:
        state = self.session.state
        display = state.display
        labels, what = labels_to_show(state)
        counts = self.counts()
        hand = self.hand_counts()
        if what:
            shown = shown_count(counts, display.hidden_classes, display.show_unlabeled)
            total = sum(counts.values())
            tiled = labels is not None and self._tile_of(labels) is not None
            inside = " inside the tile" if tiled else ""
            self.caption.setText(
                f"Points of the {what} labels{inside}: {shown:,} of {total:,} shown."
            )
        else:
            self.caption.setText("No labels yet: load labels for the sample (Labels tab).")
        classes = self.legend_classes()
        self.row_ids = [c.id for c in classes] + [UNLABELED]
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.row_ids))
        for row, item in enumerate(classes):
            visible = item.id not in display.hidden_classes
            self._fill_row(row, item.name, item.color, counts.get(item.id, 0), visible)
            self._fill_hand(row, hand.get(item.id, 0))
        self._fill_row(
            len(classes),
            "unlabeled",
            UNLABELED_COLOR,
            counts.get(UNLABELED, 0),
            display.show_unlabeled,
        )
        self._fill_hand(len(classes), hand.get(UNLABELED, 0))  # erased by hand
        self.table.blockSignals(False)
        self._show_controls(labels is not None)

    def _fill_row(self, row: int, name: str, color, count: int, visible: bool) -> None:
        name_item = QTableWidgetItem(swatch(color), name)
        name_item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        name_item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
        name_item.setToolTip("Untick to hide these points")
        self.table.setItem(row, 0, name_item)
        count_item = read_only_item(f"{count:,}")
        count_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, 1, count_item)

    def _fill_hand(self, row: int, count: int) -> None:
        item = read_only_item(f"{count:,}" if count else "")
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, 2, item)

    def _show_controls(self, has_labels: bool) -> None:
        state = self.session.state
        display = state.display
        for combo, value in ((self.color_by, display.color_by), (self.show_choice, display.show)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)
        can_score = state.labels_full is not None and state.truth_full is not None
        _enable_item(self.color_by, "errors", can_score)
        _enable_item(self.color_by, "uncertainty", uncertainty_view.can_show(state))
        _enable_item(self.show_choice, "sample", state.sample is not None)
        _enable_item(self.show_choice, "side-by-side", state.sample is not None)
        self.blend.blockSignals(True)
        self.blend.setValue(round(display.blend * 100))
        self.blend.blockSignals(False)
        self.blend.setEnabled(
            has_labels and state.cloud is not None and state.cloud.rgb is not None
        )
        self.tile_button.setEnabled(state.cloud is not None)
        self.tile_numbers_button.setEnabled(state.cloud is not None)
        self.clear_tile_button.setEnabled(display.tile is not None)

    # -- user actions -------------------------------------------------------------------
    def _set(self, **changes) -> None:
        display = self.session.state.display
        if any(getattr(display, key) != value for key, value in changes.items()):
            self.session.set_display(replace(display, **changes))

    def _on_tick(self, item: QTableWidgetItem) -> None:
        if item.column() != 0 or not 0 <= item.row() < len(self.row_ids):
            return
        class_id = self.row_ids[item.row()]
        visible = item.checkState() == Qt.CheckState.Checked
        self.set_class_visible(class_id, visible)

    def set_class_visible(self, class_id: int, visible: bool) -> None:
        """Show or hide one class (UNLABELED: the unlabeled points)."""
        display = self.session.state.display
        if class_id == UNLABELED:
            self._set(show_unlabeled=visible)
            return
        hidden = set(display.hidden_classes)
        if visible:
            hidden.discard(class_id)
        else:
            hidden.add(class_id)
        self._set(hidden_classes=frozenset(hidden))

    def _toggle_tile_box(self, on: bool) -> None:
        viewport = self.viewport
        if on:
            viewport.start_box_selection(self._on_box)  # type: ignore[attr-defined]
        else:
            viewport.stop_box_selection()  # type: ignore[attr-defined]

    def _on_box(self, bounds) -> None:
        lo, hi = (tuple(float(v) for v in corner) for corner in bounds)
        self._set(tile=(lo, hi))

    def enter_tile(self) -> TileBoxDialog | None:
        """The tile box as numbers; starts at the tile, or the middle of the cloud."""
        cloud = full_cloud_in_view(self.session.state, "view")
        if cloud is None:
            return None
        lo, hi = cloud.bounds()
        limits = (tuple(float(v) for v in lo), tuple(float(v) for v in hi))
        start = self.session.state.display.tile or middle_of(limits)  # type: ignore[arg-type]
        dialog = TileBoxDialog(start, limits, self)  # type: ignore[arg-type]
        dialog.accepted.connect(lambda: self._set(tile=dialog.tile()))
        dialog.open()
        return dialog

    def clear_tile(self) -> None:
        if self.tile_button.isChecked():
            self.tile_button.setChecked(False)
        self._set(tile=None)


def _enable_item(combo: QComboBox, key: str, enabled: bool) -> None:
    """Grey out one choice of a combo box (the model is a QStandardItemModel)."""
    index = combo.findData(key)
    item = combo.model().item(index) if index >= 0 else None  # type: ignore[attr-defined]
    if item is not None:
        item.setEnabled(enabled)


def shown_count(counts: dict[int, int], hidden: frozenset[int], show_unlabeled: bool) -> int:
    """How many of the counted points stay visible after hiding classes."""
    return sum(
        n
        for class_id, n in counts.items()
        if class_id not in hidden and (show_unlabeled or class_id != UNLABELED)
    )
