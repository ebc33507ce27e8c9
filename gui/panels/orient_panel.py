"""Orient panel: z, y, x angles in degrees (the notebook's ``from_euler("zyx")``).

While a slider moves the viewport turns the actor (cheap); the data is rotated only when a
downsample or an export needs it.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from gui.session import Rotation, Session

AXES = ("z", "y", "x")


class OrientPanel(QWidget):
    """Sliders and spin boxes bound both ways to `session.state.rotation`."""

    title = "Orient"
    area = "left"

    def __init__(self, session: Session, viewport: object, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.sliders: dict[str, QSlider] = {}
        self.spins: dict[str, QDoubleSpinBox] = {}
        grid = QGridLayout()
        for row, axis in enumerate(AXES):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(-1800, 1800)  # tenths of a degree
            slider.setPageStep(150)
            slider.setToolTip(f"Rotation about {axis} in degrees")
            spin = QDoubleSpinBox()
            spin.setRange(-180.0, 180.0)
            spin.setDecimals(1)
            spin.setSuffix(" °")
            spin.setKeyboardTracking(False)  # typing "45" must not rotate to 4 first
            slider.valueChanged.connect(lambda v, a=axis: self._slider_moved(a, v))
            spin.valueChanged.connect(lambda v, a=axis: self._spin_changed(a, v))
            grid.addWidget(QLabel(axis), row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(spin, row, 2)
            self.sliders[axis], self.spins[axis] = slider, spin
        self.about = QComboBox()
        self.about.addItem("about the origin", "origin")
        self.about.addItem("about the centroid", "centroid")
        self.about.setToolTip(
            "The notebook rotates about the origin; the centroid keeps it in view"
        )
        self.about.currentIndexChanged.connect(lambda _: self._push())
        self.reset_button = QPushButton("Reset")
        self.reset_button.clicked.connect(lambda: session.set_rotation(Rotation()))
        grid.addWidget(self.about, 3, 0, 1, 2)
        grid.addWidget(self.reset_button, 3, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addStretch(1)
        session.rotation_changed.connect(self.refresh)
        self.refresh()

    def _slider_moved(self, axis: str, tenths: int) -> None:
        with QSignalBlocker(self.spins[axis]):
            self.spins[axis].setValue(tenths / 10)
        self._push()

    def _spin_changed(self, axis: str, degrees: float) -> None:
        with QSignalBlocker(self.sliders[axis]):
            self.sliders[axis].setValue(round(degrees * 10))
        self._push()

    def _push(self) -> None:
        angles = {axis: self.spins[axis].value() for axis in AXES}
        self.session.set_rotation(Rotation(**angles, about=self.about.currentData()))

    def refresh(self) -> None:
        """Show the session's rotation without echoing it back."""
        rotation = self.session.state.rotation
        for axis in AXES:
            degrees = getattr(rotation, axis)
            with QSignalBlocker(self.spins[axis]), QSignalBlocker(self.sliders[axis]):
                self.spins[axis].setValue(degrees)
                self.sliders[axis].setValue(round(degrees * 10))
        with QSignalBlocker(self.about):
            self.about.setCurrentIndex(max(self.about.findData(rotation.about), 0))
