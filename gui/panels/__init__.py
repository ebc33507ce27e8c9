"""One file per panel. Panels read from and write to the Session; never to each other.

Panel protocol: ``Panel(session: Session, viewport: Viewport, parent=None)`` is a QWidget
with a class attribute ``title: str`` (the dock's title) and optionally ``area: str``
("left", "right" or "bottom"; default "right").
"""

from __future__ import annotations

from typing import Any


def panel_classes() -> list[Any]:
    """The panels the main window docks, in order (imported here, late, to avoid cycles)."""
    from gui.panels.downsample_panel import DownsamplePanel
    from gui.panels.file_panel import FilePanel
    from gui.panels.groundtruth_panel import GroundTruthPanel
    from gui.panels.labels_panel import LabelsPanel
    from gui.panels.orient_panel import OrientPanel
    from gui.panels.paint_panel import PaintPanel
    from gui.panels.view_panel import ViewPanel

    return [
        FilePanel,
        OrientPanel,
        ViewPanel,
        DownsamplePanel,
        LabelsPanel,
        PaintPanel,
        GroundTruthPanel,
    ]
