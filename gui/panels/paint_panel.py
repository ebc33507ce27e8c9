"""The Label panel: class palette (keys 1-9 pick, 0 erases), tools, modifiers, undo/redo,
and the progress figures. It reads and writes the session's `labeling`; nothing else.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.classes import UNLABELED_COLOR, LabelClass
from core.cloud import UNLABELED
from gui.panels.review_classes import ClassListEditor
from gui.panels.review_queue_box import ReviewQueueBox
from gui.session import Session
from gui.tools import TOOL_TITLES

_PROTECT = (("any class", "none"), ("unlabeled only", "unlabeled"),
            ("the selected classes", "classes"))  # fmt: skip


class PaintPanel(QWidget):
    """Palette, tools and options of the Label mode."""

    title = "Label"
    area = "right"

    def __init__(self, session: Session, viewport: object, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.labeling = session.labeling
        self.active = QLabel(self)
        self.active.setObjectName("active_class")
        self.active.setMinimumHeight(28)
        self.active.setWordWrap(True)  # a long class name must not widen the dock
        self.classes = ClassListEditor(self)
        self.classes.classes_edited.connect(session.set_classes)
        erase = QPushButton("Erase (0)", self)
        erase.clicked.connect(lambda: self.pick(UNLABELED))
        layout = QVBoxLayout(self)
        layout.addWidget(self.active)
        # The view's preparation (screen index, neighbours): strokes wait for it meanwhile.
        self.preparing = QLabel(self)
        self.preparing.setObjectName("preparing")
        self.preparing.setVisible(False)
        layout.addWidget(self.preparing)
        layout.addWidget(self._tools_box())
        layout.addWidget(self.classes)
        layout.addWidget(erase)
        layout.addWidget(self._options_box())
        layout.addWidget(self._history_box())
        self.review = ReviewQueueBox(session, viewport, self)
        layout.addWidget(self.review)
        self.figures = QLabel(self)
        self.figures.setWordWrap(True)
        layout.addWidget(self.figures)
        layout.addStretch(1)
        self._shortcuts = self._class_keys(parent or self)
        self._figures_timer = QTimer(self, singleShot=True, interval=150)
        self._figures_timer.timeout.connect(self._refresh_figures)
        session.classes_changed.connect(self._on_classes)
        self.labeling.options_changed.connect(self._show_active)
        self.labeling.mode_changed.connect(self._on_mode)
        self.labeling.preparing.connect(self._show_preparing)
        self.labeling.painted.connect(lambda *_: self._figures_timer.start())
        for signal in (session.sample_labels_changed, session.full_labels_changed):
            signal.connect(self._figures_timer.start)
        self.classes.table.cellClicked.connect(lambda row, _: self._pick_row(row))
        self.classes.table.itemSelectionChanged.connect(self._on_protect)
        self._on_classes()
        self._on_mode(False)

    # -- building ---------------------------------------------------------------------
    def _tools_box(self) -> QGroupBox:
        box = QGroupBox("Tool", self)
        grid = QGridLayout(box)
        self.tool_buttons = QButtonGroup(self)
        for i, (name, title) in enumerate(TOOL_TITLES.items()):
            button = QToolButton(box)
            button.setText(title)
            button.setCheckable(True)
            button.setObjectName(f"tool_{name}")
            button.setChecked(name == self.labeling.options.tool)
            button.clicked.connect(lambda _=False, n=name: self.labeling.set_options(tool=n))
            # Two columns: the dock is at most MAX_DOCK_WIDTH wide, three clipped "Rectangle".
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.tool_buttons.addButton(button)
            grid.addWidget(button, i // 2, i % 2)
        return box

    def _options_box(self) -> QGroupBox:
        box = QGroupBox("Options", self)
        form = QFormLayout(box)
        options = self.labeling.options
        self.visible_only = QCheckBox("visible points only", box)
        self.visible_only.setChecked(options.visible_only)
        self.visible_only.toggled.connect(lambda on: self.labeling.set_options(visible_only=on))
        form.addRow(self.visible_only)
        self.protect = QComboBox(box)
        for text, value in _PROTECT:
            self.protect.addItem(text, value)
        self.protect.currentIndexChanged.connect(self._on_protect)
        form.addRow("paint over", self.protect)
        self.radius = QDoubleSpinBox(box, minimum=2, maximum=400, decimals=0, suffix=" px")
        self.radius.setValue(options.brush_radius)
        self.radius.valueChanged.connect(lambda v: self.labeling.set_options(brush_radius=v))
        self.radius.setToolTip("The brush's radius on screen; Ctrl+wheel over the view changes it")
        form.addRow("brush radius", self.radius)
        self.side = QComboBox(box)
        self.side.addItems(["above", "below"])
        self.side.currentTextChanged.connect(lambda s: self.labeling.set_options(line_side=s))
        form.addRow("line: paint", self.side)
        return box

    def _history_box(self) -> QGroupBox:
        box = QGroupBox("History", self)
        grid = QGridLayout(box)
        stack = self.labeling.undo_stack
        self.undo_button = QPushButton("Undo", box)
        self.undo_button.setToolTip("Undo the last stroke or tile crop (Ctrl+Z)")
        self.undo_button.clicked.connect(stack.undo)
        stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.redo_button = QPushButton("Redo", box)
        self.redo_button.setToolTip("Redo what was undone last (Ctrl+Shift+Z)")
        self.redo_button.clicked.connect(stack.redo)
        stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        grid.addWidget(self.undo_button, 0, 0)
        grid.addWidget(self.redo_button, 0, 1)
        return box

    def _class_keys(self, window: QWidget) -> list[QShortcut]:
        """Keys 1-9 pick the first nine classes, 0 erases; on only in Label mode."""
        keys = []
        for key in range(10):
            shortcut = QShortcut(QKeySequence(str(key)), window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda k=key: self._key(k))
            keys.append(shortcut)
        return keys

    # -- following the session --------------------------------------------------------
    def _on_mode(self, on: bool) -> None:
        for shortcut in self._shortcuts:
            shortcut.setEnabled(on)
        self._show_active()

    def _on_classes(self) -> None:
        classes = self.session.state.classes
        self.classes.set_classes(classes)
        if classes and self.labeling.options.active_class == UNLABELED:
            self.labeling.set_options(active_class=classes[0].id)
        self._show_active()
        self._figures_timer.start()

    def _key(self, key: int) -> None:
        classes = self.session.state.classes
        if key == 0:
            self.pick(UNLABELED)
        elif key - 1 < len(classes):
            self.pick(classes[key - 1].id)

    def _pick_row(self, row: int) -> None:
        classes = self.session.state.classes
        if 0 <= row < len(classes):
            self.pick(classes[row].id)

    def pick(self, class_id: int) -> None:
        self.labeling.set_options(active_class=int(class_id))

    def _on_protect(self) -> None:
        value = self.protect.currentData()
        chosen = tuple(c.id for c in self._checked_classes())
        self.labeling.set_options(protect=value, protected_classes=chosen)

    def _checked_classes(self) -> list[LabelClass]:
        rows = {i.row() for i in self.classes.table.selectedIndexes()}
        return [c for i, c in enumerate(self.session.state.classes) if i in rows]

    def _show_active(self) -> None:
        options = self.labeling.options
        by_id = {c.id: c for c in self.session.state.classes}
        chosen = by_id.get(options.active_class)
        name = chosen.name if chosen is not None else "unlabeled (erase)"
        colour = chosen.color if chosen is not None else UNLABELED_COLOR
        mode = "Label mode" if self.labeling.mode else "Label mode off (L)"
        self.active.setText(f"{mode}: painting <b>{name}</b> with {options.tool}")
        text = "#000" if sum(colour) > 380 else "#fff"
        self.active.setStyleSheet(
            f"background: rgb{tuple(colour)}; color: {text}; padding: 4px; border-radius: 3px;"
        )
        for button in self.tool_buttons.buttons():
            button.setChecked(button.objectName() == f"tool_{options.tool}")
        if abs(self.radius.value() - options.brush_radius) > 0.5:
            self.radius.setValue(options.brush_radius)

    def _show_preparing(self, text: str) -> None:
        self.preparing.setText(text)
        self.preparing.setVisible(bool(text))

    def _refresh_figures(self) -> None:
        """Points labeled per class, share still unlabeled, share hand-corrected."""
        state = self.session.state
        lines = []
        names = {c.id: c.name for c in state.classes}
        for target, labels in (("sample", state.labels_sample), ("full", state.labels_full)):
            if labels is None or len(labels) == 0:
                continue
            counts = np.bincount(labels, minlength=UNLABELED + 1)
            per_class = ", ".join(
                f"{names.get(int(c), str(c))} {counts[c]:,}"
                for c in np.flatnonzero(counts)
                if c != UNLABELED
            )
            unlabeled = counts[UNLABELED] / len(labels) if len(counts) > UNLABELED else 0.0
            line = f"<b>{target}</b>: {per_class or 'nothing labeled'}; unlabeled {unlabeled:.1%}"
            if target == "full":
                line += f"; hand-set {self.labeling.hand_set_rows() / len(labels):.1%}"
            lines.append(line)
        self.figures.setText("<br>".join(lines))
