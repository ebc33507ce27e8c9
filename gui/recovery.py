"""Autosave and recovery: a recovery file written off the UI thread, offered after a crash.

A running window keeps a small pointer file in the data folder,
``recovery/session-<pid>.json``, naming its recovery file: ``<project>.recovery.dlproj``
beside the project, or ``recovery/session-<pid>.dlproj`` for an unsaved session. A clean
close or a save deletes both; a pointer whose process is gone means a crash or a kill,
and the next start offers its recovery file.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from core.atomic import atomic_write
from core.project import PROJECT_SUFFIX
from gui.workers import Job, run_job

if TYPE_CHECKING:
    from gui.project_controller import ProjectController

RECOVERY_SUFFIX = ".recovery" + PROJECT_SUFFIX
Button = QMessageBox.StandardButton


class Recovery(QObject):
    """Writes the recovery file every few minutes of changes and after each long step."""

    def __init__(self, controller: ProjectController):
        super().__init__(controller)
        self.controller = controller
        self.session = controller.session
        self.folder = controller.settings.data_folder() / "recovery"
        self.pointer = self.folder / f"session-{os.getpid()}.json"
        self.changed = False  # changes not in a recovery file yet
        self.job: Job | None = None
        self.written: list[Path] = []  # files this session wrote (removed on a clean close)
        self.adopted: list[Path] = []  # a restored crash's files, removed once ours exist
        self._epoch = 0  # bumped by discard(): a write started before it is dropped
        self.timer = QTimer(self, singleShot=True)
        self.timer.setInterval(int(controller.settings.autosave_seconds() * 1000))
        self.timer.timeout.connect(self.autosave)
        self.session.idle.connect(self._after_long_step)

    # -- writing ----------------------------------------------------------------------
    def note_change(self) -> None:
        """Changes start the clock; the file is written when it runs out (not per change)."""
        self.changed = True
        if not self.timer.isActive():
            self.timer.start()

    def _after_long_step(self) -> None:
        if self.changed and self.controller.is_dirty():
            QTimer.singleShot(0, self.autosave)

    def target(self) -> Path:
        path = self.controller.path
        if path is not None:
            project = Path(path)
            return project.with_name(project.name[: -len(PROJECT_SUFFIX)] + RECOVERY_SUFFIX)
        return self.folder / f"session-{os.getpid()}{PROJECT_SUFFIX}"

    def autosave(self) -> Job | None:
        """Snapshot on the UI thread (by reference), write on a worker; None if not needed."""
        if not self.changed or not self.controller.is_dirty():
            return None
        if self.job is not None and self.job.is_running():
            self.timer.start()  # one write at a time; try again later
            return None
        self.changed = False
        project = self.controller.snapshot()
        target, pointer, epoch = self.target(), self.pointer, self._epoch
        record = {
            "pid": os.getpid(),
            "recovery": str(target),
            "project": self.controller.path,
            "saved_at": time.time(),
            "holds": project.summary(),
        }

        def work(progress, cancel) -> Path:
            from core.project_file import save_project

            target.parent.mkdir(parents=True, exist_ok=True)
            save_project(target, project, progress, cancel)
            pointer.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(pointer, "w") as handle:
                json.dump(record, handle)
            if epoch != self._epoch:
                # Saved or closed while this wrote: `done` may never run (the window is
                # gone), so the stale files go here (CI once found them after a clean close).
                _remove([target, pointer])
            return target

        def done(path: Path) -> None:
            if epoch != self._epoch:  # saved or closed meanwhile: this file is stale
                _remove([path, pointer])
                return
            self.written = [p for p in self.written if p != path] + [path]
            _remove([p for p in self.adopted if p not in (path, pointer)])
            self.adopted = []

        def failed(sentence: str) -> None:
            self.changed = True
            self.session.message.emit(f"Autosave failed: {sentence}")

        self.job = run_job(self.session, "Autosaving", work, done, failed, quiet=True, owner=self)
        return self.job

    def discard(self) -> None:
        """Remove this session's recovery files (after a save, or on a clean close)."""
        self._epoch += 1
        self.changed = False
        self.timer.stop()
        _remove([*self.written, self.pointer])
        self.written = []

    def stop(self) -> None:
        self.timer.stop()

    def is_recovery_file(self, path: str | Path) -> bool:
        return str(path).endswith(RECOVERY_SUFFIX) or Path(path).parent == self.folder

    # -- after a crash ----------------------------------------------------------------
    def leftovers(self) -> list[dict[str, Any]]:
        """Recovery records of sessions whose process is gone, newest first."""
        found = []
        for pointer in self.folder.glob("session-*.json"):
            try:
                record = json.loads(pointer.read_text(encoding="utf-8"))
                pid = int(record["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if pid == os.getpid() or _alive(pid) or not Path(record["recovery"]).is_file():
                continue
            record["pointer"] = str(pointer)
            found.append(record)
        return sorted(found, key=lambda r: -float(r.get("saved_at", 0)))

    def offer(self, mode: str = "ask") -> Job | None:
        """At start: offer the newest leftover recovery ('ask'), or 'restore' / 'discard'."""
        records = self.leftovers()
        if not records:
            return None
        record = records[0]
        if mode == "ask":
            mode = self._ask(record)
        files = [Path(record["recovery"]), Path(record["pointer"])]
        if mode == "discard":
            _remove(files)
            return None
        if mode != "restore":
            return None  # asked to decide later: the files stay
        self.adopted = files
        return self.controller.open_project(record["recovery"], record.get("project"))

    def _ask(self, record: dict[str, Any]) -> str:
        box = QMessageBox(self.controller.window)
        box.setWindowTitle("Recover unsaved work")
        box.setText(describe(record))
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        later = box.addButton("Decide Later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        return "restore" if clicked is restore else "later" if clicked is later else "discard"


def describe(record: dict[str, Any]) -> str:
    """The restore question: when the recovery file was written and what it holds."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.get("saved_at", 0)))
    holds = "; ".join(record.get("holds") or [])
    where = record.get("project") or "an unsaved session"
    return (
        f"DenseLabel did not close cleanly. Work from {where} was saved at {when}: {holds}. "
        "Restore it?"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()
