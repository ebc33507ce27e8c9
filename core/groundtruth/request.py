"""Build the create_labeling_job request and check everything botocore does not.

botocore checks only minimums and required members; Ground Truth refuses much more,
often minutes later. `validate` finds every such problem before anything is uploaded
and returns them all at once, each as a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.groundtruth import regions
from core.groundtruth.record import JobRecord


@dataclass
class JobSettings:
    """What the user chooses for a labeling job (where, who, how long)."""

    region: str
    bucket: str
    prefix: str
    role_arn: str
    workteam_arn: str
    job_name: str
    label_attribute_name: str | None = None
    task_title: str = "Paint every point of a 3D point cloud"
    task_description: str = (
        "Give every point of the 3D point cloud the class of the surface it belongs to."
    )
    task_keywords: tuple[str, ...] = ("Point cloud", "Segmentation", "Labeling")
    task_time_limit_s: int = 8 * 3600
    task_availability_s: int = 10 * 24 * 3600
    max_concurrent_tasks: int | None = None
    max_human_labeled_objects: int | None = None
    workers_per_object: int = 1
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def attribute_name(self) -> str:
        """The label attribute name: the chosen one, else ``JOBNAME-ref``."""
        return self.label_attribute_name or f"{self.job_name}-ref"


def default_job_name(stem: str = "denselabel", now: datetime | None = None) -> str:
    """A fresh job name such as ``denselabel-20261125-111500`` (names must be unique)."""
    now = now or datetime.now()
    clean = "".join(ch if ch.isalnum() else "-" for ch in stem).strip("-") or "denselabel"
    return f"{clean[:40]}-{now:%Y%m%d-%H%M%S}"


def clean_prefix(prefix: str) -> str:
    """An S3 prefix without leading/trailing slashes (``""`` for the bucket root)."""
    return "/".join(part for part in prefix.strip().split("/") if part)


def apply_settings(rec: JobRecord, settings: JobSettings) -> JobRecord:
    """Fill the record's job fields (S3 layout, names, ARNs) from `settings`, in place."""
    base = clean_prefix(settings.prefix)
    join = (lambda tail: f"{base}/{tail}") if base else (lambda tail: tail)
    rec.job_name = settings.job_name
    rec.region = settings.region
    rec.bucket = settings.bucket
    rec.input_prefix = join(f"input/{settings.job_name}")
    rec.output_prefix = join("output")
    rec.label_attribute_name = settings.attribute_name
    rec.role_arn = settings.role_arn
    rec.workteam_arn = settings.workteam_arn
    return rec


def build_request(rec: JobRecord, settings: JobSettings) -> dict:
    """The exact keyword arguments for ``create_labeling_job`` (fills `rec`'s job fields)."""
    apply_settings(rec, settings)
    region = settings.region
    s3 = f"s3://{settings.bucket}"
    supported = regions.is_supported(region)
    human: dict = {
        "WorkteamArn": settings.workteam_arn,
        "UiConfig": {"HumanTaskUiArn": regions.ui_arn(region)},
        "TaskKeywords": list(settings.task_keywords),
        "TaskTitle": settings.task_title,
        "TaskDescription": settings.task_description,
        "NumberOfHumanWorkersPerDataObject": settings.workers_per_object,
        "TaskTimeLimitInSeconds": settings.task_time_limit_s,
        "TaskAvailabilityLifetimeInSeconds": settings.task_availability_s,
    }
    if supported:  # unsupported regions have no Lambdas; validate() says so in a sentence
        human["PreHumanTaskLambdaArn"] = regions.pre_lambda_arn(region)
        human["AnnotationConsolidationConfig"] = {
            "AnnotationConsolidationLambdaArn": regions.acs_lambda_arn(region)
        }
    if settings.max_concurrent_tasks is not None:
        human["MaxConcurrentTaskCount"] = settings.max_concurrent_tasks
    req: dict = {
        "LabelingJobName": settings.job_name,
        "LabelAttributeName": settings.attribute_name,
        "InputConfig": {
            "DataSource": {"S3DataSource": {"ManifestS3Uri": f"{s3}/{rec.manifest_key}"}},
            "DataAttributes": {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]},
        },
        "OutputConfig": {"S3OutputPath": f"{s3}/{rec.output_prefix}/"},
        "RoleArn": settings.role_arn,
        "LabelCategoryConfigS3Uri": f"{s3}/{rec.label_config_key}",
        "HumanTaskConfig": human,
    }
    if settings.max_human_labeled_objects is not None:
        req["StoppingConditions"] = {
            "MaxHumanLabeledObjectCount": settings.max_human_labeled_objects
        }
    if settings.tags:
        req["Tags"] = [{"Key": k, "Value": v} for k, v in settings.tags.items()]
    return req
