"""The Ground Truth flow the GUI panel and the CLI share: connect, prepare, submit, fetch.

Only `connect` knows how clients are made (boto3's normal credential chain: profile,
environment, SSO); everything else takes the clients, so tests pass a moto-backed S3
client and a Stubber-wrapped SageMaker client.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from core.errors import InputError
from core.groundtruth import jobs, multiframe, output, s3
from core.groundtruth.errors import AwsError, JobFailed, ValidationFailed, aws_errors
from core.groundtruth.labelconfig import label_config as make_label_config
from core.groundtruth.record import JobRecord, save_record
from core.groundtruth.request import JobSettings, apply_settings, build_request
from core.groundtruth.validate import validate
from core.progress import CancelFn, ProgressFn, check_cancel, report, sub_progress


@dataclass
class AwsTarget:
    """Where and as whom: region, optional profile, optional endpoints (tests: moto)."""

    region: str
    profile: str | None = None
    endpoint_url: str | None = None
    sagemaker_endpoint_url: str | None = None
    max_attempts: int = 5


@dataclass
class Clients:
    """The two boto3 clients a job needs."""

    s3: Any
    sagemaker: Any


def profiles() -> list[str]:
    """The profile names configured for the AWS CLI/boto3 (no secrets read)."""
    import boto3

    with aws_errors("list AWS profiles"):
        return sorted(boto3.Session().available_profiles)


def connect(target: AwsTarget) -> Clients:
    """S3 and SageMaker clients for `target` (no network call yet)."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": target.max_attempts, "mode": "standard"})
    with aws_errors(f"use the AWS profile {target.profile or 'default'}"):
        session = boto3.Session(profile_name=target.profile, region_name=target.region)
        return Clients(
            s3=session.client("s3", endpoint_url=target.endpoint_url, config=config),
            sagemaker=session.client(
                "sagemaker", endpoint_url=target.sagemaker_endpoint_url, config=config
            ),
        )


@dataclass
class Prepared:
    """The exact request and everything wrong with it, for the review dialog / dry run."""

    request: dict[str, Any]
    label_config: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bucket_region: str | None = None

    @property
    def request_json(self) -> str:
        return json.dumps(self.request, indent=1)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_label_config(rec: JobRecord) -> dict[str, Any]:
    """The exported label config, or one made from the record's classes if not written yet."""
    path = rec.resolve(rec.label_config_path)
    if path is not None and path.exists():
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:  # UnicodeDecodeError is one
            raise InputError(
                f"the label config is not JSON ({exc}); export the frame again.", path
            ) from exc
        if not isinstance(config, dict):
            raise InputError("the label config is not a JSON object; export the frame again.", path)
        return config
    return make_label_config(rec.label_classes())


def prepare(
    rec: JobRecord,
    settings: JobSettings,
    clients: Clients | None = None,
    label_config: dict[str, Any] | None = None,
) -> Prepared:
    """Build and check the request; with `clients`, also check the bucket's region (network).

    Does not change `rec`. Problems reading the bucket become problems, not exceptions.
    `label_config` defaults to the exported one (or one made from the record's classes).
    """
    request = build_request(copy.copy(rec), settings)
    config = label_config or load_label_config(rec)
    prepared = Prepared(request, config)
    if clients is None:
        prepared.warnings.append("the bucket's region was not checked (no AWS call in a dry run).")
    else:
        try:
            prepared.bucket_region = s3.bucket_region(clients.s3, settings.bucket)
        except AwsError as exc:
            prepared.problems.append(str(exc))
    check = validate(
        request,
        config,
        region=settings.region,
        bucket_region=prepared.bucket_region,
        n_points=max(rec.frame_point_counts()),
        n_frames=rec.n_frames,
    )
    prepared.problems = check.problems + missing_exports(rec) + prepared.problems
    prepared.warnings += check.warnings
    return prepared


def missing_exports(rec: JobRecord) -> list[str]:
    """A sentence for each exported file a saved record names but the disk lacks.

    Only for a record on disk: a dry run's plan has written nothing yet.
    """
    where = rec.resolve(rec.path)
    if where is None or not where.is_file():
        return []
    names = [*rec.frame_files(), rec.label_config_path]
    if rec.frames:
        names.append(str(rec.frame_rows_path))  # fetching needs it to stitch the frames
    missing = [name for name in names if name and not _is_file(rec.resolve(name))]
    return [
        f"the exported file {name} is missing beside the job record; put it back or export "
        "the sample again."
        for name in missing
    ]


def submit(
    rec: JobRecord,
    settings: JobSettings,
    clients: Clients,
    *,
    record_path: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> JobRecord:
    """Validate, upload the inputs, create the labeling job and save the record.

    Raises `ValidationFailed` (nothing uploaded) when any check fails, `AwsError` when an
    AWS call fails, `Cancelled` when `cancel()` turns True before the job is created.
    """
    report(progress, 0.0, "checking the request")
    prepared = prepare(rec, settings, clients)
    if not prepared.ok:
        raise ValidationFailed(prepared.problems)
    apply_settings(rec, settings)
    s3.upload_inputs(clients.s3, rec, progress=sub_progress(progress, 0.05, 0.9), cancel=cancel)
    check_cancel(cancel)
    report(progress, 0.92, "creating the labeling job")
    rec.job_arn = jobs.create_job(clients.sagemaker, prepared.request)
    rec.submitted = datetime.now(UTC).isoformat(timespec="seconds")
    save_record(rec, record_path)
    report(progress, 1.0, "submitted")
    return rec


def fetch_labels(
    rec: JobRecord,
    clients: Clients,
    *,
    status: jobs.JobStatus | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> output.FetchedLabels:
    """Download and decode the job's labels; carry them to the full cloud if the record can."""
    if not (rec.job_name and rec.bucket):
        raise InputError("this record was never submitted; submit the job first.", rec.path)
    frames = multiframe.load_frames(rec) if rec.frames else None  # before any AWS call
    status = status or jobs.describe_job(clients.sagemaker, rec.job_name)
    if status.status == "Failed":
        raise JobFailed(rec.job_name, status.failure_reason)
    if status.status not in ("Completed", "Stopped"):
        raise AwsError(
            f"the labeling job {rec.job_name} is {status.status}; wait until it is Completed "
            "and fetch again.",
            status.status,
        )
    manifest_uri = status.output_manifest_uri or f"s3://{rec.bucket}/{rec.output_manifest_key()}"
    report(progress, 0.1, "reading the output manifest")
    try:
        text = s3.read_object(clients.s3, manifest_uri).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the output manifest is not UTF-8 text ({exc}); check that the job finished and "
            "the record belongs to it.",
            manifest_uri,
        ) from exc
    lines = output.parse_manifest(text, manifest_uri)
    if frames is not None:
        fetched = multiframe.decode_frames(
            rec, *frames, lines, manifest_uri, lambda uri: s3.read_object(clients.s3, uri),
            progress=sub_progress(progress, 0.3, 0.95), cancel=cancel,
        )  # fmt: skip
    else:
        fetched = _decode_one(rec, clients, lines, manifest_uri, progress, cancel)
    fetched.labels_full = _carry_to_full(rec, fetched.labels_sample)
    report(progress, 1.0, "labels fetched")
    return fetched


def _decode_one(rec, clients, lines, manifest_uri, progress, cancel) -> output.FetchedLabels:
    """The labels of a single-frame job."""
    entry = output.pick_line(lines, _frame_uri(rec))
    label_uri, color_map = output.label_reference(entry, rec.label_attribute_name, manifest_uri)
    check_cancel(cancel)
    report(progress, 0.4, "downloading the labels")
    data = s3.read_object(clients.s3, label_uri)
    gt_index = output.decode_label_bytes(data, color_map, rec.n_points, label_uri)
    labels, unmatched = output.gt_to_class_ids(gt_index, color_map, rec.label_classes())
    fetched = output.FetchedLabels(labels, gt_index, color_map, label_uri, manifest_uri)
    fetched.unmatched = unmatched
    fetched.frame_label_uris = [label_uri]
    return fetched


def _is_file(path) -> bool:
    return path is not None and path.is_file()


def _frame_uri(rec: JobRecord) -> str | None:
    return f"s3://{rec.bucket}/{rec.frame_key}" if rec.input_prefix else None


def _carry_to_full(rec: JobRecord, labels: np.ndarray) -> np.ndarray | None:
    """Labels of every full point through the saved index map (None without one)."""
    path = rec.resolve(rec.index_map_path)
    if path is None or not path.exists():
        return None
    from core.index_map import load_index_map
    from core.transfer import transfer_labels_map

    return transfer_labels_map(labels, load_index_map(path))
