"""Frames of the live preview: only the sample's side of the window is drawn again.

A voxel slider step changes the preview (the right renderer) and nothing on the left, yet
VTK redraws every renderer of the window each frame. Under software OpenGL (Xvfb + Mesa
llvmpipe, 1600x1000, a 5M room) the full cloud's 300k coarse points were 70 of a frame's
95 ms and its full detail most of the settled frame's 0.7-1.1 s.

VTK draws into a framebuffer of its own and a renderer left out of a frame keeps its
pixels, so while a preview is shown the full cloud's renderer is left out of any frame
in which its picture cannot have changed: nothing it draws (renderer, camera, each prop
with its mapper and data, read through VTK's modification times) was modified since it
was last drawn, and the window has the same size. Any change that would alter its
picture draws it again. The full cloud also stays at full detail while the slider moves:
only the preview is drawn coarse, then every point 250 ms later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: While the preview changes, this many of its points are drawn (then all of them): under
#: software OpenGL 300k took 55-70 ms a frame (5M room, 1600x1000), 150k about half.
PREVIEW_POINTS = 150_000


class UnchangedRendererSkip:
    """Leaves renderer `column` of `plotter` out of the frames in which it has not changed,
    while `armed`."""

    def __init__(self, plotter: Any, column: int):
        self._renderer = plotter.renderers[column]
        self._window = plotter.ren_win
        self.armed = False
        self._drawn: tuple | None = None  # what the renderer showed when last drawn
        self._left_out = False
        self._counted = False
        self.frames_left_out = 0  # tests and benchmarks read it
        # Called once, at the next frame, if the renderer must be drawn (it changed).
        self.when_changed: Callable[[], None] | None = None
        self._window.AddObserver("StartEvent", self._frame_starts)
        self._window.AddObserver("EndEvent", self._frame_ends)

    @classmethod
    def of(cls, plotter: Any, column: int = 0) -> UnchangedRendererSkip:
        """The one skip of this plotter's renderer `column`, made on first use."""
        skips = plotter.__dict__.setdefault("_unchanged_skips", {})
        if column not in skips:
            skips[column] = cls(plotter, column)
        return skips[column]

    def picture(self) -> tuple:
        """What decides the renderer's picture: the window size, the renderer, its camera
        and the latest modification of any of its props (with their mappers and data)."""
        renderer = self._renderer
        props = renderer.GetViewProps()
        props.InitTraversal()
        latest, shown = 0, []
        for _ in range(props.GetNumberOfItems()):
            prop = props.GetNextProp()
            latest = max(latest, prop.GetRedrawMTime())
            shown.append((id(prop), prop.GetVisibility()))
        camera = renderer.GetActiveCamera()
        size = tuple(self._window.GetSize())
        return (size, renderer.GetMTime(), camera.GetMTime(), latest, tuple(shown))

    def _frame_starts(self, *_: object) -> None:
        self._counted = bool(self._renderer.GetDraw())  # not when the layout hides it
        when_changed, self.when_changed = self.when_changed, None
        if not self._counted:
            return
        if self.picture() != self._drawn:
            if when_changed is not None:
                when_changed()
        elif self.armed:
            self._renderer.SetDraw(False)
            self._left_out = True
            self.frames_left_out += 1

    def _frame_ends(self, *_: object) -> None:
        if self._left_out:
            self._renderer.SetDraw(True)
            self._left_out = False
        if self._counted:  # read after the frame: SetDraw and rendering touch the times
            self._drawn = self.picture()


def begin_preview_frame(plotter: Any, full_layer: Any, sample_layer: Any, shown: bool) -> None:
    """A new preview (or none): draw it coarse until the view settles, and leave the full
    cloud's unchanged renderer (column 0) out of the frames while a preview is shown. If
    the full cloud must be drawn in the next frame (the first step switches the view to
    side by side), it is drawn coarse too: every point 250 ms later, as the preview."""
    if getattr(plotter, "_closed", False):
        return  # the window closed under a preview on its way: nothing to draw
    skip = UnchangedRendererSkip.of(plotter, 0)
    skip.armed = shown
    skip.when_changed = (lambda: full_layer.set_interactive(True)) if shown else None
    sample_layer.set_interactive(True, PREVIEW_POINTS)


def coarse_until_preview(viewport: Any) -> None:
    """The first slider step turns the view side by side and refreshes the full cloud's
    colours before its preview arrives: that frame draws the full cloud coarse too (it drew
    every point, 1.6 s of the window's time at 20M points), and the preview's settle draws
    every point again."""
    if getattr(viewport.plotter, "_closed", False):
        return
    layer = viewport.full_layer
    UnchangedRendererSkip.of(viewport.plotter, 0).when_changed = lambda: layer.set_interactive(True)
