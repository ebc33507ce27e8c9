"""The class legend inside the 3D view, so a screenshot explains its own colours.

Plain 2D actors in the renderer's pixels, not vtkLegendBoxActor: its symbols came out a
third of the text's height, tiny colour marks beside big names in the class colours (dark
blue on the dark box was hard to read). Here each row has a colour square as tall as its
text, with a light rim so a dark class still shows, and the names in light grey. The font
follows the view's height (14 px in a 1366x768 window, 20 at 1920x1080) and the box is
laid out again whenever the renderer changes size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkActor2D,
    vtkCoordinate,
    vtkPolyDataMapper2D,
    vtkPropAssembly,
    vtkTextActor,
)

from core.classes import UNLABELED_COLOR, LabelClass
from core.cloud import UNLABELED
from gui.coloring import field_legend, field_name

#: More rows than this would cover the view; the rest are summed up in one line.
MAX_ROWS = 12
MARGIN, PAD, GAP = 8, 6, 7  # pixels: box to the view's corner, inside the box, square to text
RIM = (150, 150, 155)  # around each square

Rgb = tuple[int, int, int]


class ClassLegend:
    """One legend box, shown in the right-most renderer on screen that is coloured by class.

    `set_classes(column, classes)` says what renderer `column` shows (None: not coloured
    by class); `place(mode)` puts the box where it belongs for the layout `mode`.
    """

    def __init__(self, plotter: Any):
        self._plotter = plotter
        self._column = 0
        self._entries: list[list[tuple[str, Rgb]] | None] = [None, None]
        self._rows: list[tuple[str, Rgb]] = []
        self._laid_out: tuple[Any, ...] | None = None  # what the current layout was made for
        self.names: list[str] = []  # the rows shown, for tests and screenshots
        self.swatch_px = 0  # the squares' side, pixels
        self.font_px = 0
        self.box_px = (0, 0, 0, 0)  # left, bottom, right, top in the renderer's pixels
        self._box = _quads_actor(opacity=0.72)
        self._swatches = _quads_actor(opacity=1.0)
        self._texts = [_text_actor() for _ in range(MAX_ROWS)]
        self.actor = vtkPropAssembly()  # one prop to show, hide and move between renderers
        for part in (self._box, self._swatches, *self._texts):
            self.actor.AddPart(part)
        self.actor.SetVisibility(False)
        plotter.renderers[0].AddViewProp(self.actor)
        # Before each frame: a resized view gets the box laid out for its new size.
        plotter.render_window.AddObserver("StartEvent", lambda *_: self._follow_size())

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
        if shown[0] != self._column:
            self._plotter.renderers[self._column].RemoveViewProp(self.actor)
            self._plotter.renderers[shown[0]].AddViewProp(self.actor)
            self._column = shown[0]
        self._rows = _rows(self._entries[shown[0]] or [])
        self.names = [name for name, _ in self._rows]
        self._layout()

    def text_heights(self) -> list[int]:
        """Pixel height of each row's text as VTK renders it (for tests)."""
        renderer = self._plotter.renderers[self._column]
        return [_text_box(t, renderer)[3] for t in self._texts[: len(self._rows)]]

    def _follow_size(self) -> None:
        if self.actor.GetVisibility() and self._key() != self._laid_out:
            self._layout()

    def _key(self) -> tuple[Any, ...]:
        renderer = self._plotter.renderers[self._column]
        return (self._column, tuple(renderer.GetSize()), tuple(self._rows))

    def _layout(self) -> None:
        renderer = self._plotter.renderers[self._column]
        width, height = renderer.GetSize()
        if width < 2 or height < 2:
            return  # not on screen yet; laid out before its first frame
        font = int(np.clip(round(height / 46), 14, 20))
        while True:  # a narrow view (side by side) gets a smaller font, not a wider box
            sizes = self._set_texts(font, renderer)
            side = max(h for _, h in sizes)  # the square as tall as the tallest text
            box_w = 2 * PAD + side + GAP + max(w for w, _ in sizes) + 2  # + a glyph's overhang
            if box_w <= 0.45 * width or font <= 10:
                break
            font -= 1
        row = side + 4
        box_h = 2 * PAD + row * len(sizes) - 4
        right, top = width - MARGIN, height - MARGIN
        left = right - box_w
        _set_quads(self._box, [(left, top - box_h, right, top)], [(20, 20, 26)])
        squares, colours = [], []
        for i, (_, rgb) in enumerate(self._rows):
            y = top - PAD - row * i - side  # the square's bottom edge
            squares += [(left + PAD, y, left + PAD + side, y + side)]
            colours += [rgb]
            self._texts[i].SetPosition(left + PAD + side + GAP, y + side / 2)
        rims = [(x0 - 1, y0 - 1, x1 + 1, y1 + 1) for x0, y0, x1, y1 in squares]
        _set_quads(self._swatches, rims + squares, [RIM] * len(rims) + colours)
        self.swatch_px, self.font_px = int(side), font
        self.box_px = (int(left), int(top - box_h), int(right), int(top))
        self._laid_out = self._key()

    def _set_texts(self, font: int, renderer: Any) -> list[tuple[int, int]]:
        """Show the rows' names at `font` px; their (width, height) in pixels."""
        sizes = []
        for i, text in enumerate(self._texts):
            shown = i < len(self._rows)
            text.SetVisibility(shown)
            if shown:
                text.SetInput(self._rows[i][0])
                text.GetTextProperty().SetFontSize(font)
                _, _, w, h = _text_box(text, renderer)
                sizes.append((w, h))
        return sizes


def _rows(entries: list[tuple[str, Rgb]]) -> list[tuple[str, Rgb]]:
    if len(entries) <= MAX_ROWS:
        return list(entries)
    more = (f"... {len(entries) - MAX_ROWS + 1} more", (170, 170, 170))
    return entries[: MAX_ROWS - 1] + [more]


def _text_actor() -> vtkTextActor:
    text = vtkTextActor()
    prop = text.GetTextProperty()
    prop.SetColor(0.93, 0.93, 0.93)
    prop.SetShadow(False)
    prop.SetBold(False)
    prop.SetJustificationToLeft()
    prop.SetVerticalJustificationToCentered()
    text.SetVisibility(False)
    return text


def _text_box(text: vtkTextActor, renderer: Any) -> tuple[int, int, int, int]:
    """x, y, width, height in pixels of the text as it will be drawn."""
    bbox = [0.0, 0.0, 0.0, 0.0]
    text.GetBoundingBox(renderer, bbox)  # xmin, xmax, ymin, ymax
    return int(bbox[0]), int(bbox[2]), int(bbox[1] - bbox[0]), int(bbox[3] - bbox[2])


def _quads_actor(opacity: float) -> vtkActor2D:
    mapper = vtkPolyDataMapper2D()
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToViewport()  # pixels from the renderer's corner
    mapper.SetTransformCoordinate(coordinate)
    mapper.SetScalarModeToUseCellData()
    mapper.SetColorModeToDirectScalars()
    mapper.SetInputData(vtkPolyData())
    actor = vtkActor2D()
    actor.SetMapper(mapper)
    actor.GetProperty().SetOpacity(opacity)
    return actor


def _set_quads(actor: vtkActor2D, rects: Sequence[Sequence[float]], colours: list[Rgb]) -> None:
    """Filled rectangles (x0, y0, x1, y1) in renderer pixels, drawn in order."""
    corners = np.array([[(a, b), (c, b), (c, d), (a, d)] for a, b, c, d in rects], np.float64)
    points = vtkPoints()
    points.SetData(numpy_to_vtk(np.c_[corners.reshape(-1, 2), np.zeros(len(rects) * 4)]))
    cells = vtkCellArray()
    for i in range(len(rects)):
        cells.InsertNextCell(4, [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3])
    poly = vtkPolyData()
    poly.SetPoints(points)
    poly.SetPolys(cells)
    rgb = numpy_to_vtk(np.asarray(colours, np.uint8).reshape(-1, 3), deep=True)
    rgb.SetName("colours")
    poly.GetCellData().SetScalars(rgb)
    mapper = actor.GetMapper()
    assert isinstance(mapper, vtkPolyDataMapper2D)
    mapper.SetInputData(poly)


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
    listed = [c for c in state.classes if c.id not in state.display.hidden_classes]
    if state.display.show_unlabeled and _draws_unlabeled(labels, source):
        # Painting the full cloud starts from nothing: its grey must be named too.
        listed.append(LabelClass(UNLABELED, "unlabeled", UNLABELED_COLOR))
    return listed


def _draws_unlabeled(labels: np.ndarray, source: Any) -> bool:
    """Whether any point drawn from `source` (all of `labels` without one) is unlabeled."""
    rows = getattr(source, "rows", None)
    drawn = labels if rows is None else labels[rows]
    return bool(np.any(drawn == UNLABELED))
