"""Above / below a line: everything on one side of the line dragged on screen (ground vs the
rest in a side view). The side is the tool's "side" option."""

from __future__ import annotations

from core.labeling.shapes import HalfPlane, Shape
from gui.tools.base import Tool


class LineTool(Tool):
    name = "line"

    def move(self, x: float, y: float) -> Shape | None:
        self.points = [self.points[0], (x, y)] if self.points else [(x, y)]
        return None

    def release(self, x: float, y: float) -> Shape | None:
        self.move(x, y)
        (x0, y0), (x1, y1) = self.points[0], self.points[-1]
        if abs(x1 - x0) < 2 and abs(y1 - y0) < 2:
            return None
        return HalfPlane((x0, y0), (x1, y1), str(self.options.get("side", "above")))
