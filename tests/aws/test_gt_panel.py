"""The Ground Truth panel drives the whole flow: export -> upload (moto) -> submit (Stubber)
-> status -> fetch, and the labels reach the session. Offline; no real AWS call."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from core.cloud import UNLABELED
from gui.session import DownsampleSettings, Session

ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-GroundTruth"
TEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/denselabel-team"
JOB = "denselabel-panel-test"
MEMBERS = [
    {
        "CognitoMemberDefinition": {
            "UserPool": "us-east-1_abcdefghi",
            "UserGroup": "labelers",
            "ClientId": "clientid123",
        }
    }
]


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch, gt_clients):
    """The panel over a downsampled scene, its clients on moto and the Stubber."""
    from core.downsample import downsample
    from core.scene import SCENE_CLASSES, make_scene
    from gui.panels import review_common
    from gui.panels.groundtruth_panel import GroundTruthPanel

    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(review_common, "settings_store", lambda: store)
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    cloud = make_scene(20_000, seed=5)
    down = downsample(cloud, "voxel-nearest", voxel_size=0.3)
    session = Session()
    session.set_cloud(cloud, "room.ply")
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.3))
    session.set_classes(SCENE_CLASSES)
    widget = GroundTruthPanel(session, None)
    widget.connect_fn = lambda target: gt_clients
    qtbot.addWidget(widget)
    widget.show()  # the first show asks boto3's chain for credentials (fake ones here)
    qtbot.waitUntil(lambda: widget.aws_note == "", timeout=20_000)
    return widget


def _fill(panel, bucket, folder):
    form = panel.form
    form.region.setCurrentText("us-east-1")
    form.bucket.setText(bucket)
    form.prefix.setText("denselabel/tests")
    form.role_arn.setText(ROLE)
    form.workteam.setEditText(TEAM)
    form.job_name.setText(JOB)
    form.folder.setText(str(folder))


def _describe(request: dict, status: str, labeled: int, output_uri: str | None = None) -> dict:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    answer = {
        "LabelingJobStatus": status,
        "LabelCounters": {
            "TotalLabeled": labeled,
            "HumanLabeled": labeled,
            "MachineLabeled": 0,
            "FailedNonRetryableError": 0,
            "Unlabeled": 1 - labeled,
        },
        "CreationTime": now,
        "LastModifiedTime": now,
        "JobReferenceCode": "abc123",
        "LabelingJobName": request["LabelingJobName"],
        "LabelingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{JOB}",
        "LabelAttributeName": request["LabelAttributeName"],
        "InputConfig": request["InputConfig"],
        "OutputConfig": request["OutputConfig"],
        "RoleArn": request["RoleArn"],
        "HumanTaskConfig": request["HumanTaskConfig"],
    }
    if output_uri:
        answer["LabelingJobOutput"] = {"OutputDatasetS3Uri": output_uri}
    return answer


def _play_the_workers(s3_client, rec, gt_index: np.ndarray) -> str:
    """Write the output manifest and zlib label file where Ground Truth puts them."""
    job_out = f"{rec.output_prefix}/{rec.job_name}"
    label_key = f"{job_out}/annotations/consolidated-annotation/output/0/20261125_120000.zlib"
    s3_client.put_object(Bucket=rec.bucket, Key=label_key, Body=zlib.compress(gt_index.tobytes()))
    color_map = {
        str(i): {"class-name": c["name"], "hex-color": "#{:02x}{:02x}{:02x}".format(*c["color"])}
        for i, c in enumerate(rec.classes)
    }
    attribute = rec.label_attribute_name
    line = {
        "source-ref": f"s3://{rec.bucket}/{rec.frame_key}",
        "source-ref-metadata": {"format": rec.frame_format, "unix-timestamp": rec.timestamp},
        attribute: f"s3://{rec.bucket}/{label_key}",
        f"{attribute}-metadata": {
            "color-map": color_map,
            "type": "groundtruth/point_cloud_single_frame_semantic_segmentation",
            "human-annotated": "yes",
            "job-name": f"labeling-job/{rec.job_name}",
        },
    }
    manifest_key = f"{job_out}/manifests/output/output.manifest"
    s3_client.put_object(Bucket=rec.bucket, Key=manifest_key, Body=json.dumps(line) + "\n")
    return f"s3://{rec.bucket}/{manifest_key}"


def test_panel_export_upload_submit_status_fetch(
    qtbot, panel, bucket, s3_client, sagemaker_stub, tmp_path, monkeypatch
):
    _, stubber = sagemaker_stub
    session = panel.session
    _fill(panel, bucket, tmp_path)
    # Work team picker.
    stubber.add_response(
        "list_workteams",
        {
            "Workteams": [
                {
                    "WorkteamName": "denselabel-team",
                    "WorkteamArn": TEAM,
                    "MemberDefinitions": MEMBERS,
                    "Description": "us",
                }
            ]
        },
    )
    panel.find_workteams()
    qtbot.waitUntil(lambda: panel.form.workteam.count() == 1, timeout=20_000)
    assert panel.form.workteam_arn() == TEAM

    # Review: the exact request, no problem, Submit offered.
    assert panel.review_button.isEnabled(), panel.why.text()
    panel.review()
    qtbot.waitUntil(lambda: panel.dialog is not None, timeout=30_000)
    dialog = panel.dialog
    request = json.loads(dialog.request_text.toPlainText())
    assert request["LabelingJobName"] == JOB
    problems = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    assert dialog.submit_button.isEnabled(), problems
    assert not any(p.startswith("✗") for p in problems)

    # Submit: CORS merged (the user said yes), inputs uploaded to moto, job created.
    stubber.add_response(
        "create_labeling_job",
        {"LabelingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{JOB}"},
    )
    stubber.add_response("describe_labeling_job", _describe(request, "InProgress", 0))
    dialog.submit_button.click()
    status_view = panel.status_view
    qtbot.waitUntil(lambda: status_view.status is not None, timeout=60_000)
    rec = status_view.record
    assert rec.job_name == JOB and rec.path
    keys = {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert {rec.frame_key, rec.manifest_key, rec.label_config_key} <= keys
    rules = s3_client.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert any("PUT" in r["AllowedMethods"] for r in rules)
    assert "InProgress" in status_view.state_label.text()
    assert status_view.timer.isActive()
    assert not status_view.buttons["fetch"].isEnabled()

    # The workers finish; the next poll sees Completed and the timer stops.
    rng = np.random.default_rng(0)
    n_classes = len(rec.classes)
    gt_index = rng.integers(0, n_classes, rec.n_points).astype(np.uint8)
    gt_index[:7] = 255
    output_uri = _play_the_workers(s3_client, rec, gt_index)
    stubber.add_response("describe_labeling_job", _describe(request, "Completed", 1, output_uri))
    status_view.refresh()
    qtbot.waitUntil(lambda: status_view.status.status == "Completed", timeout=20_000)
    assert not status_view.timer.isActive()
    assert "TotalLabeled 1" in status_view.counters_label.text()
    assert status_view.buttons["fetch"].isEnabled()

    # Worker portal opens in the browser.
    opened = []
    monkeypatch.setattr(
        "gui.panels.groundtruth_status.QDesktopServices.openUrl", lambda url: opened.append(url)
    )
    stubber.add_response(
        "describe_workteam",
        {
            "Workteam": {
                "WorkteamName": "denselabel-team",
                "WorkteamArn": TEAM,
                "MemberDefinitions": MEMBERS,
                "Description": "us",
                "SubDomain": "abc.labeling.us-east-1.sagemaker.aws",
            }
        },
    )
    status_view.open_portal()
    qtbot.waitUntil(lambda: bool(opened), timeout=20_000)
    assert opened[0].toString() == "https://abc.labeling.us-east-1.sagemaker.aws"

    # Fetch: the labels reach the session as the sample's labels, in the app's class ids.
    status_view.fetch()
    qtbot.waitUntil(lambda: session.state.labels_sample is not None, timeout=30_000)
    ids = np.array([c["id"] for c in rec.classes] + [UNLABELED] * (256 - n_classes))
    np.testing.assert_array_equal(session.state.labels_sample, ids[gt_index])
    assert [c.name for c in session.state.classes] == [c["name"] for c in rec.classes]
    stubber.assert_no_pending_responses()


def test_without_aws_the_panel_says_why(qtbot, panel, tmp_path):
    panel.aws_note = "no AWS credentials found; run 'aws configure'."
    panel.refresh()
    assert "Submit is off" in panel.why.text()
    _fill(panel, "", tmp_path)
    panel.form.role_arn.setText("")
    panel.review()
    qtbot.waitUntil(lambda: panel.dialog is not None, timeout=30_000)
    problems = [panel.dialog.problems.item(i).text() for i in range(panel.dialog.problems.count())]
    assert any(p.startswith("✗") for p in problems)  # every problem listed at once
    assert not panel.dialog.submit_button.isEnabled()
    assert (tmp_path / f"{JOB}.gt.json").exists()  # the export itself works offline


def test_no_sample_disables_review(qtbot, panel):
    panel.session.set_cloud(panel.session.state.cloud, "room.ply")
    assert not panel.review_button.isEnabled()
    assert "Downsample" in panel.why.text()


def test_open_a_job_record_later_and_stop_the_job(qtbot, panel, sagemaker_stub, tmp_path):
    from core.groundtruth.export import export_frame
    from core.groundtruth.record import save_record
    from core.groundtruth.request import JobSettings, build_request

    _, stubber = sagemaker_stub
    state = panel.session.state
    rec = export_frame(state.sample, tmp_path, state.classes, name=JOB)
    settings = JobSettings("us-east-1", "my-gt-bucket", "dl", ROLE, TEAM, JOB)
    request = build_request(rec, settings)  # fills the record's job fields
    save_record(rec)
    stubber.add_response("describe_labeling_job", _describe(request, "InProgress", 0))
    panel.open_record(rec.path)
    status_view = panel.status_view
    qtbot.waitUntil(lambda: status_view.status is not None, timeout=20_000)
    assert panel.form.bucket.text() == "my-gt-bucket"
    assert panel.form.job_name.text() == JOB
    assert [c.name for c in panel.editor.classes()] == [c.name for c in state.classes]
    assert status_view.buttons["stop"].isEnabled()
    stubber.add_response("stop_labeling_job", {}, {"LabelingJobName": JOB})
    stubber.add_response("describe_labeling_job", _describe(request, "Stopping", 0))
    status_view.stop()  # the confirmation is answered Yes by the fixture
    qtbot.waitUntil(lambda: status_view.status.status == "Stopping", timeout=20_000)
    assert not status_view.buttons["stop"].isEnabled()
    stubber.assert_no_pending_responses()


def test_the_panel_counts_frames_before_export_and_fetch_stitches_them(
    qtbot, panel, bucket, s3_client, sagemaker_stub, tmp_path
):
    from core.downsample import downsample
    from core.groundtruth.frames import split_frames
    from core.groundtruth.multiframe import count_frames
    from gui.panels.groundtruth_frames import FrameSettings
    from tests.aws.gt_helpers import color_map_for, expected_stitch, write_frames_output

    session, frames_box = panel.session, panel.frames
    assert "fit in one frame" in frames_box.note.text()  # 1,214 points: one frame, at once
    down = downsample(session.state.cloud, "voxel-nearest", voxel_size=0.1)
    session.set_sample(down.sample, down.index_map, DownsampleSettings("voxel-nearest", 0.1))
    sample = down.sample
    limit, overlap = int(len(sample) * 0.4), 0.1
    frames_box.overlap.setValue(overlap)
    frames_box.points.setValue(limit)
    qtbot.waitUntil(lambda: frames_box.n_frames is not None, timeout=20_000)
    counts = count_frames(sample.xyz, limit, overlap)
    assert frames_box.counts == counts and len(counts) == 3
    assert f"{len(sample):,} points make 3 frames" in frames_box.note.text()
    again = FrameSettings(session)  # the setting is remembered for the next session
    assert again.points.value() == limit and again.overlap.value() == overlap
    again.deleteLater()

    # Export, review and submit: three frames uploaded, one manifest line each.
    _, stubber = sagemaker_stub
    _fill(panel, bucket, tmp_path)
    panel.review()
    qtbot.waitUntil(lambda: panel.dialog is not None, timeout=30_000)
    request = json.loads(panel.dialog.request_text.toPlainText())
    assert [f"{JOB}_00{k}.bin" for k in (1, 2, 3)] == sorted(
        p.name for p in tmp_path.glob(f"{JOB}_*.bin")
    )
    stubber.add_response(
        "create_labeling_job",
        {"LabelingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{JOB}"},
    )
    stubber.add_response("describe_labeling_job", _describe(request, "InProgress", 0))
    panel.dialog.submit_button.click()
    status_view = panel.status_view
    qtbot.waitUntil(lambda: status_view.status is not None, timeout=60_000)
    rec = status_view.record
    assert rec.n_frames == 3 and rec.frame_point_counts() == counts
    manifest = s3_client.get_object(Bucket=bucket, Key=rec.manifest_key)["Body"].read()
    assert len(manifest.splitlines()) == 3

    # Each frame's worker paints every point of it with class k; the window stitches.
    painted = {k: np.full(n, k, np.uint8) for k, n in enumerate(counts)}
    names = [c["name"] for c in rec.classes]
    output_uri = write_frames_output(s3_client, rec, painted, color_map_for(names))
    stubber.add_response("describe_labeling_job", _describe(request, "Completed", 1, output_uri))
    status_view.refresh()
    qtbot.waitUntil(lambda: status_view.status.status == "Completed", timeout=20_000)
    status_view.fetch()
    qtbot.waitUntil(lambda: session.state.labels_sample is not None, timeout=30_000)
    frames = split_frames(sample.xyz, limit, overlap)
    ids = np.array([c["id"] for c in rec.classes], np.uint8)
    expected = ids[expected_stitch(sample, frames, painted)]
    np.testing.assert_array_equal(session.state.labels_sample, expected)
    assert len(np.unique(expected)) == 3
    stubber.assert_no_pending_responses()


def test_a_project_brings_a_multi_frame_record_back_to_the_panel(qtbot, panel, tmp_path):
    """As gui/project_controller.py does: the record as a dict in the project file, read
    back with record_from_dict and shown; its frames still resolve beside the record."""
    from dataclasses import asdict

    from core.downsample import downsample
    from core.groundtruth.export import export_frame
    from core.groundtruth.multiframe import load_frames
    from core.groundtruth.record import record_from_dict
    from core.project import Project
    from core.project_file import load_project, save_project

    session = panel.session
    down = downsample(session.state.cloud, "voxel-nearest", voxel_size=0.1)
    limit = int(len(down.sample) * 0.4)
    rec = export_frame(
        down.sample, tmp_path, session.state.classes, name=JOB, frame_points=limit,
        frame_overlap=0.1,
    )  # fmt: skip
    assert rec.n_frames == 3
    project_path = tmp_path / "room.dlproj"
    save_project(project_path, Project(n_points=len(down.sample), groundtruth_job=asdict(rec)))
    data = load_project(project_path).groundtruth_job
    assert data is not None
    restored = record_from_dict({k: v for k, v in data.items() if k != "path"}, data["path"])
    restored.path = data["path"]
    assert restored == rec and restored.frames == rec.frames
    frames, owner = load_frames(restored)
    assert [len(f.rows) for f in frames] == rec.frame_point_counts()
    assert len(owner) == len(down.sample)

    panel.frames.points.setValue(500_000)
    panel.frames.overlap.setValue(0.0)
    with qtbot.waitSignal(session.message, timeout=5_000) as said:
        panel.show_record(restored)
    assert panel.frames.points.value() == limit and panel.frames.overlap.value() == 0.1
    assert "3 frames" in said.args[0]
    assert panel.form.job_name.text() == ""  # exported, never submitted: nothing to follow
