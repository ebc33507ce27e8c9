"""Follow a submitted labeling job: status, counters and elapsed time refreshed by a timer,
the worker portal, Stop, and Fetch labels (handed to the session as the sample's labels).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QMessageBox, QPushButton, QWidget

from core.cloud import PointCloud
from core.groundtruth import jobs
from core.groundtruth.flow import Clients
from core.groundtruth.record import JobRecord
from gui.session import Session
from gui.workers import Job, run_job

#: How often a running job is asked for its status. Ground Truth moves in minutes.
POLL_MS = 30_000


class JobStatusView(QGroupBox):
    """Status of `record`'s job; AWS calls run in workers, the timer only starts them."""

    def __init__(
        self, session: Session, clients: Callable[[], Clients], parent: QWidget | None = None
    ):
        super().__init__("Job status", parent)
        self.session = session
        self._clients = clients
        self.record: JobRecord | None = None
        self.status: jobs.JobStatus | None = None
        self.poll_job: Job | None = None
        self.job: Job | None = None  # the last stop / fetch / portal job
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.state_label = QLabel("No job yet: submit one, or open a job record.", self)
        self.state_label.setWordWrap(True)
        self.counters_label = QLabel(self)
        self.buttons = {
            "refresh": QPushButton("Refresh", self),
            "portal": QPushButton("Worker portal", self),
            "stop": QPushButton("Stop job", self),
            "fetch": QPushButton("Fetch labels", self),
        }
        self.buttons["refresh"].clicked.connect(self.refresh)
        self.buttons["portal"].clicked.connect(self.open_portal)
        self.buttons["stop"].clicked.connect(self.stop)
        self.buttons["fetch"].clicked.connect(self.fetch)
        grid = QGridLayout(self)
        grid.addWidget(self.state_label, 0, 0, 1, 4)
        grid.addWidget(self.counters_label, 1, 0, 1, 4)
        for column, button in enumerate(self.buttons.values()):
            grid.addWidget(button, 2, column)
        self.destroyed.connect(self.timer.stop)
        self._enable()

    # -- following ------------------------------------------------------------------------
    def follow(self, record: JobRecord) -> None:
        """Follow `record`'s job from now on (refresh now, then every POLL_MS)."""
        self.record = record
        self.status = None
        self.state_label.setText(f"{record.job_name}: asking AWS…")
        self.counters_label.clear()
        self.refresh()
        self.timer.start()

    def refresh(self) -> Job | None:
        record = self.record
        if record is None or not record.job_name or self._polling():
            return None
        clients = self._clients()
        name = record.job_name

        def work(progress, cancel):
            return jobs.describe_job(clients.sagemaker, name)

        self.poll_job = run_job(
            self.session, "Job status", work, self._show, self._poll_failed, quiet=True
        )
        return self.poll_job

    def _polling(self) -> bool:
        return self.poll_job is not None and self.poll_job.is_running()

    def _show(self, status: jobs.JobStatus) -> None:
        self.status = status
        self.state_label.setText(status.summary())
        counters = ", ".join(f"{k} {v}" for k, v in status.counters.items())
        self.counters_label.setText(counters or "No counters yet.")
        if status.done:
            self.timer.stop()  # a finished job never changes again
        self._enable()

    def _poll_failed(self, sentence: str) -> None:
        # A failed poll is shown in place, not as a dialog every 30 s; the next tick retries.
        self.state_label.setText(f"Could not read the job status: {sentence}")
        self._enable()

    def _enable(self) -> None:
        has_job = self.record is not None and bool(self.record.job_name)
        status = self.status.status if self.status else ""
        self.buttons["refresh"].setEnabled(has_job)
        self.buttons["portal"].setEnabled(
            has_job and bool(self.record and self.record.workteam_arn)
        )
        self.buttons["stop"].setEnabled(has_job and status in ("Initializing", "InProgress", ""))
        self.buttons["fetch"].setEnabled(has_job and status in ("Completed", "Stopped"))
        self.buttons["fetch"].setToolTip(
            ""
            if status in ("Completed", "Stopped")
            else "Labels can be fetched once the job is Completed"
        )

    # -- actions --------------------------------------------------------------------------
    def open_portal(self) -> Job | None:
        record = self.record
        if record is None or not record.workteam_arn:
            return None
        clients, arn = self._clients(), record.workteam_arn

        def work(progress, cancel):
            return jobs.portal_url(clients.sagemaker, arn)

        self.job = run_job(self.session, "Finding the worker portal", work, self._open_url)
        return self.job

    def _open_url(self, url: str | None) -> None:
        if not url:
            self.session.message.emit("This work team has no worker portal address.")
            return
        QDesktopServices.openUrl(QUrl(url))
        self.session.message.emit(f"Worker portal: {url}")

    def stop(self) -> Job | None:
        record = self.record
        if record is None or not record.job_name:
            return None
        answer = QMessageBox.question(
            self,
            "Stop the job",
            f"Stop the labeling job {record.job_name}? Work in progress is lost.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        clients, name = self._clients(), record.job_name

        def work(progress, cancel):
            jobs.stop_job(clients.sagemaker, name)
            return jobs.describe_job(clients.sagemaker, name)

        self.job = run_job(self.session, f"Stopping {name}", work, self._show)
        return self.job

    def fetch(self) -> Job | None:
        """Download and decode the labels; they become the sample's labels in the session."""
        record = self.record
        if record is None:
            return None
        clients, status = self._clients(), self.status
        sample = self.session.state.sample

        def work(progress, cancel):
            from core.groundtruth.flow import fetch_labels

            return fetch_labels(record, clients, status=status, progress=progress, cancel=cancel)

        self.job = run_job(
            self.session,
            f"Fetching labels of {record.job_name}",
            work,
            lambda fetched: self._fetched(fetched, record, sample),
            owner=self,
        )
        return self.job

    def _fetched(self, fetched, record: JobRecord, sample: PointCloud | None) -> None:
        """Make the fetched labels the sample's, if the job and the sample are still current."""
        # Identity, not length: labels of another job, or for a replaced sample of the same
        # size, must not become this sample's labels.
        if self.record is not record or self.session.state.sample is not sample:
            self.session.message.emit(
                f"The job or the sample changed while fetching {record.job_name}; fetch again."
            )
            return
        if sample is None or len(sample) != len(fetched.labels_sample):
            n_sample = "no sample" if sample is None else f"a sample of {len(sample):,} points"
            self.session.error.emit(
                "Fetch labels",
                f"The job labeled {len(fetched.labels_sample):,} points but the session has "
                f"{n_sample}; downsample the cloud as for this job and fetch again.",
            )
            return
        self.session.set_classes(record.label_classes())
        self.session.set_sample_labels(fetched.labels_sample)
        note = (
            f"; names not in the class list: {', '.join(fetched.unmatched)}"
            if fetched.unmatched
            else ""
        )
        if fetched.n_frames > 1:
            note += f"; {fetched.n_frames} frames stitched"
        if fetched.missing_frames:
            numbers = ", ".join(str(n) for n in fetched.missing_frames)
            note += f" (frames {numbers} came back without labels)"
        self.session.message.emit(
            f"Labels of {record.job_name} fetched: {fetched.n_unlabeled:,} points unlabeled{note}."
        )
