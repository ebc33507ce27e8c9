"""What every selection tool does with the mouse."""

from __future__ import annotations

import numpy as np

from core.labeling.shapes import Shape


class Tool:
    """Press, drag, release, in renderer pixels (x right, y down).

    Attributes
    ----------
    name : str
    paints_while_dragging : bool
        The brush paints each drag step (joined into one undo step on release); the other
        tools apply their shape once, on release.
    closed_outline : bool
        Draw the outline as a closed loop.
    """

    name = "tool"
    paints_while_dragging = False
    closed_outline = False

    def __init__(self, **options: float | str) -> None:
        self.options = options
        self.points: list[tuple[float, float]] = []

    def press(self, x: float, y: float) -> Shape | None:
        self.points = [(x, y)]
        return None

    def move(self, x: float, y: float) -> Shape | None:
        """A drag step; the brush returns the part to paint now."""
        self.points.append((x, y))
        return None

    def release(self, x: float, y: float) -> Shape | None:
        """The shape to apply, or None (nothing to do, or already painted)."""
        return None

    def outline(self) -> np.ndarray:
        """(K, 2) float64 pixels to draw over the view."""
        return np.asarray(self.points, np.float64).reshape(-1, 2)
