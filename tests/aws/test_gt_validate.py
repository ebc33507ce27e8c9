"""Every rule botocore does not check, reported all at once before anything is uploaded."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from core.classes import make_classes
from core.cloud import PointCloud
from core.groundtruth import regions
from core.groundtruth.export import plan_export
from core.groundtruth.labelconfig import label_config
from core.groundtruth.request import build_request, default_job_name
from core.groundtruth.validate import validate
from tests.aws.gt_helpers import MTURK_ARN, settings

CLASSES = make_classes(["Floor", "Wall"])


def record(tmp_path, n=10):
    cloud = PointCloud(xyz=np.random.default_rng(0).random((n, 3)))
    return plan_export(cloud, tmp_path, CLASSES)


def request_for(tmp_path, **changes):
    return build_request(record(tmp_path), settings(**changes))


def problems_of(req, **kwargs):
    kwargs.setdefault("region", req["HumanTaskConfig"]["UiConfig"]["HumanTaskUiArn"].split(":")[3])
    return validate(req, label_config(CLASSES), **kwargs).problems


def test_a_good_request_has_no_problem(tmp_path):
    req = request_for(tmp_path)
    check = validate(req, label_config(CLASSES), region="us-east-1", bucket_region="us-east-1")
    assert check.ok and check.problems == [] and check.warnings == []
    hc = req["HumanTaskConfig"]
    assert hc["UiConfig"]["HumanTaskUiArn"] == (
        "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/PointCloudSemanticSegmentation"
    )
    assert hc["PreHumanTaskLambdaArn"] == (
        "arn:aws:lambda:us-east-1:432418664414:function:PRE-3DPointCloudSemanticSegmentation"
    )
    assert req["LabelAttributeName"] == "room-labels-1-ref"
    assert req["OutputConfig"]["S3OutputPath"] == "s3://denselabel-groundtruth/scans/room/output/"
    assert "StoppingConditions" not in req


@pytest.mark.parametrize("region", regions.SUPPORTED_REGIONS)
def test_every_supported_region_gets_its_own_arns(tmp_path, region):
    team = f"arn:aws:sagemaker:{region}:123456789012:workteam/private-crowd/t"
    req = request_for(tmp_path, region=region, workteam_arn=team)
    acs = req["HumanTaskConfig"]["AnnotationConsolidationConfig"]
    assert regions.LAMBDA_ACCOUNTS[region] in acs["AnnotationConsolidationLambdaArn"]
    assert validate(req, region=region, bucket_region=region).ok


def test_unsupported_region_is_a_problem_before_upload(tmp_path):
    team = "arn:aws:sagemaker:us-west-1:123456789012:workteam/private-crowd/t"
    req = request_for(tmp_path, region="us-west-1", workteam_arn=team)
    problems = validate(req, region="us-west-1").problems
    assert len(problems) == 1 and "does not run 3D point cloud" in problems[0]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"job_name": "bad_name"}, "job name"),
        ({"job_name": "-starts-with-hyphen"}, "job name"),
        ({"job_name": "x" * 64}, "job name"),
        ({"label_attribute_name": "labels"}, "must end in '-ref'"),
        ({"label_attribute_name": "labels-metadata"}, "must not end in '-metadata'"),
        ({"label_attribute_name": "bad name-ref"}, "label attribute name"),
        ({"label_attribute_name": "a" * 125 + "-ref"}, "label attribute name"),
        ({"task_keywords": ()}, "1 to 5 task keywords"),
        ({"task_keywords": tuple("abcdef")}, "1 to 5 task keywords"),
        ({"task_keywords": ("point-cloud",)}, "no hyphens"),
        ({"task_keywords": ("x" * 31,)}, "at most 30"),
        ({"task_time_limit_s": 29}, "time limit"),
        ({"task_time_limit_s": 30 * 24 * 3600 + 1}, "time limit"),
        ({"task_availability_s": 30 * 24 * 3600 + 1}, "availability"),
        ({"max_concurrent_tasks": 5001}, "concurrent task count"),
        ({"max_concurrent_tasks": 0}, "concurrent task count"),
        ({"workers_per_object": 3}, "exactly 1 worker"),
        ({"task_description": "d" * 256}, "description"),
        ({"task_title": "t" * 129}, "title"),
        ({"bucket": "My_Bucket"}, "not a valid S3 bucket name"),
        ({"role_arn": "my-role"}, "execution role"),
        ({"workteam_arn": "team"}, "not a SageMaker work team ARN"),
        (
            {"workteam_arn": MTURK_ARN},
            "Mechanical Turk",
        ),
        (
            {"workteam_arn": "arn:aws:sagemaker:eu-west-1:123456789012:workteam/private-crowd/t"},
            "work team is in eu-west-1",
        ),
    ],
)
def test_each_rule_gives_a_sentence(tmp_path, changes, expected):
    problems = problems_of(request_for(tmp_path, **changes))
    assert any(expected in p for p in problems), problems
    assert all(p.endswith(".") for p in problems)


def test_edge_values_are_allowed(tmp_path):
    req = request_for(
        tmp_path,
        job_name="a" * 63,
        task_keywords=("a", "b", "c", "d", "x" * 30),
        task_time_limit_s=30,
        max_concurrent_tasks=1,
        task_description="d" * 255,
    )
    assert problems_of(req) == []


def test_bucket_in_another_region(tmp_path):
    problems = problems_of(request_for(tmp_path), bucket_region="eu-west-1")
    assert len(problems) == 1 and "bucket is in eu-west-1" in problems[0]


def test_label_config_problems_are_included(tmp_path):
    config = label_config(make_classes(["a" * 20, "b", "b"]))
    check = validate(request_for(tmp_path), config, region="us-east-1")
    assert len(check.problems) == 2


def test_all_problems_come_at_once(tmp_path):
    req = request_for(
        tmp_path,
        job_name="bad_name",
        task_keywords=("a-b",),
        workers_per_object=2,
        bucket="B",
        task_time_limit_s=10,
    )
    assert len(problems_of(req, bucket_region="eu-west-1")) >= 6


def test_wrong_task_ui_and_automated_labeling_are_caught(tmp_path):
    req = request_for(tmp_path)
    wrong = copy.deepcopy(req)
    wrong["HumanTaskConfig"]["UiConfig"]["HumanTaskUiArn"] = (
        "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/3DPointCloudSemanticSegmentation"
    )
    wrong["LabelingJobAlgorithmsConfig"] = {"LabelingJobAlgorithmSpecificationArn": "arn:x"}
    problems = validate(wrong, region="us-east-1").problems
    assert any("worker task UI ARN must be" in p for p in problems)
    assert any("automated labeling" in p for p in problems)


def test_botocore_model_problems_are_reported(tmp_path):
    req = request_for(tmp_path)
    del req["RoleArn"]
    req["Unknown"] = 1
    problems = validate(req, region="us-east-1").problems
    assert any("botocore" in p and "RoleArn" in p for p in problems)
    assert any("botocore" in p and "Unknown" in p for p in problems)


def test_warnings_do_not_block(tmp_path):
    rec = record(tmp_path)
    req = build_request(rec, settings(task_time_limit_s=9 * 3600, max_concurrent_tasks=2000))
    check = validate(req, region="us-east-1", n_points=1_200_000)
    assert check.ok and len(check.warnings) == 3


def test_default_job_names_are_valid(tmp_path):
    name = default_job_name("my scan_01.laz")
    assert name.startswith("my-scan-01-laz-")
    assert problems_of(request_for(tmp_path, job_name=name)) == []


def test_prefix_slashes_are_cleaned(tmp_path):
    req = request_for(tmp_path, prefix="/a//b/")
    assert req["LabelCategoryConfigS3Uri"].startswith("s3://denselabel-groundtruth/a/b/input/")
    root = request_for(tmp_path, prefix="")
    assert root["OutputConfig"]["S3OutputPath"] == "s3://denselabel-groundtruth/output/"
