"""Rectangle: between the press and the release corners."""

from __future__ import annotations

import numpy as np

from core.labeling.shapes import Shape, rectangle
from gui.tools.base import Tool


class RectangleTool(Tool):
    name = "rectangle"
    closed_outline = True

    def move(self, x: float, y: float) -> Shape | None:
        self.points = [self.points[0], (x, y)] if self.points else [(x, y)]
        return None

    def release(self, x: float, y: float) -> Shape | None:
        self.move(x, y)
        (x0, y0), (x1, y1) = self.points[0], self.points[-1]
        if abs(x1 - x0) < 1 or abs(y1 - y0) < 1:
            return None
        return rectangle(x0, y0, x1, y1)

    def outline(self) -> np.ndarray:
        if len(self.points) < 2:
            return np.zeros((0, 2))
        return rectangle(*self.points[0], *self.points[-1]).vertices
