"""S3 for a labeling job: the bucket's region, its CORS rule, and the uploads.

Every function takes a boto3 S3 client, so tests can point it at a moto server.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.groundtruth.errors import AwsError, aws_errors
from core.groundtruth.export import manifest_line
from core.groundtruth.record import JobRecord
from core.progress import CancelFn, ProgressFn, check_cancel, report

#: The rule the worker UI needs to load frames from the bucket.
GT_CORS_RULE: dict[str, Any] = {
    "AllowedHeaders": ["*"],
    "AllowedMethods": ["GET", "HEAD", "PUT"],
    "AllowedOrigins": ["*"],
    "ExposeHeaders": ["Access-Control-Allow-Origin"],
    "MaxAgeSeconds": 3000,
}
MAX_CORS_RULES = 100


def bucket_region(s3: Any, bucket: str) -> str:
    """The region `bucket` lives in (``head_bucket``); AwsError if it is missing or refused."""
    from botocore.exceptions import ClientError

    with aws_errors(f"read the region of bucket {bucket!r}"):
        try:
            head = s3.head_bucket(Bucket=bucket)
        except ClientError as exc:
            headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            code = str(exc.response.get("Error", {}).get("Code"))
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise AwsError(
                    f"the bucket {bucket!r} does not exist; create it in the job's region or "
                    "check its name.",
                    "NoSuchBucket",
                ) from exc
            # a redirect from another region's endpoint still names the bucket's region
            if code in ("301", "PermanentRedirect", "400") and "x-amz-bucket-region" in headers:
                return str(headers["x-amz-bucket-region"])
            raise
    headers = head.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return str(head.get("BucketRegion") or headers.get("x-amz-bucket-region") or "us-east-1")


def _satisfies(rule: dict[str, Any]) -> bool:
    # An existing rule at least as open as Ground Truth's makes ours unnecessary.
    def upper(key: str) -> set[str]:
        return {str(v).upper() for v in rule.get(key, [])}

    return (
        "*" in rule.get("AllowedOrigins", [])
        and {"GET", "HEAD", "PUT"} <= upper("AllowedMethods")
        and "*" in rule.get("AllowedHeaders", [])
        and "ACCESS-CONTROL-ALLOW-ORIGIN" in upper("ExposeHeaders")
    )


def merge_cors(rules: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """The user's CORS rules plus Ground Truth's when needed; (rules, changed). Never drops one."""
    merged = copy.deepcopy(list(rules))
    if any(_satisfies(rule) for rule in merged):
        return merged, False
    if len(merged) >= MAX_CORS_RULES:
        raise InputError(
            f"the bucket already has {MAX_CORS_RULES} CORS rules, the most S3 allows; remove one "
            "so the Ground Truth rule fits."
        )
    merged.append(copy.deepcopy(GT_CORS_RULE))
    return merged, True


def read_cors(s3: Any, bucket: str) -> list[dict[str, Any]]:
    """The bucket's CORS rules ([] when it has none)."""
    from botocore.exceptions import ClientError

    with aws_errors(f"read the CORS configuration of bucket {bucket!r}"):
        try:
            return list(s3.get_bucket_cors(Bucket=bucket).get("CORSRules", []))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchCORSConfiguration":
                return []
            raise


def propose_cors(s3: Any, bucket: str) -> tuple[dict[str, Any], bool]:
    """(the CORS configuration to put, True if the bucket needs it). Changes nothing."""
    rules, changed = merge_cors(read_cors(s3, bucket))
    return {"CORSRules": rules}, changed


def apply_cors(s3: Any, bucket: str, config: dict[str, Any]) -> None:
    """Put `config` (from `propose_cors`, after the user agreed) on the bucket."""
    with aws_errors(f"set the CORS configuration of bucket {bucket!r}"):
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=config)


class _UploadProgress:
    """boto3 transfer Callback: adds up bytes, reports progress, raises Cancelled when asked."""

    def __init__(self, total: int, progress: ProgressFn | None, cancel: CancelFn | None):
        self.total, self.done = max(total, 1), 0
        self.progress, self.cancel = progress, cancel

    def __call__(self, n_bytes: int) -> None:
        self.done += n_bytes
        check_cancel(self.cancel)
        report(self.progress, 0.95 * self.done / self.total, "uploading the frames")


def upload_inputs(
    s3: Any,
    rec: JobRecord,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> dict[str, Any]:
    """Upload every frame, the input manifest (one line a frame) and the label config.

    Returns the S3 URIs as ``{"frame", "frames", "manifest", "label_config"}`` ("frame":
    the first frame; "frames": all of them). Raises `Cancelled` (from the transfer
    callback) when `cancel()` turns True mid-upload; nothing is uploaded when a file is
    missing.
    """
    if not (rec.bucket and rec.input_prefix):
        raise InputError("the job record has no bucket yet; choose the bucket and prefix first.")
    frames = [rec.resolve(name) for name in rec.frame_files()]
    config = rec.resolve(rec.label_config_path)
    for path in (*frames, config):
        if path is None or not path.exists():
            raise InputError(f"the exported file {path} is missing; export the frame again.")
    assert config is not None
    bucket = rec.bucket
    frame_uris = [f"s3://{bucket}/{key}" for key in rec.frame_keys()]
    uris: dict[str, Any] = {
        "frame": frame_uris[0],
        "frames": frame_uris,
        "manifest": f"s3://{bucket}/{rec.manifest_key}",
        "label_config": f"s3://{bucket}/{rec.label_config_key}",
    }
    callback = _UploadProgress(sum(Path(str(p)).stat().st_size for p in frames), progress, cancel)
    for path, key, uri in zip(frames, rec.frame_keys(), frame_uris, strict=True):
        check_cancel(cancel)
        with aws_errors(f"upload the frame to {uri}"):
            s3.upload_file(str(path), bucket, key, Callback=callback)
    lines = "".join(manifest_line(uri, rec.frame_format, rec.timestamp) for uri in frame_uris)
    check_cancel(cancel)
    with aws_errors(f"upload the manifest to {uris['manifest']}"):
        s3.put_object(Bucket=bucket, Key=rec.manifest_key, Body=lines.encode("utf-8"))
        s3.put_object(Bucket=bucket, Key=rec.label_config_key, Body=Path(config).read_bytes())
    report(progress, 1.0, "uploaded")
    return uris


def read_object(s3: Any, uri: str) -> bytes:
    """The bytes at an ``s3://bucket/key`` address."""
    if not uri.startswith("s3://"):
        raise InputError(f"{uri!r} is not an s3:// address; give s3://BUCKET/KEY.")
    bucket, _, key = uri[5:].partition("/")
    with aws_errors(f"download {uri}"):
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
