"""File > Save Project / Open Project, the unsaved mark, the close prompt and autosave.

The controller follows the session's signals to know when there are unsaved changes; it
saves and opens on worker threads (core.project_file) and converts with gui/project_io.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from core.project import PROJECT_SUFFIX, Project, check_source, fingerprint_file
from gui import project_io
from gui.project_io import Extras
from gui.recovery import Recovery
from gui.workers import Job, run_job

if TYPE_CHECKING:
    from gui.main_window import MainWindow

FILTER = f"DenseLabel projects (*{PROJECT_SUFFIX})"
Button = QMessageBox.StandardButton


class ProjectController(QObject):
    """The window's project: its file, whether it has unsaved changes, saving, opening."""

    opened = Signal(str)  # a project (or a recovered session) is in the session now
    saved = Signal(str)  # path

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.settings = window.settings
        self.path: str | None = None  # the project file, once saved or opened
        self.extras = Extras()
        self.generation = 0  # counts changes; saved_generation is the one on disk
        self.saved_generation = 0
        self.job: Job | None = None
        self._close_after_save = False
        self.recovery = Recovery(self)
        # Work that would be lost. Settings and display changes are saved too but do not
        # count on their own: panels also set them by themselves (the downsample panel
        # sets its range from the scan's spacing once measured), which is no one's work.
        for signal in (
            self.session.rotation_changed,
            self.session.sample_changed,
            self.session.classes_changed,
            self.session.sample_labels_changed,
            self.session.full_labels_changed,
            self.session.truth_changed,
        ):
            signal.connect(self.note_change)
        # Painting changes the label arrays in place and says so only here.
        self.session.labeling.painted.connect(lambda *_: self.note_change())

    # -- state ------------------------------------------------------------------------
    def is_dirty(self) -> bool:
        """Unsaved changes: something changed since the last save or open of a cloud."""
        return self.session.state.cloud is not None and self.generation != self.saved_generation

    def note_change(self) -> None:
        self.generation += 1
        self.recovery.note_change()
        self.update_title()

    def cloud_opened(self) -> None:
        """A cloud file was just opened: a new, clean session with no project file."""
        self.path = None
        state = self.session.state
        fingerprint = None
        if state.path is not None and Path(state.path).is_file():
            fingerprint = fingerprint_file(state.path)
        self.extras = Extras(source_fingerprint=fingerprint)
        self.saved_generation = self.generation
        self.recovery.discard()
        self.update_title()

    def update_title(self) -> None:
        state = self.session.state
        if self.path is not None:
            name = Path(self.path).name
        elif state.cloud is not None:
            name = Path(state.path).name if state.path else "sample scene"
        else:
            self.window.setWindowTitle("DenseLabel")
            self.window.setWindowModified(False)
            return
        self.window.setWindowTitle(f"{name}[*] - DenseLabel")  # Qt shows '*' when modified
        self.window.setWindowModified(self.is_dirty())

    def snapshot(self) -> Project:
        """The session as a project, on the UI thread (fast: arrays by reference)."""
        camera = None if self.window.viewport._closed() else self.window.viewport.camera_state()
        gt = self.window.panels.get("Ground Truth")
        record = getattr(getattr(gt, "status_view", None), "record", None)
        if record is not None:
            from dataclasses import asdict

            self.extras.groundtruth_job = asdict(record)  # its path resolves relative paths
        return project_io.snapshot(
            self.session.state, self.extras, camera, self.settings.include_cloud()
        )

    # -- saving -----------------------------------------------------------------------
    def save(self) -> Job | None:
        return self.save_as() if self.path is None else self.save_to(self.path)

    def save_as(self) -> Job | None:
        if self.session.state.cloud is None:
            self.session.error.emit("Save project", "There is nothing to save; open a cloud first.")
            return None
        scan = self.session.state.path
        base = Path(self.path or scan or "untitled").stem
        # Beside an existing project, else in the scan's output folder; never the scan's
        # own folder (it may be a read-only share of other people's data).
        folder = Path(self.path).parent if self.path else self.settings.scan_output_folder(scan)
        folder.mkdir(parents=True, exist_ok=True)
        suggested = str(folder / f"{base}{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project", suggested, FILTER)
        if not path:
            self._close_after_save = False
            return None
        if not path.endswith(PROJECT_SUFFIX):
            path += PROJECT_SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> Job:
        """Write the project on a worker; the window stays usable meanwhile."""
        from core.project_file import save_project

        project, generation = self.snapshot(), self.generation

        def done(_: object) -> None:
            self.path = path
            self.saved_generation = generation
            self.settings.add_recent_project(path)
            self.recovery.discard()
            self.update_title()
            self.session.message.emit(f"Saved {path}")
            self.saved.emit(path)
            if self._close_after_save:  # once this job has ended (not still 'running')
                QTimer.singleShot(0, self.window.close)

        def failed(sentence: str) -> None:
            self._close_after_save = False
            self.session.error.emit("Save project", sentence)

        title = f"Saving {Path(path).name}"
        work = lambda p, c: save_project(path, project, p, c)  # noqa: E731
        self.job = run_job(self.session, title, work, done, failed, owner=self)
        return self.job

    # -- opening ----------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open project", self.settings.last_folder(), FILTER
        )
        if path:
            self.open_project(path)

    def open_project(self, path: str, recovered_from: str | None = None) -> Job | None:
        """Read a project (or a recovery file) on a worker, then its source cloud.

        `recovered_from` is the project the recovery file stands for (None: unsaved).
        """
        from core.project_file import load_project

        if recovered_from is None and not self.confirm_discard("Open project"):
            return None
        self.settings.set_last_folder(str(Path(path).parent))
        work = lambda p, c: load_project(path, p, c)  # noqa: E731
        done = lambda project: self._project_read(path, project, recovered_from)  # noqa: E731
        self.job = run_job(self.session, f"Opening {Path(path).name}", work, done, owner=self)
        return self.job

    def _project_read(self, path: str, project: Project, recovered_from: str | None) -> None:
        source = project.source_path
        problem = check_source(project)
        if problem is not None:
            source = self.locate_source(problem, project)
            if source is None:
                self.session.message.emit(f"Opening {Path(path).name}: cancelled")
                return
        limit = self.window.big_files.threshold()
        work = lambda p, c: project_io.read_source(project, source, p, c, limit)  # noqa: E731
        is_recovery = recovered_from is not None or self.recovery.is_recovery_file(path)
        target = recovered_from if is_recovery else path

        def done(cloud: object) -> None:
            self._apply(target, project, cloud, source, is_recovery)

        title = "Reading the source cloud" if project.cloud is None else "Unpacking the cloud"
        self.job = run_job(self.session, title, work, done, owner=self)

    def locate_source(self, problem: str, project: Project) -> str | None:
        """Say why the source is not usable and let the user pick it; None = cancelled."""
        sentence = problem[0].upper() + problem[1:]
        answer = QMessageBox.question(
            self.window,
            "Source cloud",
            f"{sentence} Locate the scan this project was made from?",
            Button.Open | Button.Cancel,
        )
        if answer != Button.Open:
            return None
        start = str(Path(project.source_path).parent) if project.source_path else ""
        path, _ = QFileDialog.getOpenFileName(self.window, "Locate the source cloud", start)
        return path or None

    def _show_groundtruth_job(self, project: Project, path: str | None) -> None:
        """The saved job record back in the Ground Truth panel, so the job can be followed."""
        data = project.groundtruth_job
        gt = self.window.panels.get("Ground Truth")
        if not data or gt is None:
            return
        from core.errors import InputError
        from core.groundtruth.record import record_from_dict

        where = data.get("path") or path or "project"
        try:
            record = record_from_dict({k: v for k, v in data.items() if k != "path"}, where)
        except InputError as exc:
            self.session.error.emit("Ground Truth job", str(exc))
            return
        record.path = data.get("path")
        gt.show_record(record)  # type: ignore[attr-defined]

    def _apply(
        self, path: str | None, project: Project, cloud, source: str | None, recovered: bool
    ) -> None:
        self.window.viewport.end_comparison()
        self.extras = project_io.apply(self.session, project, cloud, source)
        if source is not None and source != project.source_path and Path(source).is_file():
            self.extras.source_fingerprint = fingerprint_file(source)  # the located file
        if project.camera:
            self.window.viewport.set_camera_state(project.camera)
        self._show_groundtruth_job(project, path)
        self.path = path
        self.saved_generation = self.generation
        if recovered or source != project.source_path:
            self.generation += 1  # not on disk as a project yet
            self.recovery.note_change()
        if path is not None and not recovered:
            self.settings.add_recent_project(path)
        self.update_title()
        self.session.message.emit(f"Opened {Path(path).name if path else 'the recovered session'}")
        self.opened.emit(path or "")

    # -- recent projects --------------------------------------------------------------
    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        for path in self.settings.recent_projects():
            action = menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_project(p))
        if menu.isEmpty():
            menu.addAction("(none)").setEnabled(False)

    # -- closing ----------------------------------------------------------------------
    def confirm_discard(self, title: str) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes; True = go on."""
        if not self.is_dirty():
            return True
        name = project_io.project_name(self.path or self.session.state.path)
        answer = QMessageBox.question(
            self.window,
            title,
            f"Save the changes to {name} first? Otherwise they are lost.",
            Button.Save | Button.Discard | Button.Cancel,
        )
        if answer == Button.Discard:
            return True
        if answer == Button.Save:
            self._close_after_save = title == "Close DenseLabel"
            self.save()
        return False

    def confirm_close(self) -> bool:
        return self.confirm_discard("Close DenseLabel")

    def closed(self) -> None:
        """A clean close: no recovery is needed next time."""
        self.recovery.stop()
        self.recovery.discard()
