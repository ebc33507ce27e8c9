"""Selection tools of the Label mode, one small class per kind (as QGIS does it).

A tool only turns mouse positions (renderer pixels, y down) into a `core.labeling.shapes`
shape and an outline to draw; `gui.paint_controller` runs the selection in core and paints.
"""

from __future__ import annotations

from gui.tools.base import Tool
from gui.tools.brush import BrushTool
from gui.tools.grow import GrowTool
from gui.tools.lasso import LassoTool
from gui.tools.line import LineTool
from gui.tools.rectangle import RectangleTool

TOOLS: dict[str, type[Tool]] = {
    "brush": BrushTool,
    "lasso": LassoTool,
    "rectangle": RectangleTool,
    "line": LineTool,
    "grow": GrowTool,
}
TOOL_TITLES = {
    "brush": "Brush",
    "lasso": "Lasso",
    "rectangle": "Rectangle",
    "line": "Above/below line",
    "grow": "Grow from click",
}


def make_tool(name: str, **options: float | str) -> Tool:
    return TOOLS[name](**options)
