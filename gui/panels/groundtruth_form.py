"""The Ground Truth job form: where (profile, region, bucket, prefix), who (role, work team),
what (job name, frame format, export folder). It only edits fields; the panel acts on them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from core.groundtruth import export, regions
from core.groundtruth.flow import AwsTarget
from core.groundtruth.request import JobSettings, default_job_name
from gui.panels.review_common import last_folder, remember_folder


class JobForm(QWidget):
    """Fields of a labeling job; `settings()` and `target()` read them."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.profile = QComboBox(self)
        self.profile.setEditable(True)
        self.profile.setToolTip("AWS profile (boto3's normal chain: profiles, environment, SSO)")
        self.region = QComboBox(self)
        self.region.addItems(list(regions.SUPPORTED_REGIONS))
        self.region.setCurrentText("us-east-1")
        self.bucket = QLineEdit(self)
        self.bucket.setPlaceholderText("my-groundtruth-bucket (in the same region)")
        self.prefix = QLineEdit("denselabel", self)
        self.role_arn = QLineEdit(self)
        self.role_arn.setPlaceholderText("arn:aws:iam::123456789012:role/GroundTruthExecution")
        self.workteam = QComboBox(self)
        self.workteam.setEditable(True)
        self.workteam.setToolTip("Private or vendor work team ARN (Find teams lists them)")
        self.find_teams_button = QPushButton("Find teams", self)
        self.job_name = QLineEdit(default_job_name(), self)
        self.new_name_button = QPushButton("New name", self)
        self.new_name_button.clicked.connect(lambda: self.job_name.setText(default_job_name()))
        self.frame_format = QComboBox(self)
        self.frame_format.addItems(list(export.FORMATS))
        self.folder = QLineEdit(last_folder("gt"), self)
        self.folder.setToolTip("The frame, label config and job record are written here")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self.choose_folder)
        form = QFormLayout(self)
        form.addRow("Profile", self.profile)
        form.addRow("Region", self.region)
        form.addRow("Bucket", self.bucket)
        form.addRow("Prefix", self.prefix)
        form.addRow("Role ARN", self.role_arn)
        form.addRow("Work team", _row(self.workteam, self.find_teams_button))
        form.addRow("Job name", _row(self.job_name, self.new_name_button))
        form.addRow("Frame format", self.frame_format)
        form.addRow("Export folder", _row(self.folder, browse))
        self.fill_profiles()

    def fill_profiles(self) -> None:
        """Profile names from the AWS config files (no secrets read, no network)."""
        from core.errors import InputError
        from core.groundtruth.flow import profiles

        try:
            names = profiles()
        except InputError:
            names = []
        current = self.profile.currentText()
        self.profile.clear()
        self.profile.addItems([""] + names)  # "" = boto3's default chain
        self.profile.setCurrentText(current)

    def set_workteams(self, teams: list) -> None:
        """Offer `core.groundtruth.jobs.Workteam` entries (shown by name, stored by ARN)."""
        current = self.workteam.currentText()
        self.workteam.clear()
        for team in teams:
            self.workteam.addItem(f"{team.name}", team.arn)
        if current and self.workteam.findData(current) < 0:
            self.workteam.setEditText(current)

    def workteam_arn(self) -> str:
        index = self.workteam.currentIndex()
        data = self.workteam.itemData(index) if index >= 0 else None
        text = self.workteam.currentText().strip()
        if data and self.workteam.itemText(index) == text:
            return str(data)
        return text

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export folder", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def export_folder(self) -> Path:
        folder = Path(self.folder.text().strip() or ".")
        remember_folder("gt", str(folder / "x"))
        return folder

    def target(self) -> AwsTarget:
        profile = self.profile.currentText().strip() or None
        return AwsTarget(region=self.region.currentText().strip(), profile=profile)

    def settings(self) -> JobSettings:
        return JobSettings(
            region=self.region.currentText().strip(),
            bucket=self.bucket.text().strip(),
            prefix=self.prefix.text().strip(),
            role_arn=self.role_arn.text().strip(),
            workteam_arn=self.workteam_arn(),
            job_name=self.job_name.text().strip(),
        )


def credentials_note(profile: str | None) -> str:
    """Why AWS cannot be used with `profile` ('' when credentials were found). Slow: a worker.

    boto3's chain may wait on instance metadata; no secret is read back or kept.
    """
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        found = boto3.Session(profile_name=profile).get_credentials()
    except BotoCoreError as exc:
        return f"the AWS profile {profile!r} cannot be used ({exc})."
    if found is None:
        return (
            "no AWS credentials found; run 'aws configure' or 'aws sso login', or choose a profile."
        )
    return ""


def _row(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if i == 0 else 0)
    return holder
