"""A killed session comes back: the real app in a child process under Xvfb, SIGKILLed after
its autosave, started again, restored, and compared with what it held.

The child gets its own settings and data folders (XDG_CONFIG_HOME, XDG_DATA_HOME) and an
autosave delay of 1 s; `--python` runs the small scripts below inside it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

# Both scripts write what the session holds to DL_OUT with this.
DUMP = """
import os
import numpy as np
from PySide6.QtCore import QTimer

def dump(session, path):
    s = session.state
    np.savez(path, sample_xyz=s.sample.xyz, index_map=s.index_map,
             labels_sample=s.labels_sample, labels_full=s.labels_full,
             rotation=np.array([s.rotation.z, s.rotation.y, s.rotation.x]))
"""

# Runs inside the first app: open a real scan, rotate, downsample, label, carry back.
MAKE_CHANGES = (
    DUMP
    + """
from core.classes import make_classes
from core.downsample import downsample
from core.rotate import rotate
from gui.session import DownsampleSettings, Rotation

job = window.open_file(os.environ["DL_SCAN"])

def change():
    if not job.delivered:
        QTimer.singleShot(100, change)
        return
    session = window.session
    session.set_rotation(Rotation(z=30.0, y=0.0, x=5.0, about="centroid"))
    cloud = session.state.cloud
    turned = cloud.with_xyz(rotate(cloud.xyz, 30.0, 0.0, 5.0, about="centroid"))
    down = downsample(turned, "voxel-nearest", voxel_size=0.02)
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.02))
    session.set_classes(make_classes(["table", "box", "cup"], first_id=1))
    labels = np.random.default_rng(7).integers(1, 4, len(down.sample)).astype(np.uint8)
    session.set_sample_labels(labels)
    session.set_full_labels(labels[down.index_map])
    dump(session, os.environ["DL_OUT"])

QTimer.singleShot(100, change)
"""
)

# Runs inside the second app (started with --recover restore): wait for the restore, dump
# the state, save it as a project, close cleanly.
CHECK_RESTORED = (
    DUMP
    + """
def check():
    state = window.session.state
    job = window.projects.job
    if state.labels_full is None or job is None or not job.delivered:
        QTimer.singleShot(100, check)
        return
    dump(window.session, os.environ["DL_OUT"])
    with open(os.environ["DL_TITLE"], "w") as handle:
        handle.write(window.windowTitle() + ("*" if window.isWindowModified() else ""))
    window.projects.saved.connect(lambda _: QTimer.singleShot(0, window.close))
    window.projects.save_to(os.environ["DL_PROJECT"])

QTimer.singleShot(100, check)
"""
)


def start_app(tmp_path: Path, name: str, script: str, *args: str, **env: str) -> subprocess.Popen:
    code = tmp_path / f"{name}.py"
    code.write_text(script)
    environ = dict(os.environ)
    environ.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
        **env,
    )
    environ.pop("QT_QPA_PLATFORM", None)  # the real X server (pytest-xvfb's DISPLAY)
    log = open(tmp_path / f"{code.stem}.log", "w")  # noqa: SIM115 - the child writes it
    return subprocess.Popen(
        [sys.executable, "-m", "gui", "--python", str(code), *args],
        cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_until(condition, proc: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the app exited ({proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no {what} after {timeout:.0f} s")
        time.sleep(0.2)


def recovery_holds_labels(folder: Path) -> bool:
    """True once a pointer names a complete recovery file with the carried-back labels."""
    from core.errors import InputError
    from core.project_file import load_project

    for pointer in folder.glob("**/recovery/session-*.json"):
        try:
            record = json.loads(pointer.read_text())
            return load_project(record["recovery"]).labels_full is not None
        except (OSError, ValueError, KeyError, InputError):
            return False
    return False


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (pytest-xvfb)")
def test_a_killed_session_is_restored(tmp_path, data_dir):
    config = tmp_path / "config" / "DenseLabel"
    config.mkdir(parents=True)
    (config / "DenseLabel.conf").write_text("[autosave]\nseconds=1\n")
    before, after = tmp_path / "before.npz", tmp_path / "after.npz"
    scan = str(data_dir / "test55.xyz")

    first = start_app(tmp_path, "make_changes", MAKE_CHANGES, DL_SCAN=scan, DL_OUT=str(before))
    wait_until(before.exists, first, 120, "changes made")
    wait_until(lambda: recovery_holds_labels(tmp_path / "data"), first, 60, "autosave")
    first.send_signal(signal.SIGKILL)
    assert first.wait(30) == -signal.SIGKILL

    project = tmp_path / "restored.dlproj"
    title = tmp_path / "title.txt"
    second = start_app(
        tmp_path, "check_restored", CHECK_RESTORED, "--recover", "restore",
        DL_OUT=str(after), DL_TITLE=str(title), DL_PROJECT=str(project),
    )  # fmt: skip
    try:
        status = second.wait(180)
    except subprocess.TimeoutExpired:
        second.kill()
        status = second.wait(30)
    assert status == 0, (tmp_path / "check_restored.log").read_text()[-3000:]

    was, now = np.load(before), np.load(after)
    for name in was.files:
        assert now[name].dtype == was[name].dtype, name
        np.testing.assert_array_equal(now[name], was[name], err_msg=name)
    # Restored work is unsaved until saved; the saved project holds it, and a clean close
    # leaves no recovery file behind.
    assert title.read_text() == "test55.xyz[*] - DenseLabel*"
    from core.project_file import load_project

    np.testing.assert_array_equal(load_project(project).labels_full, was["labels_full"])
    assert list((tmp_path / "data").glob("**/recovery/*")) == []


def test_the_restore_question_says_when_and_what(main_window):
    from gui.recovery import describe

    record = {
        "saved_at": time.mktime((2026, 3, 4, 10, 20, 30, 0, 0, -1)),
        "project": None,
        "holds": ["scan.xyz (401,286 points)", "a sample of 12,000 points"],
    }
    text = describe(record)
    assert "saved at 2026-03-04 10:20:30" in text
    assert "an unsaved session" in text and "a sample of 12,000 points" in text


def test_a_dead_session_is_found_and_a_live_one_is_not(main_window, tmp_path):
    recovery = main_window.projects.recovery
    recovery.folder.mkdir(parents=True, exist_ok=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for pid in (dead.pid, os.getppid()):  # a finished process, and a running one
        target = recovery.folder / f"session-{pid}.dlproj"
        target.write_bytes(b"")
        (recovery.folder / f"session-{pid}.json").write_text(
            json.dumps({"pid": pid, "recovery": str(target), "saved_at": 1.0, "holds": []})
        )
    assert [r["pid"] for r in recovery.leftovers()] == [dead.pid]
    assert recovery.offer("discard") is None
    assert not (recovery.folder / f"session-{dead.pid}.json").exists()
    assert (recovery.folder / f"session-{os.getppid()}.json").exists()


def test_the_offer_shows_the_question_and_restores(qtbot, main_window, data_dir, monkeypatch):
    """The 'ask' path in-process: a leftover of a dead session, answered Restore."""
    import gui.recovery as recovery_module
    from tests.gui.conftest import wait_for_job
    from tests.gui.test_project_window import open_and_label

    window = main_window
    open_and_label(qtbot, window, data_dir / "test55.xyz")
    labels = window.session.state.labels_full.copy()
    recovery = window.projects.recovery
    wait_for_job(qtbot, recovery.autosave())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record = json.loads(recovery.pointer.read_text())
    copy = recovery.folder / f"session-{dead.pid}.dlproj"  # as if a killed window wrote it
    shutil.copy(record["recovery"], copy)
    record.update(pid=dead.pid, recovery=str(copy))
    (recovery.folder / f"session-{dead.pid}.json").write_text(json.dumps(record))
    wait_for_job(qtbot, window.open_sample_scene())  # the crash lost the session
    shown: list[str] = []

    class AnsweringBox:
        ButtonRole = recovery_module.QMessageBox.ButtonRole

        def __init__(self, parent):
            self.buttons: list[str] = []

        def setWindowTitle(self, title):  # noqa: N802 - Qt's name
            shown.append(title)

        def setText(self, text):  # noqa: N802 - Qt's name
            shown.append(text)

        def addButton(self, text, role):  # noqa: N802 - Qt's name
            self.buttons.append(text)
            return text

        def exec(self):
            return 0

        def clickedButton(self):  # noqa: N802 - Qt's name
            return "Restore"

    monkeypatch.setattr(recovery_module, "QMessageBox", AnsweringBox)
    with qtbot.waitSignal(window.projects.opened, timeout=60_000):
        recovery.offer("ask")
    assert shown[0] == "Recover unsaved work"
    assert "test55.xyz (175,178 points)" in shown[1] and "saved at" in shown[1]
    np.testing.assert_array_equal(window.session.state.labels_full, labels)
    assert window.isWindowModified()
    qtbot.waitUntil(lambda: not copy.exists(), timeout=30_000)  # adopted, then replaced


def test_a_recovery_written_while_the_session_is_saved_is_removed(qtbot, main_window, data_dir):
    """An autosave still writing when the project is saved (or the window closes) leaves
    no recovery file, even if its result never reaches the window."""
    import threading

    import core.project_file
    from tests.gui.test_project_window import open_and_label

    window = main_window
    open_and_label(qtbot, window, data_dir / "test55.xyz")
    recovery = window.projects.recovery
    writing, release = threading.Event(), threading.Event()
    real_save = core.project_file.save_project

    def slow_save(*args, **kwargs):
        writing.set()
        assert release.wait(30)
        return real_save(*args, **kwargs)

    core.project_file.save_project = slow_save
    try:
        job = recovery.autosave()
        assert job is not None and writing.wait(30)
        target, pointer = recovery.target(), recovery.pointer
        recovery.discard()  # what a save and a clean close do
        release.set()
        assert job.wait(30_000)
    finally:
        core.project_file.save_project = real_save
    # Checked before the UI thread ran `done`: the worker removed them itself.
    assert not target.exists() and not pointer.exists()
