"""Lasso: a free polygon drawn while dragging, applied on release."""

from __future__ import annotations

import numpy as np

from core.labeling.shapes import Polygon, Shape
from gui.tools.base import Tool


class LassoTool(Tool):
    name = "lasso"
    closed_outline = True

    def move(self, x: float, y: float) -> Shape | None:
        # Skip sub-pixel wiggles: fewer vertices, same outline.
        if not self.points or np.hypot(x - self.points[-1][0], y - self.points[-1][1]) >= 2:
            self.points.append((x, y))
        return None

    def release(self, x: float, y: float) -> Shape | None:
        self.move(x, y)
        return Polygon(self.outline()) if len(self.points) >= 3 else None
