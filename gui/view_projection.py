"""Orthographic or perspective: View > Orthographic (key O, also on the toolbar).

The toggle is the user's choice, remembered between runs (gui/settings.py). Top, Front and
Side always look orthographic, as in CloudCompare's and QGIS's plan views: sizes can be
read, and a rectangle drawn from the top crops the box it covers, not a frustum. Iso and
turning the view with the left button go back to the choice (zooming and panning keep the
projection). The toggle shows the projection on screen, so after Top it is checked.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from gui.viewport_scene import set_projection

#: vtkInteractorStyle's state while the left button turns the camera (VTKIS_ROTATE).
_ROTATING = 1


class ViewProjection(QObject):
    """Keeps the camera's projection, the user's choice and the toggle in step."""

    def __init__(self, window: Any):
        super().__init__(window)
        self.window = window
        self.viewport = window.viewport
        self.action: QAction | None = window.actions_by_key.get("orthographic")
        self.orthographic = window.settings.orthographic()
        self.viewport.decor.orthographic = self.orthographic  # what camera_preset("iso") uses
        self._switch(self.orthographic)
        if self.action is not None:
            self.action.setChecked(self.orthographic)
        plotter = self.viewport.plotter
        plotter.iren.add_observer("StartInteractionEvent", self._interaction_started)
        # A project's camera, a preset or a test may change the projection: the toggle
        # follows what is drawn, checked before every frame (one flag read).
        plotter.render_window.AddObserver("StartEvent", lambda *_: self.show_on_toggle())

    def set_orthographic(self, on: bool) -> None:
        """The toggle: the user's choice, for this view and from now on."""
        self.orthographic = bool(on)
        self.viewport.decor.orthographic = self.orthographic
        self.window.settings.set_orthographic(self.orthographic)
        self.window.settings.sync()  # a crash later must not lose it
        self._switch(self.orthographic)
        self.viewport.update_view()

    def is_orthographic(self) -> bool:
        """Whether the view on screen is orthographic now."""
        return bool(self._renderer().GetActiveCamera().GetParallelProjection())

    def show_on_toggle(self) -> None:
        if self.action is not None and self.action.isChecked() != self.is_orthographic():
            self.action.setChecked(self.is_orthographic())  # no triggered signal: no loop

    def _interaction_started(self, *_: object) -> None:
        style = self.viewport.plotter.iren.interactor.GetInteractorStyle()
        turning = style is not None and style.GetState() == _ROTATING
        if turning and self.is_orthographic() != self.orthographic:
            # Leaving Top/Front/Side by turning: back to the user's projection.
            self._switch(self.orthographic)

    def _switch(self, parallel: bool) -> None:
        set_projection(self._renderer(), parallel)
        for renderer in self.viewport.plotter.renderers:
            renderer.ResetCameraClippingRange()

    def _renderer(self) -> Any:
        return self.viewport.plotter.renderers[0]  # the cameras are linked: one for both


#: The View toolbar: the presets, then the toggle (CloudCompare keeps its views at hand too).
TOOLBAR = ("view_top", "view_front", "view_side", "view_iso", "orthographic")


def install_view_projection(window: Any) -> ViewProjection:
    """The projection keeper, and a View toolbar with the presets and the toggle."""
    projection = ViewProjection(window)
    actions = [window.actions_by_key[key] for key in TOOLBAR if key in window.actions_by_key]
    if actions:
        toolbar = window.addToolBar("View")
        toolbar.setObjectName("toolbar_view")  # saveState needs names
        for action in actions:
            # Rich text, so Qt wraps a long tip instead of one line across the screen.
            action.setToolTip(f"<p>{action.statusTip()} ({action.shortcut().toString()})</p>")
            toolbar.addAction(action)
    return projection
