"""Grow from a click: the clicked point's segment, grown over the sample's neighbours
(`core.labeling.grow`); the controller picks the nearest visible point under the click."""

from __future__ import annotations

import numpy as np

from core.labeling.shapes import Circles, Shape
from gui.tools.base import Tool

#: How far from the click (pixels) a point still counts as clicked.
PICK_RADIUS = 6.0


class GrowTool(Tool):
    name = "grow"

    def release(self, x: float, y: float) -> Shape | None:
        """The pick circle; the controller turns its nearest visible point into a seed."""
        return Circles(np.array([[x, y]]), PICK_RADIUS)
