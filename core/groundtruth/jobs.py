"""Follow labeling jobs: submit, describe, wait (with backoff), stop, list; work teams.

Every function takes a boto3 SageMaker client (tests wrap it in botocore's Stubber).
No botocore waiter exists for labeling jobs, so `wait_for_job` polls with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.groundtruth.errors import JobFailed, aws_errors
from core.progress import CancelFn, check_cancel

DONE = ("Completed", "Failed", "Stopped")
COUNTERS = (
    "TotalLabeled",
    "HumanLabeled",
    "MachineLabeled",
    "FailedNonRetryableError",
    "Unlabeled",
)


@dataclass
class JobStatus:
    """One labeling job as AWS reports it."""

    name: str
    status: str
    counters: dict[str, int] = field(default_factory=dict)
    failure_reason: str | None = None
    output_manifest_uri: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    arn: str | None = None

    @property
    def done(self) -> bool:
        """True once the job will not change any more (Completed, Failed or Stopped)."""
        return self.status in DONE

    @property
    def elapsed_s(self) -> float | None:
        """Seconds since the job was created (until its last change once it is done)."""
        if self.created is None:
            return None
        end = self.modified if self.done and self.modified else datetime.now(UTC)
        return max((end - self.created).total_seconds(), 0.0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for ``denselabel gt status --json``)."""
        return {
            "job_name": self.name,
            "status": self.status,
            "counters": self.counters,
            "failure_reason": self.failure_reason,
            "output_manifest": self.output_manifest_uri,
            "elapsed_s": self.elapsed_s,
        }

    def summary(self) -> str:
        """One line for a status bar, e.g. ``job-1: InProgress, 0 of 1 labeled, 5 min``."""
        labeled = self.counters.get("TotalLabeled", 0)
        total = labeled + self.counters.get("Unlabeled", 0)
        text = f"{self.name}: {self.status}, {labeled} of {total} frames labeled"
        if self.elapsed_s is not None:
            text += f", {self.elapsed_s / 60:.0f} min"
        if self.failure_reason:
            text += f" ({self.failure_reason})"
        return text


def _status_from(data: dict[str, Any]) -> JobStatus:
    counters = data.get("LabelCounters") or {}
    return JobStatus(
        name=data["LabelingJobName"],
        status=data["LabelingJobStatus"],
        counters={k: int(counters.get(k, 0)) for k in COUNTERS},
        failure_reason=data.get("FailureReason"),
        output_manifest_uri=(data.get("LabelingJobOutput") or {}).get("OutputDatasetS3Uri"),
        created=data.get("CreationTime"),
        modified=data.get("LastModifiedTime"),
        arn=data.get("LabelingJobArn"),
    )


def create_job(sm: Any, request: dict[str, Any]) -> str:
    """Call ``create_labeling_job(**request)``; returns the job ARN."""
    with aws_errors(f"create the labeling job {request.get('LabelingJobName')}"):
        return str(sm.create_labeling_job(**request)["LabelingJobArn"])


def describe_job(sm: Any, job_name: str) -> JobStatus:
    """The job's status, counters, failure reason and output manifest address."""
    with aws_errors(f"read the status of labeling job {job_name}"):
        return _status_from(sm.describe_labeling_job(LabelingJobName=job_name))


def wait_for_job(
    sm: Any,
    job_name: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    first_delay: float = 10.0,
    max_delay: float = 120.0,
    timeout: float | None = None,
    on_status: Callable[[JobStatus], None] | None = None,
    cancel: CancelFn | None = None,
) -> JobStatus:
    """Poll until the job is done, waiting `first_delay` then doubling up to `max_delay`.

    Raises `JobFailed` when it ends as Failed; returns the last status when it completes,
    is stopped, or `timeout` seconds of waiting have passed.
    """
    delay, waited = first_delay, 0.0
    while True:
        check_cancel(cancel)
        status = describe_job(sm, job_name)
        if on_status is not None:
            on_status(status)
        if status.status == "Failed":
            raise JobFailed(job_name, status.failure_reason)
        if status.done or (timeout is not None and waited >= timeout):
            return status
        sleep(delay)
        waited += delay
        delay = min(delay * 2, max_delay)


def stop_job(sm: Any, job_name: str) -> None:
    """Ask AWS to stop the job (it goes Stopping, then Stopped)."""
    with aws_errors(f"stop labeling job {job_name}"):
        sm.stop_labeling_job(LabelingJobName=job_name)


def list_jobs(
    sm: Any, name_contains: str | None = None, status: str | None = None, limit: int = 100
) -> list[JobStatus]:
    """Earlier labeling jobs, newest first (all pages, up to `limit`)."""
    kwargs: dict[str, Any] = {"SortBy": "CreationTime", "SortOrder": "Descending"}
    if name_contains:
        kwargs["NameContains"] = name_contains
    if status:
        kwargs["StatusEquals"] = status
    out: list[JobStatus] = []
    with aws_errors("list labeling jobs"):
        for page in sm.get_paginator("list_labeling_jobs").paginate(**kwargs):
            out += [_status_from(item) for item in page.get("LabelingJobSummaryList", [])]
            if len(out) >= limit:
                break
    return out[:limit]


@dataclass
class Workteam:
    """A private or vendor work team; `portal_url` is where its workers sign in."""

    name: str
    arn: str
    description: str = ""
    portal_url: str | None = None


def _url(sub_domain: str | None) -> str | None:
    if not sub_domain:
        return None
    return sub_domain if sub_domain.startswith("http") else f"https://{sub_domain}"


def list_workteams(sm: Any) -> list[Workteam]:
    """Every work team in the region (all pages)."""
    teams: list[Workteam] = []
    with aws_errors("list work teams"):
        for page in sm.get_paginator("list_workteams").paginate():
            for t in page.get("Workteams", []):
                teams.append(
                    Workteam(
                        t["WorkteamName"],
                        t["WorkteamArn"],
                        t.get("Description", ""),
                        _url(t.get("SubDomain")),
                    )
                )
    return teams


def portal_url(sm: Any, workteam_arn: str) -> str | None:
    """The worker portal URL of a work team (``https://`` + its SubDomain), if it has one."""
    name = workteam_arn.rstrip("/").rsplit("/", 1)[-1]
    with aws_errors(f"read work team {name}"):
        team = sm.describe_workteam(WorkteamName=name)["Workteam"]
    return _url(team.get("SubDomain"))
