"""Where Ground Truth runs 3D point cloud semantic segmentation, and the ARNs per region."""

from __future__ import annotations

#: Account that owns the pre-annotation and consolidation Lambdas, per region.
LAMBDA_ACCOUNTS: dict[str, str] = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
}
SUPPORTED_REGIONS: tuple[str, ...] = tuple(LAMBDA_ACCOUNTS)

#: Account that owns the worker task UIs (the same in every region).
UI_ACCOUNT = "394669845002"
TASK_TYPE = "3DPointCloudSemanticSegmentation"
UI_NAME = "PointCloudSemanticSegmentation"
#: The public (Mechanical Turk) work team lives under this path; 3D point clouds refuse it.
MTURK_WORKTEAM_PATH = "workteam/public-crowd/"


def is_supported(region: str) -> bool:
    """True when `region` offers 3D point cloud semantic segmentation jobs."""
    return region in LAMBDA_ACCOUNTS


def ui_arn(region: str) -> str:
    """The worker task UI ARN for semantic segmentation in `region`."""
    return f"arn:aws:sagemaker:{region}:{UI_ACCOUNT}:human-task-ui/{UI_NAME}"


def pre_lambda_arn(region: str) -> str:
    """The pre-annotation Lambda ARN in `region` (KeyError if unsupported)."""
    return f"arn:aws:lambda:{region}:{LAMBDA_ACCOUNTS[region]}:function:PRE-{TASK_TYPE}"


def acs_lambda_arn(region: str) -> str:
    """The annotation consolidation Lambda ARN in `region` (KeyError if unsupported)."""
    return f"arn:aws:lambda:{region}:{LAMBDA_ACCOUNTS[region]}:function:ACS-{TASK_TYPE}"


def region_of_arn(arn: str) -> str | None:
    """The region field of an ARN, or None if `arn` is not an ARN."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" else None
