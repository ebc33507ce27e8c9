"""The main window: the viewport in the centre, one dock per panel, menus from the action table.

It wires panels to the session and runs the File commands; it does not compute.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QWidget,
)

from core.methods import METHODS
from gui import confirm, workers
from gui.actions import ACTIONS
from gui.big_file import install_big_files
from gui.loading import Loaded, load_cloud, make_sample_scene
from gui.paint_controller import install_painting
from gui.panels import panel_classes
from gui.preview import warm_up
from gui.project_controller import ProjectController
from gui.session import DownsampleSettings, Session
from gui.settings import Settings
from gui.slot_guard import SlotGuard
from gui.status import StatusBar
from gui.tools.tile_rectangle import install_tile_drawing
from gui.view_projection import install_view_projection
from gui.viewport import Viewport
from gui.workers import Job, run_job

MAX_DOCK_WIDTH = 340  # pixels; a wider panel scrolls sideways
_BACKGROUNDS = ("#1e1e24", "#f4f4f4")
_AREAS = {
    "left": Qt.DockWidgetArea.LeftDockWidgetArea,
    "right": Qt.DockWidgetArea.RightDockWidgetArea,
    "bottom": Qt.DockWidgetArea.BottomDockWidgetArea,
}


class MainWindow(QMainWindow):
    """DenseLabel's window. `session` and `settings` are made here unless given (tests)."""

    def __init__(self, session: Session | None = None, settings: Settings | None = None):
        super().__init__()
        self.setWindowTitle("DenseLabel")
        self.setAcceptDrops(True)
        self.session = session or Session(self)
        self.settings = settings or Settings()
        self._restore_downsample_settings()
        self.viewport = Viewport(self.session, self, budget=self.settings.display_budget())
        self.viewport.decor.set_background(self.settings.background())
        self.setCentralWidget(self.viewport)
        self.status = StatusBar(self.session, self)
        self.setStatusBar(self.status)
        self.actions_by_key: dict[str, QAction] = {}
        self.panels: dict[str, QWidget] = {}
        self.projects = ProjectController(self)  # File > Save/Open Project, autosave
        self._build_menus()
        self._build_docks()
        self.painting = install_painting(self)  # Label mode: tools on the view, toolbar
        self.tile_drawing = install_tile_drawing(self)  # key C: crop a tile by a rectangle
        self.projection = install_view_projection(self)  # key O: orthographic or not
        self.big_files = install_big_files(self)  # files too big to hold: gui/big_file.py
        self.session.error.connect(self.show_error)
        self.slot_guard = SlotGuard(self.session)  # a slot's exception becomes a dialog
        self.slot_guard.install()
        self.session.cloud_changed.connect(self._update_title)
        self._last_job: Job | None = None
        run_job(self.session, "Warming up", warm_up, lambda _: None, quiet=True)
        self._fit_first_window()
        if (geometry := self.settings.geometry()) is not None:
            self.restoreGeometry(geometry)
        if (state := self.settings.window_state()) is not None:
            self.restoreState(state)

    # -- building ---------------------------------------------------------------------
    def _build_menus(self) -> None:
        menus: dict[str, QMenu] = {}
        for spec in ACTIONS:
            menu = menus.get(spec.menu) or menus.setdefault(
                spec.menu, self.menuBar().addMenu(spec.menu)
            )
            action = QAction(spec.text, self)
            if spec.shortcut:
                action.setShortcut(QKeySequence(spec.shortcut))
            action.setStatusTip(spec.tip)
            action.setCheckable(spec.checkable)
            action.triggered.connect(getattr(self, spec.slot))
            menu.addAction(action)
            self.actions_by_key[spec.key] = action
            if spec.key == "open":
                self.recent_menu = menu.addMenu("Open &Recent")
                self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
            if spec.key == "open_project":
                projects_menu = menu.addMenu("Open Recent Pro&ject")
                projects_menu.aboutToShow.connect(
                    lambda m=projects_menu: self.projects.fill_recent_menu(m)
                )
            if spec.key == "include_cloud":
                action.setChecked(self.settings.include_cloud())
            if spec.key in ("screenshot", "view_fit", "show_both"):
                menu.addSeparator()
        self.view_menu = menus["&View"]
        self.panels_menu = self.menuBar().addMenu("&Panels")

    def _build_docks(self) -> None:
        docks: dict[str, list[QDockWidget]] = {}
        for panel_class in panel_classes():
            panel = panel_class(self.session, self.viewport, self)
            dock = QDockWidget(panel_class.title, self)
            dock.setObjectName(f"dock_{panel_class.__name__}")  # saveState needs names
            dock.setWidget(_scrollable(panel))  # a short screen scrolls a tall panel
            area = getattr(panel_class, "area", "right")
            self.addDockWidget(_AREAS.get(area, _AREAS["right"]), dock)
            if area == "right" and docks.get(area):
                self.tabifyDockWidget(docks[area][0], dock)
            docks.setdefault(area, []).append(dock)
            self.panels[panel_class.title] = panel
            self.panels_menu.addAction(dock.toggleViewAction())
        if docks.get("right"):
            docks["right"][0].raise_()
        self._first_docks = {area: group[0] for area, group in docks.items() if group}

    def _fit_first_window(self) -> None:
        """First run: 1500x950 at most, inside the screen's free area (a 1366x768 laptop
        shows every dock tab and the status bar), centred."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        free = screen.availableGeometry()
        # Leave room for the window manager's frame and title bar.
        width, height = min(1500, free.width() - 16), min(950, free.height() - 48)
        self.resize(width, height)
        self.move(free.x() + (free.width() - width) // 2, free.y() + (free.height() - height) // 3)

    # -- File -------------------------------------------------------------------------
    def open_dialog(self) -> None:
        from core.io import file_dialog_filter

        if not self.projects.confirm_discard("Open a point cloud"):  # unsaved changes
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a point cloud", self.settings.last_folder(), file_dialog_filter()
        )
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> Job:
        """Read `path` on a worker; the current cloud stays until the new one is read."""
        path = str(path)
        self.settings.set_last_folder(str(Path(path).parent))
        if self.big_files.is_big(path):  # more points than the window holds: an overview
            self._last_job = self.big_files.open_overview(path)
            return self._last_job
        title = f"Reading {Path(path).name}"
        job = run_job(
            self.session, title, lambda p, c: load_cloud(path, p, c), self._loaded, owner=self
        )
        self._last_job = job
        return job

    def open_sample_scene(self) -> Job | None:
        """Generate the bundled sample scene (1M points of a labeled room)."""
        if not self.projects.confirm_discard("Open the sample scene"):
            return None
        job = run_job(
            self.session, "Generating the sample scene", make_sample_scene, self._loaded, owner=self
        )
        self._last_job = job
        return job

    def _loaded(self, loaded: Loaded) -> None:
        self.viewport.end_comparison()
        self.session.set_cloud(loaded.cloud, loaded.path)
        self.session.set_classes(loaded.classes)
        if loaded.path is not None:
            self.settings.add_recent_file(loaded.path)
        self.projects.cloud_opened()
        self.session.message.emit(f"Loaded {len(loaded.cloud):,} points")

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(
                lambda _=False, p=path: self.projects.confirm_discard("Open") and self.open_file(p)
            )
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def save_downsampled(self) -> Job | None:
        state = self.session.state
        if state.sample is None:
            self.show_error(
                "Save downsampled",
                "There is no downsampled cloud yet; in the "
                "Downsample panel choose the settings and press 'Use this sample'.",
            )
            return None
        from core.io import file_dialog_filter

        # The scan's own output folder (not the input's): see Settings.output_root.
        scan = state.path
        folder = self.settings.scan_output_folder(scan)
        folder.mkdir(parents=True, exist_ok=True)
        stem = Path(scan).stem if scan else "sample-scene"
        suggested = str(folder / f"{stem}-downsampled.ply")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the downsampled cloud", suggested, file_dialog_filter(write=True)
        )
        if path:
            self.settings.remember_output(scan, path)
        return self.write_sample(path) if path else None

    def write_sample(self, path: str) -> Job:
        """Write the sample (with its labels when it has them) on a worker."""
        from core.io import write_cloud

        sample, labels = self.session.state.sample, self.session.state.labels_sample
        assert sample is not None
        done = lambda _: self.session.message.emit(f"Saved {path}")  # noqa: E731
        return run_job(
            self.session,
            f"Writing {Path(path).name}",
            lambda p, c: write_cloud(sample, path, labels=labels, progress=p, cancel=c),
            done,
        )

    def save_screenshot(self) -> None:
        suggested = str(Path(self.settings.last_folder()) / "denselabel.png")
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", suggested, "PNG (*.png)")
        if path:
            self.viewport.screenshot(path)
            self.session.message.emit(f"Saved {path}")

    # -- View -------------------------------------------------------------------------
    def view_top(self) -> None:
        self.viewport.camera_preset("top")

    def view_front(self) -> None:
        self.viewport.camera_preset("front")

    def view_side(self) -> None:
        self.viewport.camera_preset("side")

    def view_iso(self) -> None:
        self.viewport.camera_preset("iso")

    def toggle_orthographic(self, on: bool) -> None:
        self.projection.set_orthographic(on)  # gui/view_projection.py

    def view_fit(self) -> None:
        self.viewport.camera_preset("fit")

    def show_full(self) -> None:
        self._set_display(show="full")

    def show_sample(self) -> None:
        self._set_display(show="sample")

    def show_side_by_side(self) -> None:
        self._set_display(show="side-by-side")

    def bigger_points(self) -> None:
        self._set_display(point_size=min(self.session.state.display.point_size + 1, 12))

    def smaller_points(self) -> None:
        self._set_display(point_size=max(self.session.state.display.point_size - 1, 1))

    def toggle_background(self) -> None:
        current = self.viewport.decor.background
        color = _BACKGROUNDS[1] if current == _BACKGROUNDS[0] else _BACKGROUNDS[0]
        self.viewport.decor.set_background(color)
        self.viewport.update_view()

    def show_axes(self, on: bool) -> None:
        self.viewport.decor.show_axes(on)
        self.viewport.update_view()

    def show_scale_bar(self, on: bool) -> None:
        self.viewport.decor.show_scale_bar(on)
        self.viewport.update_view()

    def eye_dome_lighting(self, on: bool) -> None:
        self.viewport.decor.set_eye_dome(on)
        self.viewport.update_view()

    def pick_point(self) -> None:
        """The point under the mouse, in words, in the status bar (gui/point_info.py)."""
        from gui.point_info import describe_point_under_mouse

        self.session.message.emit(describe_point_under_mouse(self.viewport, self.session))

    def draw_tile(self, on: bool) -> None:
        """Key C: the next rectangle dragged on the view crops the tile."""
        self.tile_drawing.set_armed(on)

    def cancel_job(self) -> None:
        self.session.cancel_requested.emit()

    def _set_display(self, **changes: Any) -> None:
        self.session.set_display(replace(self.session.state.display, **changes))

    # -- Label mode (gui/paint_controller.py) -----------------------------------------
    def toggle_label_mode(self, on: bool) -> None:
        self.painting.set_enabled(on)

    def undo_paint(self) -> None:
        self.session.labeling.undo_stack.undo()

    def redo_paint(self) -> None:
        self.session.labeling.undo_stack.redo()

    # -- errors, drops, closing -------------------------------------------------------
    def show_error(self, title: str, sentence: str) -> None:
        """Every error is a dialog; nothing loaded is lost."""
        QMessageBox.warning(self, title, sentence)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if not files:
            return
        event.acceptProposedAction()
        first = files[0]
        if len(files) > 1:
            self.session.message.emit(
                f"Opened {Path(first).name} only, the first of {len(files)} dropped files; "
                "drop one file at a time."
            )
        from core.labels_import import is_cloud_file

        if first.endswith(".dlproj"):
            self.projects.open_project(first)
        elif self.session.state.sample is not None and not is_cloud_file(first):
            self.panels["Labels"].load_labels(first)  # type: ignore[attr-defined]
        elif self.projects.confirm_discard("Open a point cloud"):
            self.open_file(first)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._first_docks and self.settings.window_state() is None:
            # First run: give the view the room; docks only as wide as their controls.
            widths = {"left": 260, "right": 360, "bottom": 200}
            docks = list(self._first_docks.items())
            self.resizeDocks(
                [d for _, d in docks], [widths[a] for a, _ in docks], Qt.Orientation.Horizontal
            )
        self._first_docks = {}

    def _update_title(self) -> None:
        self.projects.update_title()  # project or cloud name, '*' for unsaved changes

    # -- projects (gui/project_controller.py) -----------------------------------------
    def save_project(self) -> None:
        self.projects.save()

    def save_project_as(self) -> None:
        self.projects.save_as()

    def open_project_dialog(self) -> None:
        self.projects.open_dialog()

    def include_cloud_in_projects(self, on: bool) -> None:
        self.settings.set_include_cloud(on)

    def _restore_downsample_settings(self) -> None:
        default = DownsampleSettings()
        method = self.settings.method(default.method)
        settings = replace(
            default,
            voxel_size=min(max(self.settings.voxel_size(default.voxel_size), 0.002), 0.5),
            method=method if method in METHODS else default.method,
        )
        self.session.set_downsample_settings(settings)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not confirm.stop_running_work(self, self.status.running_work()):
            event.ignore()
            return
        if not self.projects.confirm_close():  # Save / Discard / Cancel
            event.ignore()
            return
        self.session.cancel_requested.emit()
        # Jobs still running would deliver into a closed window (or emit from a deleted
        # Job at interpreter shutdown): stop them and let their threads end first.
        workers.cancel_all()
        workers.wait_all(self.findChildren(QThreadPool))
        self.projects.closed()  # a clean close: no recovery offered next time
        self.settings.set_window(self.saveGeometry(), self.saveState())
        self.settings.set_voxel_size(self.session.state.downsample.voxel_size)
        self.settings.set_method(self.session.state.downsample.method)
        self.settings.set_display_budget(self.viewport.display_budget)
        self.settings.set_background(self.viewport.decor.background)
        self.settings.sync()
        self.viewport.close_plotter()
        self.slot_guard.uninstall()
        super().closeEvent(event)


def _scrollable(panel: QWidget) -> QScrollArea:
    """`panel` in a frameless scroll area that gives it the dock's width."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    # The dock is as wide as the panel's controls need, up to a cap beyond which the panel
    # scrolls sideways too: on a small screen the view must keep most of the width.
    bar = area.verticalScrollBar().sizeHint().width()
    area.setMinimumWidth(min(panel.minimumSizeHint().width() + bar, MAX_DOCK_WIDTH))
    return area
