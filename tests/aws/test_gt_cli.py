"""``denselabel gt``: export, dry run (accepted by the Stubber), submit, status, stop, fetch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli import main
from core.downsample import voxel_mean
from core.groundtruth import s3
from core.groundtruth.record import load_record, save_record
from core.scene import make_scene
from tests.aws.gt_helpers import (
    ROLE_ARN,
    WORKTEAM_ARN,
    color_map_for,
    describe_answer,
    write_worker_output,
)


@pytest.fixture(scope="module")
def scene_files(tmp_path_factory):
    """The sample scene, downsampled: sample.npy (x,y,z,r,g,b) and map.npy."""
    folder = tmp_path_factory.mktemp("scene")
    full = make_scene(30_000, seed=1)
    down = voxel_mean(full, 0.1)
    sample = down.sample
    assert sample.rgb is not None
    np.save(folder / "sample.npy", np.column_stack([sample.xyz, sample.rgb]).astype(np.float64))
    np.save(folder / "map.npy", down.index_map)
    return folder, len(sample), full


def aws_args(bucket: str) -> list[str]:
    return [
        "--region",
        "us-east-1",
        "--bucket",
        bucket,
        "--role-arn",
        ROLE_ARN,
        "--workteam-arn",
        WORKTEAM_ARN,
    ]


def test_dry_run_prints_a_request_the_stubber_accepts(scene_files, sagemaker_stub, capsys):
    folder, n_sample, _ = scene_files
    code = main(
        [
            "gt",
            "submit",
            str(folder / "sample.npy"),
            *aws_args("my-gt-bucket"),
            "--job-name",
            "scene-dry-run",
            "--class",
            "floor",
            "--class",
            "wall",
            "--dry-run",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    request = json.loads(out)
    assert request["LabelingJobName"] == "scene-dry-run"
    assert "bucket's region was not checked" in err
    assert not (folder / "sample_gt").exists()  # a dry run writes nothing
    sm, stub = sagemaker_stub
    arn = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/scene-dry-run"
    stub.add_response("create_labeling_job", {"LabelingJobArn": arn}, request)
    assert sm.create_labeling_job(**request)["LabelingJobArn"] == arn
    stub.assert_no_pending_responses()


def test_dry_run_lists_every_problem_and_exits_1(scene_files, capsys):
    folder, _, _ = scene_files
    code = main(
        [
            "gt",
            "submit",
            str(folder / "sample.npy"),
            "--region",
            "us-west-1",
            "--bucket",
            "Bad_Bucket",
            "--role-arn",
            ROLE_ARN,
            "--workteam-arn",
            WORKTEAM_ARN,
            "--job-name",
            "bad_name",
            "--keyword",
            "point-cloud",
            "--dry-run",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert json.loads(out)["LabelingJobName"] == "bad_name"
    problems = [ln for ln in err.splitlines() if ln.startswith("denselabel: problem: ")]
    assert len(problems) >= 5
    assert any("us-west-1" in p for p in problems) and any("Bad_Bucket" in p for p in problems)


def test_bad_input_is_one_sentence_with_exit_2(tmp_path, capsys):
    assert main(["gt", "status", str(tmp_path / "none.gt.json")]) == 2
    assert capsys.readouterr().err.startswith("denselabel: error: ")
    assert main(["gt", "export", str(tmp_path / "none.npy"), "-o", str(tmp_path)]) == 2
    record = tmp_path / "r.gt.json"
    record.write_text("{}")
    assert main(["gt", "fetch", str(record), "-o", str(tmp_path / "l.npy")]) == 2
    assert "not a Ground Truth job record" in capsys.readouterr().err


def test_cli_flow_export_submit_status_stop_fetch(
    scene_files, tmp_path, bucket, s3_client, moto_server, stubbed_connect, capsys
):
    folder, n_sample, full = scene_files
    out_dir = tmp_path / "export"
    out_dir.mkdir()
    assert (
        main(
            [
                "gt",
                "export",
                str(folder / "sample.npy"),
                "-o",
                str(out_dir),
                "--map",
                str(folder / "map.npy"),
                "--class",
                "floor",
                "--class",
                "wall",
                "--class",
                "furniture",
                "--class",
                "plant",
            ]
        )
        == 0
    )
    record_path = capsys.readouterr().out.strip()
    assert record_path == str(out_dir / "frame.gt.json")

    stub = stubbed_connect
    arn = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/scene-cli"
    stub.add_response("create_labeling_job", {"LabelingJobArn": arn})
    endpoint = ["--endpoint-url", moto_server]
    assert (
        main(
            [
                "gt",
                "submit",
                record_path,
                *aws_args(bucket),
                "--job-name",
                "scene-cli",
                "--fix-cors",
                *endpoint,
            ]
        )
        == 0
    )
    assert "submitted scene-cli" in capsys.readouterr().out
    rec = load_record(record_path)
    assert rec.job_arn == arn and rec.bucket == bucket
    assert s3_client.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == ["*"]

    stub.add_response("describe_labeling_job", describe_answer("scene-cli", "InProgress"))
    assert main(["gt", "status", record_path, *endpoint]) == 0
    assert "scene-cli: InProgress, 0 of 1 frames labeled" in capsys.readouterr().out
    stub.add_response("stop_labeling_job", {}, {"LabelingJobName": "scene-cli"})
    assert main(["gt", "stop", record_path, *endpoint]) == 0
    capsys.readouterr()

    gt = np.random.default_rng(0).integers(0, 4, n_sample).astype(np.uint8)
    names = ["floor", "wall", "furniture", "plant"]
    uri = write_worker_output(s3_client, rec, gt, color_map_for(names))
    done = describe_answer("scene-cli", "Stopped", LabelingJobOutput={"OutputDatasetS3Uri": uri})
    stub.add_response("describe_labeling_job", done)
    assert main(["gt", "status", record_path, "--json", "--watch", *endpoint]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "Stopped"
    stub.add_response("describe_labeling_job", done)
    labels_path, full_path = tmp_path / "labels.npy", tmp_path / "full.npy"
    assert (
        main(
            [
                "gt",
                "fetch",
                record_path,
                "-o",
                str(labels_path),
                "--full",
                str(full_path),
                *endpoint,
            ]
        )
        == 0
    )
    np.testing.assert_array_equal(np.load(labels_path), gt)
    np.testing.assert_array_equal(np.load(full_path), gt[np.load(folder / "map.npy")])
    stub.assert_no_pending_responses()


def test_jobs_and_workteams_list(stubbed_connect, moto_server, capsys):
    stub = stubbed_connect
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": []})
    assert main(["gt", "jobs", "--region", "us-east-1", "--endpoint-url", moto_server]) == 0
    stub.add_response("list_workteams", {"Workteams": []})
    assert main(["gt", "workteams", "--region", "us-east-1", "--endpoint-url", moto_server]) == 0
    stub.assert_no_pending_responses()


def test_submit_refuses_before_uploading(
    scene_files, tmp_path, bucket, s3_client, moto_server, stubbed_connect, capsys
):
    folder, _, _ = scene_files
    code = main(
        [
            "gt",
            "submit",
            str(folder / "sample.npy"),
            "-o",
            str(tmp_path / "x"),
            *aws_args(bucket),
            "--job-name",
            "bad_name",
            "--endpoint-url",
            moto_server,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "nothing was uploaded" in err and "job name 'bad_name'" in err
    assert s3_client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert s3.read_cors(s3_client, bucket) == []  # CORS untouched too


def test_export_with_a_label_config_and_text_format(scene_files, tmp_path, capsys):
    folder, n_sample, _ = scene_files
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "labels": [{"label": "Ground"}, {"label": "Tree"}],
                "instructions": {"shortInstruction": "Paint trees."},
            }
        )
    )
    out = tmp_path / "out"
    out.mkdir()
    assert (
        main(
            [
                "gt",
                "export",
                str(folder / "sample.npy"),
                "-o",
                str(out),
                "--label-config",
                str(config),
                "--format",
                "text/xyzrgb",
            ]
        )
        == 0
    )
    rec = load_record(capsys.readouterr().out.strip())
    assert [c["name"] for c in rec.classes] == ["Ground", "Tree"]
    assert len((out / "frame.txt").read_text().splitlines()) == n_sample == rec.n_points
    written = json.loads((out / rec.label_config_path).read_text())
    assert written["instructions"]["shortInstruction"] == "Paint trees."
    rec.job_name, rec.job_arn = "j", "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/j"
    save_record(rec)
    assert (
        main(
            [
                "gt",
                "fetch",
                str(rec.path),
                "-o",
                str(tmp_path / "l.npy"),
                "--full",
                str(tmp_path / "f.npy"),
                "--region",
                "us-east-1",
            ]
        )
        == 2
    )
    assert "no index map" in capsys.readouterr().err
