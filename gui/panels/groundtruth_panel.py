"""The Ground Truth panel: class list, job form, review dialog, submit, follow, fetch.

Every AWS call runs in a worker (gui/workers.py). Without AWS access the panel still
exports the frame and shows the request with its problems, and says why Submit is off.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.groundtruth import flow, jobs, s3
from core.groundtruth.flow import AwsTarget, Clients
from core.groundtruth.record import RECORD_SUFFIX, JobRecord, load_record
from core.progress import sub_progress
from gui.panels.groundtruth_form import JobForm, credentials_note
from gui.panels.groundtruth_frames import FrameSettings
from gui.panels.groundtruth_review import RequestReviewDialog
from gui.panels.groundtruth_status import JobStatusView
from gui.panels.review_classes import ClassListEditor
from gui.panels.review_common import last_folder, remember_folder
from gui.session import Session
from gui.workers import Job, run_job


class GroundTruthPanel(QWidget):
    """Send the sample to SageMaker Ground Truth and bring its labels back."""

    title = "Ground Truth"
    area = "right"

    def __init__(self, session: Session, viewport: object, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.viewport = viewport
        # Tests replace this with a function returning moto / Stubber clients.
        self.connect_fn: Callable[[AwsTarget], Clients] = flow.connect
        self._clients: tuple[AwsTarget, Clients] | None = None
        self.aws_note = "checking for AWS credentials…"  # why Submit is off ('' = it is on)
        self.pending: tuple[JobRecord, object] | None = None  # exported record + its settings
        self.dialog: RequestReviewDialog | None = None
        self.job: Job | None = None
        self.editor = ClassListEditor(self)
        self.form = JobForm(self)
        self.frames = FrameSettings(session, self)
        self.form.find_teams_button.clicked.connect(self.find_workteams)
        self.form.profile.currentTextChanged.connect(self.check_credentials)
        self.review_button = QPushButton("Review and submit…", self)
        self.review_button.clicked.connect(self.review)
        self.open_button = QPushButton("Open job record…", self)
        self.open_button.clicked.connect(self.choose_record)
        self.why = QLabel(self)
        self.why.setWordWrap(True)
        self.status_view = JobStatusView(session, self.clients, self)
        self._layout()
        for signal in (session.sample_changed, session.cloud_changed):
            signal.connect(self.refresh)
        session.cloud_changed.connect(self._folder_beside_cloud)
        session.cloud_changed.connect(self._new_cloud)
        session.classes_changed.connect(self._classes_from_session)
        self._classes_from_session()
        self._credentials_checked_once = False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Asked when the panel is first seen, not at start-up: boto3's chain may wait on
        # instance metadata, and most sessions never open this panel.
        super().showEvent(event)
        if not self._credentials_checked_once:
            self._credentials_checked_once = True
            self.check_credentials()

    def _layout(self) -> None:
        classes = QGroupBox("Classes the workers paint (in this order)", self)
        QVBoxLayout(classes).addWidget(self.editor)
        where = QGroupBox("Job", self)
        job_column = QVBoxLayout(where)
        job_column.addWidget(self.form)
        job_column.addWidget(self.frames)
        buttons = QHBoxLayout()
        buttons.addWidget(self.review_button)
        buttons.addWidget(self.open_button)
        inner = QWidget(self)
        column = QVBoxLayout(inner)
        for widget in (classes, where):
            column.addWidget(widget)
        column.addLayout(buttons)
        column.addWidget(self.why)
        column.addWidget(self.status_view)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # -- state ----------------------------------------------------------------------------
    def clients(self) -> Clients:
        """boto3 clients for the form's target, made once per target (no network)."""
        target = self.form.target()
        if self._clients is None or self._clients[0] != target:
            self._clients = (target, self.connect_fn(target))
        return self._clients[1]

    def _classes_from_session(self) -> None:
        if self.session.state.classes:
            self.editor.set_classes(self.session.state.classes)
        elif not self.editor.classes():
            from core.groundtruth.labelconfig import load_default_classes

            self.editor.set_classes(load_default_classes())
        self.refresh()

    def _new_cloud(self) -> None:
        """Another scan is another job: its own classes (else the defaults), a new name."""
        from core.groundtruth.labelconfig import load_default_classes
        from core.groundtruth.request import default_job_name

        self.editor.set_classes(self.session.state.classes or load_default_classes())
        self.form.job_name.setText(default_job_name())
        self.pending = None  # a reviewed export of the old scan must not be submitted
        self.refresh()

    def _folder_beside_cloud(self) -> None:
        """Export into the scan's output folder (never the input's) unless the user chose
        a folder of their own; a folder that was the last scan's default moves on too."""
        store = getattr(self.window(), "settings", None)
        if store is None:
            return
        default = str(store.scan_output_folder(self.session.state.path) / "groundtruth")
        current = self.form.folder.text()
        if current in (str(Path.home()), getattr(self, "_default_folder", None)):
            self.form.folder.setText(default)
        self._default_folder = default

    def why_no_review(self) -> str:
        if self.session.state.sample is None:
            return "Downsample the cloud first: the workers label the sample."
        if not self.editor.classes():
            return "Add at least one class."
        return ""

    def refresh(self) -> None:
        reason = self.why_no_review()
        self.review_button.setEnabled(not reason)
        notes = [reason] if reason else []
        if self.aws_note:
            notes.append(f"Submit is off: {self.aws_note} You can still export and review.")
        self.why.setText(" ".join(notes))

    def check_credentials(self) -> Job:
        """Ask boto3's chain for credentials in a worker (it may wait on instance metadata)."""
        profile = self.form.profile.currentText().strip() or None

        def work(progress, cancel):
            return credentials_note(profile)

        self.job = run_job(
            self.session, "AWS credentials", work, self._credentials_checked, quiet=True
        )
        return self.job

    def _credentials_checked(self, note: str) -> None:
        self.aws_note = note
        self.refresh()

    # -- work teams -----------------------------------------------------------------------
    def find_workteams(self) -> Job | None:
        if self.aws_note:
            self.session.error.emit("Work teams", f"Cannot ask AWS: {self.aws_note}")
            return None
        clients = self.clients()

        def work(progress, cancel):
            return jobs.list_workteams(clients.sagemaker)

        self.job = run_job(self.session, "Listing work teams", work, self._show_teams)
        return self.job

    def _show_teams(self, teams: list) -> None:
        self.form.set_workteams(teams)
        self.session.message.emit(f"{len(teams)} work team(s) found.")

    # -- export + review ------------------------------------------------------------------
    def review(self) -> Job | None:
        """Export the frame, build and check the request in a worker, then show the dialog."""
        reason = self.why_no_review()
        if reason:
            self.session.error.emit("Review the request", reason)
            return None
        state = self.session.state
        sample, index_map = state.sample, state.index_map
        classes, settings = self.editor.classes(), self.form.settings()
        fmt, folder = self.form.frame_format.currentText(), self.form.export_folder()
        frame_options = self.frames.options()
        clients = None if self.aws_note else self.clients()
        assert sample is not None

        def work(progress, cancel):
            from core.groundtruth.export import export_frame

            rec = export_frame(
                sample,
                folder,
                classes,
                fmt=fmt,
                name=settings.job_name or "frame",
                index_map=index_map,
                **frame_options,
                progress=sub_progress(progress, 0.0, 0.8),
                cancel=cancel,
            )
            return rec, flow.prepare(rec, settings, clients)

        def show(result) -> None:
            rec, prepared = result
            self.pending = (rec, settings)
            self.show_review(prepared)

        title = "Exporting the frames and checking the request"
        self.job = run_job(self.session, title, work, show)
        return self.job

    def show_review(self, prepared) -> RequestReviewDialog:
        self.dialog = RequestReviewDialog(
            prepared, can_submit=not self.aws_note, why_not=self.aws_note, parent=self
        )
        self.dialog.accepted.connect(self.submit)
        self.dialog.open()
        return self.dialog

    # -- submit ---------------------------------------------------------------------------
    def submit(self) -> Job | None:
        """Check the bucket's CORS first (ask before changing it), then submit."""
        if self.pending is None:
            return None
        _, settings = self.pending
        clients, bucket = self.clients(), settings.bucket  # type: ignore[attr-defined]

        def work(progress, cancel):
            return s3.propose_cors(clients.s3, bucket)

        self.job = run_job(self.session, "Reading the bucket's CORS rules", work, self._cors_read)
        return self.job

    def _cors_read(self, result) -> None:
        config, needed = result
        if not needed:
            self._submit_now(None)
            return
        answer = QMessageBox.question(
            self,
            "Bucket CORS rule",
            "The worker UI loads the frame from your bucket and needs a CORS rule to do so. "
            "Add it? Your existing rules are kept. The new configuration:\n\n"
            + json.dumps(config, indent=1),
        )
        self._submit_now(config if answer == QMessageBox.StandardButton.Yes else None)

    def _submit_now(self, cors_config: dict | None) -> Job | None:
        assert self.pending is not None
        rec, settings = self.pending
        clients = self.clients()

        def work(progress, cancel):
            if cors_config is not None:
                s3.apply_cors(clients.s3, settings.bucket, cors_config)  # type: ignore[attr-defined]
            return flow.submit(rec, settings, clients, progress=progress, cancel=cancel)  # type: ignore[arg-type]

        self.job = run_job(
            self.session, f"Submitting {rec.job_name or 'the job'}", work, self._submitted
        )
        return self.job

    def _submitted(self, rec: JobRecord) -> None:
        self.pending = None
        self.status_view.follow(rec)
        self.session.message.emit(f"Labeling job {rec.job_name} submitted; record: {rec.path}.")

    # -- a job from an earlier session ----------------------------------------------------
    def choose_record(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Job record", last_folder("gt"), f"Job records (*{RECORD_SUFFIX});;All files (*)"
        )
        if path:
            self.open_record(path)

    def open_record(self, path: str) -> None:
        from core.errors import InputError

        try:
            rec = load_record(path)
        except InputError as exc:
            self.session.error.emit("Open job record", str(exc))
            return
        remember_folder("gt", path)
        self.show_record(rec)

    def show_record(self, rec: JobRecord) -> None:
        """Fill the form from `rec` and follow its job (a record file, or a reopened project)."""
        self.editor.set_classes(rec.label_classes())
        if rec.region:
            self.form.region.setCurrentText(rec.region)
        self.form.bucket.setText(rec.bucket or "")
        self.form.job_name.setText(rec.job_name or "")
        self.frames.set_from_record(rec.frame_points, rec.frame_overlap)
        if rec.n_frames > 1:
            self.session.message.emit(
                f"The job has {rec.n_frames} frames; fetching stitches their labels back."
            )
        if rec.job_name:
            self.status_view.follow(rec)
        else:
            self.session.message.emit("This record was exported but never submitted.")
