"""The review dialog: the exact create_labeling_job request, every problem and warning."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class RequestReviewDialog(QDialog):
    """Shows a `core.groundtruth.flow.Prepared`; Submit is offered only when it has no problem.

    `exec()` returns Accepted when the user pressed Submit.
    """

    def __init__(
        self, prepared, *, can_submit: bool, why_not: str = "", parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle("Review the labeling job request")
        self.resize(720, 620)
        self.problems = QListWidget(self)
        # Each problem is a whole sentence: wrap it rather than hide its end off-screen.
        self.problems.setWordWrap(True)
        self.problems.setResizeMode(QListView.ResizeMode.Adjust)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for problem in prepared.problems:
            QListWidgetItem(f"✗ {problem}", self.problems)
        for warning in prepared.warnings:
            QListWidgetItem(f"⚠ {warning}", self.problems)
        if not prepared.problems and not prepared.warnings:
            QListWidgetItem("✓ No problem found.", self.problems)
        self.request_text = QPlainTextEdit(prepared.request_json, self)
        self.request_text.setReadOnly(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.request_text.setFont(mono)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.submit_button = buttons.addButton("Submit", QDialogButtonBox.ButtonRole.AcceptRole)
        self.submit_button.setEnabled(prepared.ok and can_submit)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        heading = f"{len(prepared.problems)} problem(s), {len(prepared.warnings)} warning(s)."
        if prepared.ok and not can_submit:
            heading += f" Submit is off: {why_not}"
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(heading, self))
        layout.addWidget(self.problems, 1)
        layout.addWidget(QLabel("create_labeling_job request:", self))
        layout.addWidget(self.request_text, 3)
        layout.addWidget(buttons)
