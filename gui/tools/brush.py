"""Brush: a circle of `radius` screen pixels painting while dragging (Ctrl+wheel resizes)."""

from __future__ import annotations

import numpy as np

from core.labeling.shapes import Circles, Shape
from gui.tools.base import Tool


class BrushTool(Tool):
    name = "brush"
    paints_while_dragging = True
    closed_outline = True

    @property
    def radius(self) -> float:
        return float(self.options.get("radius", 20.0))

    def press(self, x: float, y: float) -> Shape | None:
        self.points = [(x, y)]
        return Circles(np.array([[x, y]]), self.radius)

    def move(self, x: float, y: float) -> Shape | None:
        """Circles every half radius from the last position, so a fast drag leaves no gaps."""
        x0, y0 = self.points[-1] if self.points else (x, y)
        self.points.append((x, y))
        steps = max(int(np.ceil(np.hypot(x - x0, y - y0) / (self.radius / 2))), 1)
        t = np.arange(1, steps + 1) / steps
        centres = np.column_stack([x0 + (x - x0) * t, y0 + (y - y0) * t])
        return Circles(centres, self.radius)

    def outline(self) -> np.ndarray:
        """The brush circle at the mouse."""
        if not self.points:
            return np.zeros((0, 2))
        x, y = self.points[-1]
        angle = np.linspace(0, 2 * np.pi, 40, endpoint=False)
        return np.column_stack([x + self.radius * np.cos(angle), y + self.radius * np.sin(angle)])
