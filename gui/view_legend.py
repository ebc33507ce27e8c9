"""The class legend inside the 3D view, so a screenshot explains its own colours."""

from __future__ import annotations

from typing import Any

from vtkmodules.vtkFiltersSources import vtkRegularPolygonSource
from vtkmodules.vtkRenderingAnnotation import vtkLegendBoxActor

from core.classes import LabelClass
from gui.coloring import field_legend, field_name

#: More rows than this would cover the view; the rest are summed up in one line.
MAX_ROWS = 12
_ROW_HEIGHT = 0.045  # of the renderer's height


class ClassLegend:
    """One legend box, shown in the right-most renderer on screen that is coloured by class.

    `set_classes(column, classes)` says what renderer `column` shows (None: not coloured
    by class); `place(mode)` puts the box where it belongs for the layout `mode`.
    """

    def __init__(self, plotter: Any):
        self._plotter = plotter
        self._column = 0
        self._entries: list[list[tuple[str, tuple[int, int, int]]] | None] = [None, None]
        self.names: list[str] = []  # the rows shown, for tests and screenshots
        square = vtkRegularPolygonSource()
        square.SetNumberOfSides(4)
        square.Update()
        self._symbol = square.GetOutput()
        self.actor = _legend_box()
        plotter.renderers[0].AddViewProp(self.actor)

    def set_classes(self, column: int, classes: list[LabelClass] | None) -> None:
        entries = None if classes is None else [(c.name, c.color) for c in classes]
        self._entries[column] = entries or None

    def place(self, mode: str) -> None:
        columns = {"full": [0], "sample": [1], "side-by-side": [1, 0]}[mode]
        shown = [c for c in columns if self._entries[c]]
        self.actor.SetVisibility(bool(shown))
        if not shown:
            self.names = []
            return
        width_px = self._plotter.renderers[shown[0]].GetSize()[0]
        self._fill(self._entries[shown[0]] or [], width_px)
        if shown[0] != self._column:
            self._plotter.renderers[self._column].RemoveViewProp(self.actor)
            self._plotter.renderers[shown[0]].AddViewProp(self.actor)
            self._column = shown[0]

    def _fill(self, entries: list[tuple[str, tuple[int, int, int]]], width_px: int) -> None:
        rows = entries[:MAX_ROWS]
        if len(entries) > MAX_ROWS:
            rows = entries[: MAX_ROWS - 1] + [
                (f"... {len(entries) - MAX_ROWS + 1} more", (170, 170, 170))
            ]
        self.actor.SetNumberOfEntries(len(rows))
        for i, (name, rgb) in enumerate(rows):
            self.actor.SetEntry(i, self._symbol, name, [v / 255 for v in rgb])
        height = _ROW_HEIGHT * len(rows)
        # VTK shrinks the text to fit the box: wide enough for the longest row ("2 ground:
        # 61,443"), else side by side (half the width) it is too small to read.
        longest = max(len(name) for name, _ in rows)
        width = min(max(0.18, (7 * longest + 28) / max(width_px, 1)), 0.6)
        self.actor.SetPosition(0.98 - width, 0.97 - height)
        self.actor.SetPosition2(width, height)
        self.names = [name for name, _ in rows]


def _legend_box() -> vtkLegendBoxActor:
    box = vtkLegendBoxActor()
    box.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    box.GetPosition2Coordinate().SetCoordinateSystemToNormalizedViewport()
    box.UseBackgroundOn()
    box.SetBackgroundColor(0.08, 0.08, 0.1)
    box.SetBackgroundOpacity(0.7)
    box.BorderOff()
    text = box.GetEntryTextProperty()
    text.SetColor(0.92, 0.92, 0.92)
    text.SetShadow(False)
    text.SetBold(False)
    box.SetVisibility(False)
    return box


def legend_classes(state: Any, labels: Any, source: Any = None) -> list[LabelClass] | None:
    """The classes a legend lists for a cloud with `labels`: None unless coloured by class
    or by a categorical field of `source`'s cloud (then its values, named, with their
    counts: in the tile when one is shown, else in the whole cloud)."""
    if field_name(state.display.color_by) is not None and source is not None:
        in_tile = state.display.tile is not None and source.cloud is state.cloud
        rows = source.rows if in_tile else None
        return field_legend(source.cloud, state.display.color_by, rows)
    if state.display.color_by != "labels" or labels is None or not state.classes:
        return None
    return [c for c in state.classes if c.id not in state.display.hidden_classes]
