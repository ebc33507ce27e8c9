"""File panel: what is loaded (name, points, bounds, fields) and a button to open another."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.session import Session


class FilePanel(QWidget):
    """Shows the loaded cloud's facts; updates on `session.cloud_changed`."""

    title = "File"
    area = "left"

    def __init__(self, session: Session, viewport: object, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.name_label = QLabel("nothing loaded")
        self.points_label = QLabel("-")
        self.size_label = QLabel("-")
        self.bounds_label = QLabel("-")
        self.fields_label = QLabel("-")
        self.offset_label = QLabel("-")
        # Wrapped, or a long list of LAS fields widens the panel past its dock (it scrolled).
        for label in (self.name_label, self.bounds_label, self.fields_label, self.offset_label):
            label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("File", self.name_label)
        form.addRow("Points", self.points_label)
        form.addRow("Size (m)", self.size_label)
        form.addRow("Bounds", self.bounds_label)
        form.addRow("Fields", self.fields_label)
        form.addRow("Offset", self.offset_label)
        self.open_button = QPushButton("Open...")
        self.open_button.setToolTip("Open a point cloud (Ctrl+O), or drop a file on the window")
        # The window owns File > Open; the button asks it through its action, not a reference.
        self.open_button.clicked.connect(self._open)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.open_button)
        layout.addStretch(1)
        session.cloud_changed.connect(self.refresh)
        self.refresh()

    def _open(self) -> None:
        window = self.window()
        action = getattr(window, "actions_by_key", {}).get("open")
        if action is not None:
            action.trigger()

    def refresh(self) -> None:
        state = self.session.state
        cloud = state.cloud
        if cloud is None:
            return
        self.name_label.setText(
            Path(state.path).name if state.path else cloud.source or "(generated)"
        )
        self.name_label.setToolTip(state.path or "")
        self.points_label.setText(f"{len(cloud):,}")
        lo, hi = cloud.bounds()
        self.size_label.setText(" x ".join(f"{v:.2f}" for v in hi - lo))
        self.bounds_label.setText(
            f"min {_triple(lo + cloud.offset)}\nmax {_triple(hi + cloud.offset)}"
        )
        names = list(cloud.fields())
        # A LAS file lists a dozen fields: the first ones here, all of them in the tooltip
        # (and in View > Colour by, where they can be chosen).
        shown = names if len(names) <= 5 else [*names[:4], f"and {len(names) - 4} more"]
        self.fields_label.setText(", ".join(shown))
        self.fields_label.setToolTip(", ".join(names))
        self.offset_label.setText(_triple(cloud.offset))


def _triple(values: object) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in values) + ")"  # type: ignore[attr-defined]
