"""AWS fixtures: a real moto S3 server (HTTP, in a thread) on 127.0.0.1 and a
Stubber-wrapped SageMaker client.

moto serves S3 over real HTTP; it has no labeling-job calls, so SageMaker goes through
`botocore.stub.Stubber`, which checks every request against the real service model.
Credentials are fake and come from the environment only (no profile is ever read).
"""

from __future__ import annotations

import time
import urllib.request
import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from core.groundtruth.flow import AwsTarget, Clients

REGION = "us-east-1"
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
ONE_TRY = Config(retries={"max_attempts": 1, "mode": "standard"})


def _wait_until_up(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not answer on {url} within {seconds} s")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """URL of a moto server on 127.0.0.1 (real HTTP), started once per test session.

    Port 0 lets the system choose a free port while binding it: picking a free port
    first and starting a server on it later races with anything else taking that port.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        _wait_until_up(url)
        yield url
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    """Fake credentials via the environment; no real AWS config or profile is read."""
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))


@pytest.fixture(scope="session")
def boto_session() -> boto3.Session:
    """Fake credentials given explicitly; made once because clients are slow to build."""
    return boto3.Session(
        aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=FAKE_ENV["AWS_SESSION_TOKEN"],
        region_name=REGION,
    )


@pytest.fixture(scope="session")
def s3_client(boto_session: boto3.Session, moto_server: str):
    """An S3 client talking HTTP to the moto server, one try per call."""
    return boto_session.client("s3", endpoint_url=moto_server, config=ONE_TRY)


@pytest.fixture
def bucket(s3_client) -> str:
    """A fresh empty bucket in us-east-1 on the moto server."""
    name = f"denselabel-groundtruth-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def _sagemaker_client(boto_session: boto3.Session):
    return boto_session.client("sagemaker", config=ONE_TRY)


@pytest.fixture
def sagemaker_stub(_sagemaker_client) -> Iterator[tuple[object, Stubber]]:
    """(SageMaker client, its active Stubber): script answers with add_response/add_client_error."""
    with Stubber(_sagemaker_client) as stubber:
        yield _sagemaker_client, stubber


@pytest.fixture
def gt_clients(s3_client, sagemaker_stub) -> Clients:
    """`flow.Clients` with S3 on moto and the stubbed SageMaker client."""
    return Clients(s3=s3_client, sagemaker=sagemaker_stub[0])


@pytest.fixture
def aws_target(moto_server: str) -> AwsTarget:
    """An `AwsTarget` pointing S3 at the moto server (SageMaker needs the stub)."""
    return AwsTarget(region=REGION, endpoint_url=moto_server, max_attempts=1)


@pytest.fixture
def stubbed_connect(monkeypatch, sagemaker_stub):
    """flow.connect with the real S3 client (from --endpoint-url) and the stubbed SageMaker one."""
    from core.groundtruth import flow

    real = flow.connect

    def connect(target):
        assert target.endpoint_url, "the CLI must pass --endpoint-url through"
        return flow.Clients(s3=real(target).s3, sagemaker=sagemaker_stub[0])

    monkeypatch.setattr(flow, "connect", connect)
    return sagemaker_stub[1]
