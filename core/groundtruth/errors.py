"""AWS failures turned into one sentence that says what to do.

Everything here subclasses `core.errors.InputError`, so the CLI prints it as
``denselabel: error: ...`` (exit 2) and the GUI shows it in a dialog, never a traceback.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from core.errors import InputError


class AwsError(InputError):
    """An AWS call failed; the message says what to do. `code` is AWS's error code or None."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class JobFailed(AwsError):
    """The labeling job ended as Failed; `reason` is its FailureReason."""

    def __init__(self, job_name: str, reason: str | None):
        self.reason = reason or "no reason given"
        super().__init__(
            f"the labeling job {job_name} failed: {self.reason}; fix the cause and submit a new "
            "job with another name.",
            code="Failed",
        )


class ValidationFailed(InputError):
    """The request would be refused; `problems` lists every problem, one sentence each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(
            f"the labeling job was not submitted ({count}; nothing was uploaded): "
            + " ".join(problems)
        )


_ACCESS = {"AccessDenied", "AccessDeniedException", "403", "Forbidden", "AllAccessDisabled"}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_BAD_KEYS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "InvalidToken",
}
_THROTTLE = {
    "Throttling",
    "ThrottlingException",
    "SlowDown",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
}
_NOT_FOUND = {"ResourceNotFound", "NoSuchBucket", "NoSuchKey", "404", "NotFound"}


def explain_code(code: str, message: str, action: str) -> str:
    """The sentence for an AWS error `code` with AWS's `message`, while doing `action`."""
    detail = f" ({message})" if message else ""
    if code in _ACCESS:
        return (
            f"AWS denied access while trying to {action}{detail}; give your IAM user or role "
            "the SageMaker and S3 permissions listed in the README, or choose another profile."
        )
    if code in _EXPIRED:
        return (
            f"your AWS session token has expired while trying to {action}; sign in again "
            "(e.g. 'aws sso login') and retry."
        )
    if code in _BAD_KEYS:
        return (
            f"AWS did not recognise your credentials while trying to {action}{detail}; check the "
            "access key of the profile you chose."
        )
    if code in _THROTTLE:
        return f"AWS is throttling requests while trying to {action}; wait a minute and retry."
    if code in _NOT_FOUND:
        return (
            f"AWS could not find what was asked for while trying to {action}{detail}; check the "
            "job name, bucket, key and region."
        )
    if code == "ResourceInUse":
        return (
            f"the name is already in use while trying to {action}{detail}; labeling job names are "
            "unique per account and region (case-insensitive), so choose another job name."
        )
    if code == "ResourceLimitExceeded":
        return (
            f"an AWS limit was reached while trying to {action}{detail}; wait for running jobs to "
            "finish or ask AWS Support for a higher quota."
        )
    if code in ("ValidationException", "ValidationError", "InvalidRequest"):
        return f"AWS rejected the request while trying to {action}{detail}; fix that and retry."
    return f"AWS error {code} while trying to {action}{detail}; check the settings and retry."


def explain(exc: BaseException, action: str) -> AwsError:
    """An `AwsError` for any botocore/boto3 failure `exc` raised while doing `action`."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.ClientError):
        err = exc.response.get("Error", {})
        code = str(
            err.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        )
        return AwsError(explain_code(code, str(err.get("Message") or ""), action), code)
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return AwsError(
            f"no AWS credentials were found to {action}; run 'aws configure' or 'aws sso login', "
            "or choose a profile that has credentials.",
            "NoCredentials",
        )
    if isinstance(exc, bce.ParamValidationError):
        return AwsError(
            f"botocore refused the request before sending it, while trying to {action} "
            f"({' '.join(str(exc).split())}); fix the settings named there.",
            "ParamValidation",
        )
    if isinstance(exc, bce.ProfileNotFound):
        return AwsError(f"{exc}; choose a profile from your AWS config.", "ProfileNotFound")
    if isinstance(exc, bce.NoRegionError):
        return AwsError("no AWS region was given; choose a region.", "NoRegion")
    sso = (bce.SSOTokenLoadError, bce.UnauthorizedSSOTokenError, bce.TokenRetrievalError)
    if isinstance(exc, sso):
        return AwsError(
            f"your AWS SSO session is missing or expired, so could not {action}; run "
            "'aws sso login' with this profile and retry.",
            "ExpiredToken",
        )
    if isinstance(exc, bce.EndpointConnectionError | bce.ConnectionError | bce.HTTPClientError):
        return AwsError(
            f"could not reach AWS to {action} ({exc}); check the network connection, proxy and "
            "region, then retry.",
            "NetworkError",
        )
    return _from_text(str(exc), action)


def _from_text(text: str, action: str) -> AwsError:
    # boto3's S3UploadFailedError only keeps the ClientError as text: recover its code.
    match = re.search(r"An error occurred \((\w+)\)[^:]*: ?(.*)", text)
    if match:
        code = match.group(1)
        return AwsError(explain_code(code, match.group(2).strip(), action), code)
    return AwsError(f"AWS call failed while trying to {action} ({text}); retry.", None)


def _aws_exception_types() -> tuple[type[BaseException], ...]:
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError, Boto3Error)


@contextlib.contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn any boto3/botocore failure inside the block into an `AwsError` about `action`."""
    try:
        yield
    except _aws_exception_types() as exc:
        raise explain(exc, action) from exc
