"""S3 through a real moto server: bucket region, CORS merge, uploads with progress and cancel."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest

from core.classes import make_classes
from core.cloud import PointCloud
from core.errors import Cancelled, InputError
from core.groundtruth import export, s3
from core.groundtruth.errors import AwsError
from core.groundtruth.request import apply_settings
from tests.aws.gt_helpers import settings

USER_RULE = {
    "AllowedHeaders": ["Authorization"],
    "AllowedMethods": ["GET"],
    "AllowedOrigins": ["https://example.org"],
    "MaxAgeSeconds": 60,
}


def exported(tmp_path, bucket, n=50_000):
    rng = np.random.default_rng(1)
    cloud = PointCloud(xyz=rng.random((n, 3)) * 10, rgb=rng.integers(0, 255, (n, 3)))
    rec = export.export_frame(cloud, tmp_path, make_classes(["Floor", "Wall"]))
    return apply_settings(rec, settings(bucket))


def test_bucket_region_comes_from_head_bucket(s3_client, bucket):
    assert s3.bucket_region(s3_client, bucket) == "us-east-1"
    other = f"denselabel-eu-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(
        Bucket=other, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    assert s3.bucket_region(s3_client, other) == "eu-west-1"


def test_missing_bucket_is_a_sentence(s3_client):
    with pytest.raises(AwsError, match="does not exist; create it"):
        s3.bucket_region(s3_client, f"no-such-bucket-{uuid.uuid4().hex[:8]}")


def test_cors_is_proposed_then_applied_only_when_asked(s3_client, bucket):
    config, needed = s3.propose_cors(s3_client, bucket)
    assert needed and config == {"CORSRules": [s3.GT_CORS_RULE]}
    assert s3.read_cors(s3_client, bucket) == []  # proposing changes nothing
    s3.apply_cors(s3_client, bucket, config)
    rules = s3.read_cors(s3_client, bucket)
    assert len(rules) == 1 and set(rules[0]["AllowedMethods"]) == {"GET", "HEAD", "PUT"}
    assert rules[0]["ExposeHeaders"] == ["Access-Control-Allow-Origin"]
    assert s3.propose_cors(s3_client, bucket)[1] is False  # already there: no change


def test_cors_merge_keeps_the_users_rules(s3_client, bucket):
    s3_client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [USER_RULE]})
    config, needed = s3.propose_cors(s3_client, bucket)
    assert needed and len(config["CORSRules"]) == 2
    s3.apply_cors(s3_client, bucket, config)
    rules = s3.read_cors(s3_client, bucket)
    assert rules[0]["AllowedOrigins"] == ["https://example.org"]
    assert rules[0]["AllowedHeaders"] == ["Authorization"]
    assert rules[1]["AllowedOrigins"] == ["*"]


def test_merge_cors_pure_rules():
    wider = dict(s3.GT_CORS_RULE, AllowedMethods=["GET", "HEAD", "PUT", "POST"])
    assert s3.merge_cors([wider]) == ([wider], False)
    merged, changed = s3.merge_cors([USER_RULE])
    assert changed and merged == [USER_RULE, s3.GT_CORS_RULE]
    with pytest.raises(InputError, match="100 CORS rules"):
        s3.merge_cors([USER_RULE] * 100)


def test_upload_puts_frame_manifest_and_config_with_progress(tmp_path, s3_client, bucket):
    rec = exported(tmp_path, bucket)
    seen: list[float] = []
    uris = s3.upload_inputs(s3_client, rec, progress=lambda f, m: seen.append(f))
    frame = s3_client.get_object(Bucket=bucket, Key=rec.frame_key)["Body"].read()
    assert frame == (tmp_path / "frame.bin").read_bytes() and len(frame) == 24 * 50_000
    manifest = s3_client.get_object(Bucket=bucket, Key=rec.manifest_key)["Body"].read().decode()
    entry = json.loads(manifest)
    assert entry["source-ref"] == uris["frame"] == f"s3://{bucket}/{rec.frame_key}"
    assert entry["source-ref-metadata"] == {
        "format": "binary/xyzrgb",
        "unix-timestamp": rec.timestamp,
    }
    config = s3_client.get_object(Bucket=bucket, Key=rec.label_config_key)["Body"].read()
    assert json.loads(config)["labels"] == [{"label": "Floor"}, {"label": "Wall"}]
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0 < seen[0] < 1


def test_upload_can_be_cancelled(tmp_path, s3_client, bucket):
    rec = exported(tmp_path, bucket, n=400_000)  # ~9.6 MB: several transfer callbacks
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Cancelled):
        s3.upload_inputs(s3_client, rec, cancel=cancel)
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert rec.frame_key not in keys and rec.manifest_key not in keys  # stopped mid-frame


def test_upload_needs_the_exported_files(tmp_path, s3_client, bucket):
    rec = exported(tmp_path, bucket, n=10)
    (tmp_path / "frame.bin").unlink()
    with pytest.raises(InputError, match="missing; export the frame again"):
        s3.upload_inputs(s3_client, rec)


def test_read_object_of_a_missing_key(s3_client, bucket):
    with pytest.raises(AwsError, match="could not find"):
        s3.read_object(s3_client, f"s3://{bucket}/nothing.here")


def test_upload_to_a_missing_bucket_is_a_sentence(tmp_path, s3_client, bucket):
    rec = exported(tmp_path, bucket, n=10)
    rec.bucket = f"no-such-bucket-{uuid.uuid4().hex[:8]}"
    with pytest.raises(AwsError, match="could not find what was asked for") as info:
        s3.upload_inputs(s3_client, rec)
    assert info.value.code == "NoSuchBucket"
