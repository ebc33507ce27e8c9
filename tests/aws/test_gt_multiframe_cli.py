"""``denselabel gt`` with a 3-frame job: export (--frame-points), dry run, submit, status,
fetch (--full), against moto over HTTP and the Stubber; the labels come back stitched."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli import main
from core.groundtruth.frames import split_frames
from core.groundtruth.record import load_record
from tests.aws.gt_helpers import (
    NAMES,
    OVERLAP,
    ROLE_ARN,
    WORKTEAM_ARN,
    color_map_for,
    describe_answer,
    expected_stitch,
    three_frame_scene,
    write_frames_output,
)


@pytest.fixture(scope="module")
def files(tmp_path_factory, scene):
    """The scene's sample as sample.npy (x, y, z, r, g, b) and its map.npy."""
    folder = tmp_path_factory.mktemp("frames_cli")
    _, sample, index_map, _, _, _ = scene
    assert sample.rgb is not None
    np.save(folder / "sample.npy", np.column_stack([sample.xyz, sample.rgb]).astype(np.float64))
    np.save(folder / "map.npy", index_map)
    return folder


@pytest.fixture(scope="module")
def scene():
    return three_frame_scene()


def aws(bucket: str, moto_server: str | None = None) -> list[str]:
    args = ["--region", "us-east-1", "--bucket", bucket, "--role-arn", ROLE_ARN]
    args += ["--workteam-arn", WORKTEAM_ARN]
    return args + (["--endpoint-url", moto_server] if moto_server else [])


def frame_args(limit: int) -> list[str]:
    return ["--frame-points", str(limit), "--frame-overlap", str(OVERLAP)]


def test_cli_three_frame_export_submit_status_fetch(
    files, scene, tmp_path, bucket, s3_client, moto_server, stubbed_connect, capsys
):
    _, sample, index_map, limit, _, painted = scene
    out_dir = tmp_path / "export"
    out_dir.mkdir()
    classes = [arg for name in NAMES for arg in ("--class", name)]
    code = main(
        ["gt", "export", str(files / "sample.npy"), "-o", str(out_dir), "--map"]
        + [str(files / "map.npy"), *classes, *frame_args(limit)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    record_path = out.strip()
    assert record_path == str(out_dir / "frame.gt.json")
    assert f"{len(sample):,} sample points in 3 frames" in err
    rec = load_record(record_path)
    # The sample read back from .npy is the same cloud: the same three frames.
    frames = split_frames(sample.xyz, limit, OVERLAP)
    assert rec.frame_point_counts() == [len(f.rows) for f in frames]

    stub = stubbed_connect
    stub.add_response(
        "create_labeling_job",
        {"LabelingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/cli-frames"},
    )
    job = ["--job-name", "cli-frames"]
    assert main(["gt", "submit", record_path, *aws(bucket, moto_server), *job]) == 0
    assert "submitted cli-frames" in capsys.readouterr().out
    rec = load_record(record_path)
    manifest = s3_client.get_object(Bucket=bucket, Key=rec.manifest_key)["Body"].read()
    assert len(manifest.decode().splitlines()) == 3
    keys = {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert set(rec.frame_keys()) <= keys

    uri = write_frames_output(s3_client, rec, painted, color_map_for(NAMES))
    done = describe_answer("cli-frames", "Completed", LabelingJobOutput={"OutputDatasetS3Uri": uri})
    stub.add_response("describe_labeling_job", done)
    assert main(["gt", "status", record_path, "--json", "--endpoint-url", moto_server]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "Completed"
    stub.add_response("describe_labeling_job", done)
    labels, full = tmp_path / "labels.npy", tmp_path / "full.npy"
    code = main(
        ["gt", "fetch", record_path, "-o", str(labels), "--full", str(full)]
        + ["--endpoint-url", moto_server]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "labels of 3 frames stitched in sample order" in err
    expected = expected_stitch(sample, frames, painted)
    np.testing.assert_array_equal(np.load(labels), expected)
    np.testing.assert_array_equal(np.load(full), expected[index_map])
    stub.assert_no_pending_responses()


def test_cli_dry_run_of_a_sample_plans_the_frames_and_writes_nothing(
    files, scene, sagemaker_stub, capsys
):
    _, _, _, limit, _, _ = scene
    code = main(
        ["gt", "submit", str(files / "sample.npy"), *aws("my-gt-bucket"), "--job-name", "dry"]
        + ["--class", "floor", *frame_args(limit), "--dry-run"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "in 3 frames" in err
    request = json.loads(out)
    assert request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"].endswith(
        "/dataset.manifest"
    )
    assert not (files / "sample_gt").exists()


@pytest.mark.parametrize(("option", "value"), [("--frame-points", "0"), ("--frame-overlap", "-1")])
def test_bad_frame_options_exit_2(files, tmp_path, capsys, option, value):
    code = main(["gt", "export", str(files / "sample.npy"), "-o", str(tmp_path), option, value])
    assert code == 2
    assert option in capsys.readouterr().err
