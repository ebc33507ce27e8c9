"""A class list editor: names, ids and colours; add, remove, rename, reorder.

Used by the labels panel (the session's class list) and the Ground Truth panel (the
labels sent to the workers). It edits a list and announces it; the owner decides where
the list goes.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QGridLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.classes import LabelClass, default_color
from gui.panels.review_common import swatch

_ID, _NAME = 0, 1


class ClassListEditor(QWidget):
    """A table of classes (id, name with a colour swatch) and buttons to edit it.

    Signals
    -------
    classes_edited(list) : the list of `LabelClass` after every user edit.
    """

    classes_edited = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._classes: list[LabelClass] = []
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["id", "name"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(self._on_item_changed)
        # Three to a row: five in one row were wider than a dock and hid "Colour…".
        buttons = QGridLayout()
        for i, (text, slot, tip) in enumerate(
            (
                ("Add", self.add_class, "Add a class"),
                ("Remove", self.remove_selected, "Remove the selected class"),
                ("Up", lambda: self.move_selected(-1), "Move the selected class up"),
                ("Down", lambda: self.move_selected(1), "Move the selected class down"),
                ("Colour…", self.choose_color, "Choose the selected class's colour"),
            )
        ):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.addWidget(button, i // 3, i % 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    # -- the list -----------------------------------------------------------------------
    def classes(self) -> list[LabelClass]:
        return list(self._classes)

    def set_classes(self, classes: list[LabelClass]) -> None:
        """Show `classes` without announcing an edit."""
        self._classes = list(classes)
        self._refill()

    def _refill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._classes))
        for row, item in enumerate(self._classes):
            id_item = QTableWidgetItem(str(item.id))
            id_item.setToolTip("The number stored per point; 255 means unlabeled")
            self.table.setItem(row, _ID, id_item)
            name_item = QTableWidgetItem(swatch(item.color), item.name)
            name_item.setToolTip(item.hex_color)
            self.table.setItem(row, _NAME, name_item)
        self.table.blockSignals(False)

    def _edited(self, classes: list[LabelClass], select: int | None = None) -> None:
        self._classes = classes
        self._refill()
        if select is not None and 0 <= select < len(classes):
            self.table.selectRow(select)
        self.classes_edited.emit(self.classes())

    # -- edits --------------------------------------------------------------------------
    def add_class(self) -> None:
        next_id = max((c.id for c in self._classes), default=-1) + 1
        if next_id == 255:  # 255 means unlabeled everywhere
            next_id = 256
        new = LabelClass(next_id, f"class {next_id}", default_color(len(self._classes)))
        self._edited(self._classes + [new], select=len(self._classes))

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._classes):
            self._edited(self._classes[:row] + self._classes[row + 1 :], select=row - 1)

    def move_selected(self, step: int) -> None:
        row = self.table.currentRow()
        other = row + step
        if 0 <= row < len(self._classes) and 0 <= other < len(self._classes):
            classes = list(self._classes)
            classes[row], classes[other] = classes[other], classes[row]
            self._edited(classes, select=other)

    def choose_color(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self._classes):
            return
        current = self._classes[row]
        color = QColorDialog.getColor(QColor(*current.color), self, f"Colour of {current.name}")
        if color.isValid():
            self.set_color(row, (color.red(), color.green(), color.blue()))

    def set_color(self, row: int, color: tuple[int, int, int]) -> None:
        classes = list(self._classes)
        classes[row] = LabelClass(classes[row].id, classes[row].name, color)
        self._edited(classes, select=row)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        row = item.row()
        if not 0 <= row < len(self._classes):
            return
        current = self._classes[row]
        classes = list(self._classes)
        if item.column() == _NAME:
            name = item.text().strip() or current.name
            classes[row] = LabelClass(current.id, name, current.color)
        else:
            classes[row] = LabelClass(
                self._parse_id(item.text(), current.id), current.name, current.color
            )
        self._edited(classes, select=row)

    def _parse_id(self, text: str, fallback: int) -> int:
        """A whole-number id not used by another class and not 255 (unlabeled)."""
        try:
            value = int(text)
        except ValueError:
            return fallback
        taken = {c.id for c in self._classes} - {fallback}
        return fallback if value < 0 or value == 255 or value in taken else value
