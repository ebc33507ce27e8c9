"""Every rule Ground Truth enforces on a semantic segmentation request that botocore does not.

`validate` returns all problems at once, each a sentence saying what to change, plus
warnings (allowed, but worth knowing). It ends with botocore's own model check, so a
request that passes would also pass `botocore.stub.Stubber`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from core.groundtruth import regions
from core.groundtruth.labelconfig import check_label_config

NAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}")
KEYWORD_RE = re.compile(r"[A-Za-z0-9]+( [A-Za-z0-9]+)*")
BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
WORKTEAM_RE = re.compile(r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:workteam/.+")
ROLE_RE = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-/]+")
MAX_JOB_NAME = 63
MAX_ATTRIBUTE_NAME = 127
TIME_LIMIT = (30, 30 * 24 * 3600)  # botocore's docs: 30 days for 3D point clouds
AVAILABILITY = (60, 30 * 24 * 3600)
SESSION_HOURS = 8 * 3600
CONCURRENCY = (1, 5000)
RECOMMENDED_POINTS = 500_000
RENDER_LIMIT = 1_000_000


@dataclass
class Check:
    """Validation outcome: `problems` block submission, `warnings` do not."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def region_of_request(req: dict) -> str | None:
    """The region the request targets, read from its worker UI ARN."""
    ui = req.get("HumanTaskConfig", {}).get("UiConfig", {}).get("HumanTaskUiArn", "")
    return regions.region_of_arn(ui)


def check_names(req: dict) -> list[str]:
    """Job name and label attribute name rules."""
    out = []
    job = str(req.get("LabelingJobName", ""))
    if len(job) > MAX_JOB_NAME or not NAME_RE.fullmatch(job):
        out.append(
            f"the job name {job!r} must be 1 to {MAX_JOB_NAME} letters, digits and "
            "hyphens, starting and ending with a letter or digit; choose another name."
        )
    attr = str(req.get("LabelAttributeName", ""))
    if len(attr) > MAX_ATTRIBUTE_NAME or not NAME_RE.fullmatch(attr):
        out.append(
            f"the label attribute name {attr!r} must be 1 to {MAX_ATTRIBUTE_NAME} letters, "
            "digits and hyphens, starting and ending with a letter or digit; choose another."
        )
    if attr.endswith("-metadata"):
        out.append(f"the label attribute name {attr!r} must not end in '-metadata'; change it.")
    elif not attr.endswith("-ref"):
        out.append(
            f"the label attribute name {attr!r} must end in '-ref' for 3D point cloud "
            "semantic segmentation; add '-ref'."
        )
    return out


def check_task(human: dict) -> tuple[list[str], list[str]]:
    """Keywords, title, description, workers, time limits and concurrency."""
    out, warn = [], []
    words = list(human.get("TaskKeywords") or [])
    if not 1 <= len(words) <= 5:
        out.append(f"give 1 to 5 task keywords, not {len(words)}.")
    for w in words:
        if len(w) > 30 or not KEYWORD_RE.fullmatch(str(w)):
            out.append(
                f"the task keyword {w!r} may hold only letters, digits and single spaces "
                "(no hyphens), at most 30 characters; change it."
            )
    if not 1 <= len(human.get("TaskTitle", "")) <= 128:
        out.append("the task title must be 1 to 128 characters; change it.")
    if not 1 <= len(human.get("TaskDescription", "")) <= 255:
        out.append("the task description must be 1 to 255 characters; shorten it.")
    if human.get("NumberOfHumanWorkersPerDataObject") != 1:
        out.append(
            "3D point cloud jobs take exactly 1 worker per frame; set the workers per frame to 1."
        )
    limit = human.get("TaskTimeLimitInSeconds", 0)
    if not TIME_LIMIT[0] <= limit <= TIME_LIMIT[1]:
        out.append(
            f"the task time limit must be {TIME_LIMIT[0]} s to {TIME_LIMIT[1]} s (30 days), "
            f"not {limit} s; change it."
        )
    elif limit > SESSION_HOURS:
        warn.append(
            "a task time limit over 8 hours needs the execution role's maximum session "
            "duration set to at least 8 hours in IAM."
        )
    life = human.get("TaskAvailabilityLifetimeInSeconds")
    if life is not None and not AVAILABILITY[0] <= life <= AVAILABILITY[1]:
        out.append(
            f"the task availability must be {AVAILABILITY[0]} s to {AVAILABILITY[1]} s "
            f"(30 days), not {life} s; change it."
        )
    count = human.get("MaxConcurrentTaskCount")
    if count is not None and not CONCURRENCY[0] <= count <= CONCURRENCY[1]:
        out.append(f"the concurrent task count must be 1 to 5000, not {count}; change it.")
    elif count is not None and count > 1000:
        warn.append("more than 1000 concurrent tasks needs a quota increase from AWS Support.")
    return out, warn


def check_workforce(req: dict, region: str) -> list[str]:
    """Work team (private or vendor, same region), role and the region's ARNs."""
    human = req.get("HumanTaskConfig", {})
    out = []
    team = str(human.get("WorkteamArn", ""))
    if regions.MTURK_WORKTEAM_PATH in team:
        out.append(
            "Amazon Mechanical Turk cannot label 3D point clouds; choose a private or vendor "
            "work team."
        )
    elif not WORKTEAM_RE.fullmatch(team):
        out.append(
            f"the work team ARN {team!r} is not a SageMaker work team ARN; pick one from the "
            "list of work teams."
        )
    elif regions.region_of_arn(team) != region:
        out.append(
            f"the work team is in {regions.region_of_arn(team)} but the job would run in "
            f"{region}; choose a work team in {region}."
        )
    if not ROLE_RE.fullmatch(str(req.get("RoleArn", ""))):
        out.append(
            "the execution role must be an IAM role ARN like "
            "arn:aws:iam::123456789012:role/NAME; give the Ground Truth execution role."
        )
    if req.get("LabelingJobAlgorithmsConfig"):
        out.append("3D point cloud jobs cannot use automated labeling; remove it.")
    if regions.is_supported(region):
        expected = {
            "worker task UI": (human.get("UiConfig", {}).get("HumanTaskUiArn"), regions.ui_arn),
            "pre-annotation Lambda": (human.get("PreHumanTaskLambdaArn"), regions.pre_lambda_arn),
            "consolidation Lambda": (
                human.get("AnnotationConsolidationConfig", {}).get(
                    "AnnotationConsolidationLambdaArn"
                ),
                regions.acs_lambda_arn,
            ),
        }
        for what, (arn, make) in expected.items():
            if arn != make(region):
                out.append(f"the {what} ARN must be {make(region)}; use that one.")
    return out


def s3_parts(uri: str) -> tuple[str, str] | None:
    """(bucket, key) of an ``s3://`` URI, or None if it is not one."""
    if not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def check_s3(req: dict, region: str, bucket_region: str | None) -> list[str]:
    """S3 addresses: well-formed, valid bucket names, bucket in the job's region."""
    uris = {
        "input manifest": req.get("InputConfig", {})
        .get("DataSource", {})
        .get("S3DataSource", {})
        .get("ManifestS3Uri", ""),
        "output path": req.get("OutputConfig", {}).get("S3OutputPath", ""),
        "label config": req.get("LabelCategoryConfigS3Uri", ""),
    }
    out, buckets = [], set()
    for what, uri in uris.items():
        parts = s3_parts(str(uri))
        if parts is None:
            out.append(f"the {what} must be an s3:// address, not {uri!r}; fix the bucket.")
            continue
        buckets.add(parts[0])
    for bucket in sorted(buckets):
        if not BUCKET_RE.fullmatch(bucket) or ".." in bucket:
            out.append(
                f"{bucket!r} is not a valid S3 bucket name (3 to 63 lower-case letters, digits, "
                "dots and hyphens); give the bucket's name without s3://."
            )
    if bucket_region is not None and bucket_region != region:
        out.append(
            f"the bucket is in {bucket_region} but the job would run in {region}; Ground Truth "
            f"needs them in the same region, so choose {bucket_region} or a bucket in {region}."
        )
    stop = req.get("StoppingConditions") or {}
    pct = stop.get("MaxPercentageOfInputDatasetLabeled")
    if pct is not None and not 1 <= pct <= 100:
        out.append(f"the percentage of frames to label must be 1 to 100, not {pct}.")
    return out


def check_frames(req: dict, n_points: int | None, n_frames: int = 1) -> list[str]:
    """Warnings on the frames' sizes and on a stop before every frame is labeled."""
    out = []
    which = "the frame has" if n_frames == 1 else f"the largest of the {n_frames} frames has"
    if n_points is not None and n_points > RENDER_LIMIT:
        out.append(
            f"{which} {n_points:,} points; frames over 1,000,000 may not render in the "
            "worker UI, so downsample further or lower the points a frame."
        )
    elif n_points is not None and n_points > RECOMMENDED_POINTS:
        out.append(f"{which} {n_points:,} points; AWS recommends at most 500,000 per frame.")
    most = (req.get("StoppingConditions") or {}).get("MaxHumanLabeledObjectCount")
    if most is not None and most < n_frames:
        out.append(
            f"the job stops after {most} labeled frames but the sample has {n_frames}; the "
            "tiles of the others stay unlabeled when the labels are stitched."
        )
    return out


@functools.cache
def _create_job_shape() -> Any:
    # Loading the SageMaker model takes a moment; it never changes within a run.
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return model.operation_model("CreateLabelingJob").input_shape


def check_botocore(req: dict) -> list[str]:
    """Problems botocore's service model finds (what the Stubber and boto3 would reject)."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(req, _create_job_shape())
    if not report.has_errors():
        return []
    lines = [ln.strip() for ln in report.generate_report().splitlines() if ln.strip()]
    return [f"botocore's model of create_labeling_job rejects it: {ln}; fix it." for ln in lines]


def validate(
    req: dict,
    label_config: dict | None = None,
    *,
    region: str | None = None,
    bucket_region: str | None = None,
    n_points: int | None = None,
    n_frames: int = 1,
) -> Check:
    """Every problem (and warning) with a create_labeling_job request, before any upload.

    Parameters
    ----------
    req : dict
        The keyword arguments for ``create_labeling_job``.
    label_config : dict, optional
        The label category configuration that will be uploaded.
    region : str, optional
        The job's region; read from the worker UI ARN when not given.
    bucket_region : str, optional
        The bucket's region from ``head_bucket`` (None: not checked).
    n_points : int, optional
        Points in the frame (the largest frame of a multi-frame job).
    n_frames : int
        Frames (manifest lines) of the job.
    """
    region = region or region_of_request(req) or "(none)"
    check = Check()
    if not regions.is_supported(region):
        check.problems.append(
            f"Ground Truth does not run 3D point cloud semantic segmentation in {region}; "
            f"choose one of {', '.join(regions.SUPPORTED_REGIONS)}."
        )
    check.problems += check_names(req)
    task_problems, task_warnings = check_task(req.get("HumanTaskConfig", {}))
    check.problems += task_problems
    check.warnings += task_warnings
    check.problems += check_workforce(req, region)
    check.problems += check_s3(req, region, bucket_region)
    if label_config is not None:
        check.problems += check_label_config(label_config)
    check.warnings += check_frames(req, n_points, n_frames)
    check.problems += check_botocore(req)
    return check
