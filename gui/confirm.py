"""Questions asked before something that throws away labels or running work.

Small and separate from the project's unsaved-changes prompt (gui/project_controller.py):
these are about losing labels or a running job, whether or not a project is saved.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from gui.session import Session


def ask(parent: QWidget, title: str, text: str, go: str, stay: str) -> bool:
    """A question with two named buttons; True when the user chose `go` (the default is
    `stay`, so Enter or Esc never throws work away)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    go_button = box.addButton(go, QMessageBox.ButtonRole.DestructiveRole)
    stay_button = box.addButton(stay, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay_button)
    box.setEscapeButton(stay_button)
    box.exec()
    return box.clickedButton() is go_button


def replace_labeled_sample(parent: QWidget, session: Session) -> bool:
    """Before a new sample replaces one that has labels: True = go on."""
    state = session.state
    lost = []
    if state.labels_sample is not None:
        lost.append("the labels of the current sample")
    if state.labels_full is not None:
        lost.append("the labels carried back to the full cloud")
    if not lost:
        return True
    return ask(
        parent,
        "Use this sample",
        f"Using the new sample discards {' and '.join(lost)}. Export them first if you need them.",
        "Use new sample",
        "Keep current sample",
    )


def stop_running_work(parent: QWidget, running: str | None) -> bool:
    """Before closing while the job `running` (its title) works: True = stop it and close."""
    if running is None:
        return True
    return ask(
        parent,
        "Close DenseLabel",
        f"{running} is still running; closing stops it and keeps nothing of it.",
        "Stop and close",
        "Keep working",
    )
