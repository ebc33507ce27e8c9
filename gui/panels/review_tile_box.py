"""The tile as numbers: a dialog with the box's corners, for a tile of an exact size."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QWidget,
)

Tile = tuple[tuple[float, float, float], tuple[float, float, float]]


class TileBoxDialog(QDialog):
    """Min and max x, y, z in the view's frame (metres), starting at `start`."""

    def __init__(self, start: Tile, limits: Tile, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Tile box")
        grid = QGridLayout(self)
        self.spins: list[list[QDoubleSpinBox]] = [[], []]
        for column, name in enumerate("xyz", start=1):
            grid.addWidget(QLabel(name), 0, column)
        for row, corner in enumerate(("min", "max")):
            grid.addWidget(QLabel(corner), row + 1, 0)
            for axis in range(3):
                spin = QDoubleSpinBox(self)
                span = limits[1][axis] - limits[0][axis]
                spin.setRange(limits[0][axis] - span, limits[1][axis] + span)
                spin.setDecimals(3)
                spin.setSuffix(" m")
                spin.setValue(start[row][axis])
                grid.addWidget(spin, row + 1, axis + 1)
                self.spins[row].append(spin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        grid.addWidget(buttons, 3, 0, 1, 4)

    def tile(self) -> Tile:
        """The box entered, corners sorted so min <= max on every axis."""
        a = [s.value() for s in self.spins[0]]
        b = [s.value() for s in self.spins[1]]
        lo = tuple(min(u, v) for u, v in zip(a, b, strict=True))
        hi = tuple(max(u, v) for u, v in zip(a, b, strict=True))
        return (lo[0], lo[1], lo[2]), (hi[0], hi[1], hi[2])


def middle_of(limits: Tile, share: float = 0.5) -> Tile:
    """The middle `share` of `limits` in x and y, all of z: a first tile inside the view."""
    lo, hi = limits
    pad = [(hi[i] - lo[i]) * (1 - share) / 2 for i in range(2)]
    return (lo[0] + pad[0], lo[1] + pad[1], lo[2]), (hi[0] - pad[0], hi[1] - pad[1], hi[2])
