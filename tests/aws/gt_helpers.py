"""Helpers for the Ground Truth tests: settings, stubbed answers, and the workers' output."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from typing import Any

import numpy as np

from core.scene import SCENE_CLASSES

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-GroundTruth"
WORKTEAM_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/private-crowd/scanners"
UI_ARN = "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/PointCloudSemanticSegmentation"
MTURK_ARN = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
#: The scene's class names, in label config order.
NAMES = [c.name for c in SCENE_CLASSES]


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
    line = _labeled_frame(s3, rec, rec.frame_key, 0, gt_index, color_map, stamp)
    return _put_manifest(s3, rec, [line])


def write_frames_output(
    s3: Any,
    rec: Any,
    frame_gt: dict[int, np.ndarray],
    color_map: dict[str, Any],
    stamp: str = "20261125_100000",
) -> str:
    """Play the workers of a multi-frame job: one zlib label file and one output manifest
    line per frame in `frame_gt` (frame position -> its Ground Truth indices), the lines
    in reverse order (Ground Truth does not promise the input order).

    Returns the output manifest's s3:// URI.
    """
    keys = rec.frame_keys()
    lines = [
        _labeled_frame(s3, rec, keys[number], number, frame_gt[number], color_map, stamp)
        for number in sorted(frame_gt, reverse=True)
    ]
    return _put_manifest(s3, rec, lines)


def _labeled_frame(
    s3: Any,
    rec: Any,
    frame_key: str,
    number: int,
    gt_index: np.ndarray,
    color_map: dict[str, Any],
    stamp: str,
) -> str:
    """Put one frame's zlib label file; its output manifest line (with the newline)."""
    job, out = rec.job_name, rec.output_prefix
    label_key = f"{out}/{job}/annotations/consolidated-annotation/output/{number}/{stamp}.zlib"
    body = zlib.compress(np.asarray(gt_index, np.uint8).tobytes())
    s3.put_object(Bucket=rec.bucket, Key=label_key, Body=body)
    line = {
        "source-ref": f"s3://{rec.bucket}/{frame_key}",
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
    return json.dumps(line) + "\n"


def _put_manifest(s3: Any, rec: Any, lines: list[str]) -> str:
    """Put the output manifest of `lines` where Ground Truth writes it; its s3:// URI."""
    manifest_key = f"{rec.output_prefix}/{rec.job_name}/manifests/output/output.manifest"
    s3.put_object(Bucket=rec.bucket, Key=manifest_key, Body="".join(lines).encode())
    return f"s3://{rec.bucket}/{manifest_key}"


#: Metres of overlap of the 3-frame test job.
OVERLAP = 0.1


def three_frame_scene():
    """A scene sample that makes 3 frames, and what the workers paint in each.

    Returns (full cloud, sample, index map, frame limit, frames, painted) where painted[k]
    is frame k's Ground Truth indices: the voxel's majority class, except in the overlap,
    where frame k's worker paints class k (so the stitch shows which frame each kept).
    """
    from core.downsample import voxel_mean
    from core.groundtruth.frames import split_frames
    from core.scene import make_scene

    full = make_scene(60_000, seed=3)
    down = voxel_mean(full, 0.08)
    sample, index_map = down.sample, down.index_map
    limit = int(len(sample) * 0.4)  # a little over a third: three slabs with their overlap
    frames = split_frames(sample.xyz, limit, OVERLAP)
    assert len(frames) == 3 and full.labels is not None
    votes = np.zeros((len(sample), 256), np.int64)
    np.add.at(votes, (index_map, full.labels), 1)
    truth = votes.argmax(axis=1).astype(np.uint8)  # a careful worker: the voxel's majority
    shown = np.zeros(len(sample), np.int64)
    for frame in frames:
        shown[frame.rows] += 1
    painted = {}
    for k, frame in enumerate(frames):
        gt = truth[frame.rows].copy()
        gt[shown[frame.rows] > 1] = k
        painted[k] = gt
    return full, sample, index_map, limit, frames, painted


def expected_stitch(sample: Any, frames: list, painted: dict[int, np.ndarray]) -> np.ndarray:
    """What a fetch must give, found point by point: the label from the frame whose tile
    centre is nearest (the lower frame on a tie); a point of a frame that came back
    without labels takes the first painted frame showing it, else 255."""
    out = np.full(len(sample), 255, np.uint8)
    position = [{int(r): i for i, r in enumerate(frame.rows)} for frame in frames]
    for row in range(len(sample)):
        showing = [k for k in range(len(frames)) if row in position[k]]
        distance = [np.linalg.norm(sample.xyz[row] - frames[k].centre) for k in showing]
        nearest = showing[int(np.argmin(distance))]
        choice = nearest if nearest in painted else next((k for k in showing if k in painted), None)
        if choice is not None:
            out[row] = painted[choice][position[choice][row]]
    return out
