"""Orient panel: z, y, x angles in degrees (the notebook's ``from_euler("zyx")``), and
"Level the ground" (core/level.py), which finds the angles that make the ground flat.

While a slider moves the viewport turns the actor (cheap); the data is rotated only when a
downsample or an export needs it. The sliders are cubic: fine near 0 (where a scan is
levelled by a few degrees), coarse towards +-180 (the spin boxes take any exact angle).
"""

from __future__ import annotations

import numpy as np
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
from gui.workers import Job, run_job

AXES = ("z", "y", "x")
STEPS = 1000  # slider positions each side of 0


def slider_to_degrees(position: int) -> float:
    """Cubic: 1 step near 0 is 0.0002 degrees, at the ends 0.54 degrees."""
    return round(180.0 * (position / STEPS) ** 3, 1)


def degrees_to_slider(degrees: float) -> int:
    return round(STEPS * float(np.cbrt(max(min(degrees, 180.0), -180.0) / 180.0)))


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
            slider.setRange(-STEPS, STEPS)
            slider.setPageStep(50)
            slider.setToolTip(
                f"Rotation about {axis}: fine near 0, coarse towards 180 degrees; "
                "type an exact angle in the box"
            )
            spin = QDoubleSpinBox()
            spin.setRange(-180.0, 180.0)
            spin.setDecimals(1)
            spin.setSuffix(" °")
            spin.setKeyboardTracking(False)  # typing "45" must not rotate to 4 first
            slider.valueChanged.connect(lambda v, a=axis: self._slider_moved(a, v))
            spin.valueChanged.connect(lambda v, a=axis: self._spin_changed(a, v))
            # The slider gets a row of its own: every pixel of width is finer control.
            grid.addWidget(QLabel(f"about {axis}"), 2 * row, 0)
            grid.addWidget(spin, 2 * row, 1, 1, 2)
            grid.addWidget(slider, 2 * row + 1, 0, 1, 3)
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
        self.level_button = QPushButton("Level the ground")
        self.level_button.setToolTip(
            "Find the scan's main ground plane and turn it horizontal (keeps the heading)"
        )
        self.level_button.clicked.connect(self.level_ground)
        self.job: Job | None = None
        grid.addWidget(self.about, 6, 0, 1, 2)
        grid.addWidget(self.reset_button, 6, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.level_button)
        layout.addStretch(1)
        session.rotation_changed.connect(self.refresh)
        self.refresh()

    def _slider_moved(self, axis: str, position: int) -> None:
        with QSignalBlocker(self.spins[axis]):
            self.spins[axis].setValue(slider_to_degrees(position))
        self._push()

    def _spin_changed(self, axis: str, degrees: float) -> None:
        with QSignalBlocker(self.sliders[axis]):
            self.sliders[axis].setValue(degrees_to_slider(degrees))
        self._push()

    def level_ground(self) -> Job | None:
        """Fit the ground plane on a worker, then set the angles that make it flat."""
        state = self.session.state
        if state.cloud is None:
            return None
        xyz, rotation = state.cloud.xyz, state.rotation

        def work(progress, cancel):
            from core.level import SUBSET, ground_plane, levelling_angles
            from core.rotate import rotate

            rows = np.random.default_rng(0).choice(len(xyz), min(len(xyz), SUBSET), False)
            seen = rotate(xyz[rows], rotation.z, rotation.y, rotation.x)  # directions only
            plane = ground_plane(seen, cancel=cancel)
            return levelling_angles(plane.normal, (rotation.z, rotation.y, rotation.x))

        def done(angles: tuple[float, float, float]) -> None:
            z, y, x = (round(a, 1) for a in angles)
            self.session.set_rotation(Rotation(z, y, x, about=self.about.currentData()))
            self.session.message.emit(f"Ground levelled: z {z:g}°, y {y:g}°, x {x:g}°")

        self.job = run_job(self.session, "Levelling the ground", work, done, owner=self)
        return self.job

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
                self.sliders[axis].setValue(degrees_to_slider(degrees))
        with QSignalBlocker(self.about):
            self.about.setCurrentIndex(max(self.about.findData(rotation.about), 0))
