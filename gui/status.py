"""The status bar: messages, a progress bar and a Cancel button, driven by the Session."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from gui.session import Session

_MESSAGE_MS = 6000


class StatusBar(QStatusBar):
    """Shows `session.busy`/`progress`/`idle`; Cancel emits `session.cancel_requested`."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self._session = session
        self._jobs = 0
        self._titles: list[str] = []  # jobs the user started, oldest first
        self._cancelling = False
        self.job_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job (Esc)")
        self.cancel_button.clicked.connect(session.cancel_requested)
        for widget in (self.job_label, self.progress_bar, self.cancel_button):
            self.addPermanentWidget(widget)
        session.busy.connect(self._on_busy)
        session.progress.connect(self._on_progress)
        session.idle.connect(self._on_idle)
        session.cancel_requested.connect(self._on_cancel)
        session.message.connect(lambda text: self.showMessage(text, _MESSAGE_MS))
        self._show_job(False)

    def is_busy(self) -> bool:
        return self._jobs > 0

    def job_titles(self) -> list[str]:
        """Titles of the jobs running now, oldest first (the label shows their progress)."""
        return list(self._titles)

    def running_work(self) -> str | None:
        """The title of a job the user started that still runs and was not cancelled."""
        from gui.shown_jobs import DISPOSABLE_TITLES

        if self._cancelling:
            return None
        return next((t for t in reversed(self._titles) if t not in DISPOSABLE_TITLES), None)

    def _on_cancel(self) -> None:
        if self._jobs:
            self._cancelling = True

    def _on_busy(self, title: str) -> None:
        self._jobs += 1
        self._titles.append(title)
        self._cancelling = False
        self.job_label.setText(title)
        self.progress_bar.setValue(0)
        self._show_job(True)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * 1000))
        if message:
            self.job_label.setText(message)

    def _on_idle(self) -> None:
        self._jobs = max(self._jobs - 1, 0)
        # idle() does not say which job ended; the oldest usually ends first.
        self._titles = self._titles[1:] if self._jobs else []
        self._cancelling = self._cancelling and self._jobs > 0
        self._show_job(self._jobs > 0)

    def _show_job(self, on: bool) -> None:
        for widget in (self.job_label, self.progress_bar, self.cancel_button):
            widget.setVisible(on)
