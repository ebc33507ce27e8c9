"""Following jobs through botocore's Stubber (requests checked against the real model)."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from core.classes import make_classes
from core.cloud import PointCloud
from core.errors import Cancelled
from core.groundtruth import flow, jobs
from core.groundtruth.errors import AwsError, JobFailed
from core.groundtruth.export import plan_export
from core.groundtruth.request import build_request
from tests.aws.gt_helpers import T0, WORKTEAM_ARN, describe_answer, settings

NAME = "room-labels-1"


def good_request(tmp_path) -> dict:
    cloud = PointCloud(xyz=np.zeros((4, 3)))
    rec = plan_export(cloud, tmp_path, make_classes(["Floor"]))
    return build_request(rec, settings())


def summary(name: str, status: str) -> dict:
    return {
        "LabelingJobName": name,
        "LabelingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{name}",
        "CreationTime": T0,
        "LastModifiedTime": T0,
        "LabelingJobStatus": status,
        "LabelCounters": {"TotalLabeled": 0},
        "WorkteamArn": WORKTEAM_ARN,
    }


def test_describe_reads_status_counters_and_output(sagemaker_stub):
    sm, stub = sagemaker_stub
    answer = describe_answer(
        NAME, "Completed", LabelingJobOutput={"OutputDatasetS3Uri": "s3://b/out.manifest"}
    )
    stub.add_response("describe_labeling_job", answer, {"LabelingJobName": NAME})
    status = jobs.describe_job(sm, NAME)
    assert status.done and status.status == "Completed"
    assert status.counters["TotalLabeled"] == 1 and status.counters["Unlabeled"] == 0
    assert status.output_manifest_uri == "s3://b/out.manifest"
    assert status.elapsed_s == 0.0
    assert status.summary().startswith(f"{NAME}: Completed, 1 of 1 frames labeled")


def test_wait_backs_off_until_done(sagemaker_stub):
    sm, stub = sagemaker_stub
    for state in ("Initializing", "InProgress", "InProgress", "InProgress", "Completed"):
        stub.add_response("describe_labeling_job", describe_answer(NAME, state))
    waits: list[float] = []
    seen: list[str] = []
    status = jobs.wait_for_job(
        sm,
        NAME,
        sleep=waits.append,
        first_delay=10,
        max_delay=30,
        on_status=lambda s: seen.append(s.status),
    )
    assert status.status == "Completed"
    assert waits == [10, 20, 30, 30]
    assert seen == ["Initializing", "InProgress", "InProgress", "InProgress", "Completed"]


def test_wait_stops_at_timeout_and_on_cancel(sagemaker_stub):
    sm, stub = sagemaker_stub
    for _ in range(3):
        stub.add_response("describe_labeling_job", describe_answer(NAME, "InProgress"))
    status = jobs.wait_for_job(sm, NAME, sleep=lambda s: None, first_delay=10, timeout=15)
    assert status.status == "InProgress"  # two polls: after 0 s and after 10 s
    stub.add_response("describe_labeling_job", describe_answer(NAME, "InProgress"))
    flags = iter([False, True])
    with pytest.raises(Cancelled):
        jobs.wait_for_job(sm, NAME, sleep=lambda s: None, cancel=lambda: next(flags))


def test_failed_job_raises_with_its_reason(sagemaker_stub):
    sm, stub = sagemaker_stub
    failed = describe_answer(NAME, "Failed", FailureReason="ClientError: Access Denied to s3://b")
    stub.add_response("describe_labeling_job", failed)
    with pytest.raises(JobFailed, match="failed: ClientError: Access Denied to s3://b") as info:
        jobs.wait_for_job(sm, NAME, sleep=lambda s: None)
    assert info.value.reason.startswith("ClientError")


def test_stop_sends_the_job_name(sagemaker_stub):
    sm, stub = sagemaker_stub
    stub.add_response("stop_labeling_job", {}, {"LabelingJobName": NAME})
    jobs.stop_job(sm, NAME)
    stub.assert_no_pending_responses()


def test_list_jobs_follows_pages(sagemaker_stub):
    sm, stub = sagemaker_stub
    stub.add_response(
        "list_labeling_jobs",
        {"LabelingJobSummaryList": [summary("a", "Completed")], "NextToken": "t1"},
        {"SortBy": "CreationTime", "SortOrder": "Descending", "NameContains": "room"},
    )
    stub.add_response(
        "list_labeling_jobs",
        {"LabelingJobSummaryList": [summary("b", "Failed")]},
        {
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "NameContains": "room",
            "NextToken": "t1",
        },
    )
    listed = jobs.list_jobs(sm, name_contains="room")
    assert [(j.name, j.status) for j in listed] == [("a", "Completed"), ("b", "Failed")]


def test_workteams_and_portal_url(sagemaker_stub):
    sm, stub = sagemaker_stub
    team = {
        "WorkteamName": "scanners",
        "MemberDefinitions": [
            {
                "CognitoMemberDefinition": {
                    "UserPool": "us-east-1_abc",
                    "UserGroup": "g",
                    "ClientId": "c",
                }
            }
        ],
        "WorkteamArn": WORKTEAM_ARN,
        "Description": "our team",
        "SubDomain": "abc123.labeling.us-east-1.sagemaker.aws",
    }
    stub.add_response("list_workteams", {"Workteams": [team], "NextToken": "n"})
    stub.add_response(
        "list_workteams", {"Workteams": [dict(team, WorkteamName="other")]}, {"NextToken": "n"}
    )
    teams = jobs.list_workteams(sm)
    assert [t.name for t in teams] == ["scanners", "other"]
    assert teams[0].portal_url == "https://abc123.labeling.us-east-1.sagemaker.aws"
    stub.add_response("describe_workteam", {"Workteam": team}, {"WorkteamName": "scanners"})
    assert jobs.portal_url(sm, WORKTEAM_ARN) == "https://abc123.labeling.us-east-1.sagemaker.aws"


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("AccessDeniedException", 400, "AWS denied access"),
        ("ExpiredTokenException", 400, "session token has expired"),
        ("UnrecognizedClientException", 400, "did not recognise your credentials"),
        ("ThrottlingException", 400, "throttling requests"),
        ("ResourceNotFound", 400, "could not find"),
        ("ResourceInUse", 400, "choose another job name"),
        ("ResourceLimitExceeded", 400, "limit was reached"),
        ("ValidationException", 400, "rejected the request"),
        ("InternalFailure", 500, "AWS error InternalFailure"),
    ],
)
def test_aws_errors_become_sentences(tmp_path, sagemaker_stub, code, status, expected):
    sm, stub = sagemaker_stub
    request = good_request(tmp_path)
    stub.add_client_error(
        "create_labeling_job",
        service_error_code=code,
        service_message="details here",
        http_status_code=status,
    )
    with pytest.raises(AwsError, match=expected) as info:
        jobs.create_job(sm, request)
    assert info.value.code == code
    assert "create the labeling job room-labels-1" in str(info.value)
    assert "Traceback" not in str(info.value)


def test_a_request_outside_the_model_is_a_sentence():
    sm = flow.connect(flow.AwsTarget(region="us-east-1", max_attempts=1)).sagemaker
    with pytest.raises(AwsError, match="botocore refused the request") as info:
        jobs.create_job(sm, {"LabelingJobName": NAME})
    assert "RoleArn" in str(info.value)


def test_no_credentials_is_a_sentence(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    clients = flow.connect(flow.AwsTarget(region="us-east-1", max_attempts=1))
    with pytest.raises(AwsError, match="no AWS credentials were found") as info:
        jobs.describe_job(clients.sagemaker, NAME)
    assert info.value.code == "NoCredentials"


def test_unknown_profile_is_a_sentence():
    with pytest.raises(AwsError, match="choose a profile"):
        flow.connect(flow.AwsTarget(region="us-east-1", profile="no-such-profile"))


def test_network_failure_is_a_sentence():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = flow.AwsTarget(
        region="us-east-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        sagemaker_endpoint_url=f"http://127.0.0.1:{port}",
        max_attempts=1,
    )
    clients = flow.connect(target)
    with pytest.raises(AwsError, match="could not reach AWS") as info:
        jobs.list_workteams(clients.sagemaker)
    assert info.value.code == "NetworkError"
