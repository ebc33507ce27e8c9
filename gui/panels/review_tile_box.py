"""The tile as numbers: a dialog with the box's corners, for a tile of an exact size, and a
"Draw tile" button that crops by a rectangle dragged on the view (gui/tools/tile_rectangle.py)
and shows the box it gave."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from gui.tools.tile_rectangle import find_drawer

Tile = tuple[tuple[float, float, float], tuple[float, float, float]]


class TileBoxDialog(QDialog):
    """Min and max x, y, z in the view's frame (metres), starting at `start`."""

    def __init__(self, start: Tile, limits: Tile, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Tile box")
        # The values shown are rounded to the millimetre; OK on unedited fields keeps these,
        # so the points on a drawn box's faces stay inside it.
        self._exact = start
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
        self.draw_button = QPushButton("Draw tile", self)
        self.draw_button.setToolTip(
            "Drag a rectangle on the view (key C): the points under it become the tile"
        )
        self._drawer = find_drawer(parent)
        self.draw_button.setEnabled(self._drawer is not None)
        self.draw_button.clicked.connect(self.draw_on_view)
        buttons.addButton(self.draw_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        grid.addWidget(buttons, 3, 0, 1, 4)

    def show_tile(self, tile: Tile) -> None:
        """Put `tile` in the fields (a drawn one, say)."""
        self._exact = tile
        for row in range(2):
            for axis in range(3):
                self.spins[row][axis].setValue(tile[row][axis])

    def draw_on_view(self) -> None:
        """Step aside while a rectangle is dragged on the view; back with its box."""
        if self._drawer is not None and self._drawer.start(self._drawn):
            self.hide()

    def _drawn(self, tile: Tile | None) -> None:
        if tile is not None:
            self.show_tile(tile)
        self.show()
        self.raise_()

    def _value(self, row: int, axis: int) -> float:
        spin = self.spins[row][axis]
        shown, exact = spin.value(), self._exact[row][axis]
        unedited = abs(shown - exact) <= 0.5001 * 10.0 ** -spin.decimals()
        return exact if unedited else shown

    def tile(self) -> Tile:
        """The box entered, corners sorted so min <= max on every axis."""
        a = [self._value(0, axis) for axis in range(3)]
        b = [self._value(1, axis) for axis in range(3)]
        lo = tuple(min(u, v) for u, v in zip(a, b, strict=True))
        hi = tuple(max(u, v) for u, v in zip(a, b, strict=True))
        return (lo[0], lo[1], lo[2]), (hi[0], hi[1], hi[2])


def middle_of(limits: Tile, share: float = 0.5) -> Tile:
    """The middle `share` of `limits` in x and y, all of z: a first tile inside the view."""
    lo, hi = limits
    pad = [(hi[i] - lo[i]) * (1 - share) / 2 for i in range(2)]
    return (lo[0] + pad[0], lo[1] + pad[1], lo[2]), (hi[0] - pad[0], hi[1] - pad[1], hi[2])
