"""Helpers for the Ground Truth tests: settings, stubbed answers, and the workers' output."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from typing import Any

import numpy as np

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-GroundTruth"
WORKTEAM_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/private-crowd/scanners"
UI_ARN = "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/PointCloudSemanticSegmentation"
MTURK_ARN = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def settings(bucket: str = "denselabel-groundtruth", **changes: Any):
    """Valid `JobSettings` for us-east-1 (override any field)."""
    from core.groundtruth.request import JobSettings

    values: dict[str, Any] = {
        "region": "us-east-1",
        "bucket": bucket,
        "prefix": "scans/room",
        "role_arn": ROLE_ARN,
        "workteam_arn": WORKTEAM_ARN,
        "job_name": "room-labels-1",
    }
    values.update(changes)
    return JobSettings(**values)


def describe_answer(name: str, status: str, **extra: Any) -> dict[str, Any]:
    """A describe_labeling_job response valid for botocore's output shape."""
    labeled = 1 if status == "Completed" else 0
    answer: dict[str, Any] = {
        "LabelingJobStatus": status,
        "LabelCounters": {
            "TotalLabeled": labeled,
            "HumanLabeled": labeled,
            "Unlabeled": 1 - labeled,
        },
        "CreationTime": T0,
        "LastModifiedTime": T0,
        "JobReferenceCode": "ref-1",
        "LabelingJobName": name,
        "LabelingJobArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:labeling-job/{name}",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/in.manifest"}}},
        "OutputConfig": {"S3OutputPath": "s3://b/out/"},
        "RoleArn": ROLE_ARN,
        "HumanTaskConfig": {
            "WorkteamArn": WORKTEAM_ARN,
            "UiConfig": {"HumanTaskUiArn": UI_ARN},
            "TaskTitle": "t",
            "TaskDescription": "d",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 3600,
        },
    }
    answer.update(extra)
    return answer


def color_map_for(names: list[str]) -> dict[str, Any]:
    """The ``color-map`` Ground Truth writes: index (as text) -> class name and colour."""
    return {
        str(i): {"class-name": name, "hex-color": "#%06x" % (i * 40000), "confidence": 0.0}
        for i, name in enumerate(names)
    }


def write_worker_output(
    s3: Any,
    rec: Any,
    gt_index: np.ndarray,
    color_map: dict[str, Any],
    stamp: str = "20261125_100000",
) -> str:
    """Play the workers: put the zlib label file and the output manifest where Ground Truth does.

    Returns the output manifest's s3:// URI.
    """
    job = rec.job_name
    out = rec.output_prefix
    label_key = f"{out}/{job}/annotations/consolidated-annotation/output/0/{stamp}.zlib"
    s3.put_object(
        Bucket=rec.bucket,
        Key=label_key,
        Body=zlib.compress(np.asarray(gt_index, np.uint8).tobytes()),
    )
    line = {
        "source-ref": f"s3://{rec.bucket}/{rec.frame_key}",
        "source-ref-metadata": {"format": rec.frame_format, "unix-timestamp": rec.timestamp},
        rec.label_attribute_name: f"s3://{rec.bucket}/{label_key}",
        f"{rec.label_attribute_name}-metadata": {
            "color-map": color_map,
            "type": "groundtruth/point_cloud_single_frame_semantic_segmentation",
            "human-annotated": "yes",
            "creation-date": "2026-11-25T10:00:00.000000",
            "job-name": f"labeling-job/{job}",
        },
    }
    manifest_key = f"{out}/{job}/manifests/output/output.manifest"
    s3.put_object(Bucket=rec.bucket, Key=manifest_key, Body=(json.dumps(line) + "\n").encode())
    return f"s3://{rec.bucket}/{manifest_key}"
