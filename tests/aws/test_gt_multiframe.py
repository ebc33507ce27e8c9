"""A 3-frame Ground Truth job, offline: export -> upload (moto) -> submit (Stubber) -> describe
-> workers label each frame -> fetch -> stitched in sample order -> carried to every point.

The workers of neighbouring frames paint the overlap differently (each its own class), so
the test sees which frame's label each overlapping point kept: the frame whose tile
centre is nearest, as documented in core/groundtruth/frames.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cloud import UNLABELED
from core.errors import InputError
from core.groundtruth import export, flow, jobs
from core.groundtruth.record import load_record
from core.scene import SCENE_CLASSES
from tests.aws.gt_helpers import (
    NAMES,
    OVERLAP,
    color_map_for,
    describe_answer,
    expected_stitch,
    settings,
    three_frame_scene,
    write_frames_output,
)


@pytest.fixture(scope="module")
def scene():
    """(full cloud, sample, index map, frame limit making 3 frames, frames, what workers paint)."""
    return three_frame_scene()


def test_three_frame_job_round_trip_through_core(
    tmp_path, scene, gt_clients, sagemaker_stub, bucket
):
    _, sample, index_map, limit, frames, painted = scene
    rec = export.export_frame(
        sample, tmp_path, SCENE_CLASSES, index_map=index_map, frame_points=limit,
        frame_overlap=OVERLAP,
    )  # fmt: skip
    assert rec.n_frames == 3 and rec.n_points == len(sample) and rec.version == 2
    assert rec.frame_files() == ["frame_001.bin", "frame_002.bin", "frame_003.bin"]
    assert (tmp_path / "frame.frames.npz").is_file() and not (tmp_path / "frame.bin").exists()
    shift = np.asarray(rec.offset) - sample.offset
    for k, frame in enumerate(frames):
        data = np.fromfile(tmp_path / rec.frame_files()[k], "<f4").reshape(-1, 6)
        assert len(data) == len(frame.rows) <= limit
        np.testing.assert_allclose(data[:, :3], sample.xyz[frame.rows] - shift, atol=1e-4)

    job = settings(bucket, job_name="room-frames")
    _, stub = sagemaker_stub
    arn = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/room-frames"
    prepared = flow.prepare(rec, job)
    assert prepared.ok, prepared.problems
    stub.add_response("create_labeling_job", {"LabelingJobArn": arn}, prepared.request)
    rec = flow.submit(rec, job, gt_clients)

    # Every frame uploaded byte for byte; the manifest has one line a frame, in order.
    s3 = gt_clients.s3
    for name, key in zip(rec.frame_files(), rec.frame_keys(), strict=True):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert body == (tmp_path / name).read_bytes()
    manifest = s3.get_object(Bucket=bucket, Key=rec.manifest_key)["Body"].read().decode()
    refs = [json.loads(line)["source-ref"] for line in manifest.splitlines()]
    assert refs == [f"s3://{bucket}/{key}" for key in rec.frame_keys()]

    manifest_uri = write_frames_output(s3, rec, painted, color_map_for(NAMES))
    stub.add_response("describe_labeling_job", describe_answer("room-frames", "InProgress"))
    done = describe_answer(
        "room-frames", "Completed", LabelingJobOutput={"OutputDatasetS3Uri": manifest_uri}
    )
    stub.add_response("describe_labeling_job", done)
    status = jobs.wait_for_job(gt_clients.sagemaker, "room-frames", sleep=lambda s: None)
    assert status.status == "Completed"

    assert rec.path is not None
    fetched = flow.fetch_labels(load_record(rec.path), gt_clients, status=status)
    expected = expected_stitch(sample, frames, painted)
    assert fetched.n_frames == 3 and fetched.missing_frames == []
    np.testing.assert_array_equal(fetched.labels_sample, expected)
    np.testing.assert_array_equal(fetched.labels_full, expected[index_map])
    # The overlap really was painted two ways, and both frames' labels survive somewhere.
    in_two = np.flatnonzero(np.bincount(np.concatenate([f.rows for f in frames])) > 1)
    assert len(in_two) > 100
    assert len(np.unique(fetched.labels_sample[in_two])) >= 2
    stub.assert_no_pending_responses()


def _submitted_record(tmp_path, scene, gt_clients, stub, bucket, name="room-parts"):
    _, sample, index_map, limit, _, _ = scene
    rec = export.export_frame(
        sample, tmp_path, SCENE_CLASSES, index_map=index_map, frame_points=limit,
        frame_overlap=OVERLAP,
    )  # fmt: skip
    stub.add_response(
        "create_labeling_job",
        {"LabelingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{name}"},
    )
    return flow.submit(rec, settings(bucket, job_name=name), gt_clients)


def test_a_frame_without_labels_leaves_its_tile_to_the_overlap_else_unlabeled(
    tmp_path, scene, gt_clients, sagemaker_stub, bucket
):
    _, sample, _, _, frames, painted = scene
    _, stub = sagemaker_stub
    rec = _submitted_record(tmp_path, scene, gt_clients, stub, bucket)
    # The job was stopped before frame 1 was painted.
    labeled = {k: painted[k] for k in (1, 2)}
    uri = write_frames_output(gt_clients.s3, rec, labeled, color_map_for(NAMES))
    status = jobs.JobStatus("room-parts", "Stopped", output_manifest_uri=uri)
    fetched = flow.fetch_labels(rec, gt_clients, status=status)
    assert fetched.missing_frames == [1]
    np.testing.assert_array_equal(fetched.labels_sample, expected_stitch(sample, frames, labeled))
    # Frame 1's points that frame 2 also shows got frame 2's overlap paint (class 1); the
    # rest of its tile is unlabeled.
    in_frame_2 = np.zeros(len(sample), bool)
    in_frame_2[frames[1].rows] = True
    only_frame_1 = np.setdiff1d(frames[0].rows, frames[1].rows)
    assert np.all(fetched.labels_sample[only_frame_1] == UNLABELED)
    shared = frames[0].rows[in_frame_2[frames[0].rows]]
    assert len(shared) > 100 and np.all(fetched.labels_sample[shared] == 1)
    assert fetched.n_unlabeled == len(only_frame_1)


def test_another_jobs_manifest_and_a_lost_rows_file_are_one_sentence(
    tmp_path, scene, gt_clients, sagemaker_stub, bucket
):
    _, _, _, _, _, painted = scene
    _, stub = sagemaker_stub
    rec = _submitted_record(tmp_path, scene, gt_clients, stub, bucket)
    other = load_record(str(rec.path))
    other.input_prefix = "elsewhere/input"  # the lines name other frames
    uri = write_frames_output(gt_clients.s3, other, painted, color_map_for(NAMES))
    status = jobs.JobStatus("room-parts", "Completed", output_manifest_uri=uri)
    with pytest.raises(InputError, match="no line for any of the 3 frames"):
        flow.fetch_labels(rec, gt_clients, status=status)

    rows_file = tmp_path / "frame.frames.npz"
    data = dict(np.load(rows_file))
    np.savez(rows_file, rows=data["rows"], counts=data["counts"][::-1], owner=data["owner"])
    with pytest.raises(InputError, match="do not match the job record"):
        flow.fetch_labels(rec, gt_clients, status=status)
    rows_file.unlink()
    # Refused before any AWS call: the Stubber has no answer queued.
    with pytest.raises(InputError, match="frame.frames.npz is missing"):
        flow.fetch_labels(rec, gt_clients)
    stub.assert_no_pending_responses()


def test_validation_warns_when_the_job_stops_before_every_frame(tmp_path, scene):
    _, sample, _, limit, _, _ = scene
    rec = export.plan_export(
        sample, tmp_path, SCENE_CLASSES, frame_points=limit, frame_overlap=OVERLAP
    )
    assert rec.n_frames == 3 and not list(tmp_path.iterdir())  # a plan writes nothing
    prepared = flow.prepare(rec, settings(max_human_labeled_objects=2))
    assert prepared.ok, prepared.problems
    assert any("stops after 2 labeled frames but the sample has 3" in w for w in prepared.warnings)
    big = export.plan_export(sample, tmp_path, SCENE_CLASSES, frame_points=len(sample))
    assert big.n_frames == 1 and big.frames is None  # fits: a single frame, as before
    warned = flow.prepare(big, settings(max_human_labeled_objects=2)).warnings
    assert not any("labeled frames" in w for w in warned)


def test_a_single_frame_record_of_an_older_denselabel_still_loads(tmp_path):
    old = {
        "frame_path": "frame.bin", "frame_format": "binary/xyzrgb", "n_points": 3,
        "offset": [0.0, 0.0, 0.0], "origin": "centre",
        "classes": [{"id": 0, "name": "floor", "color": [1, 2, 3]}],
        "timestamp": 1.5, "created": "2026-11-25T10:00:00", "label_config_path": "c.json",
        "job_name": "j", "bucket": "b", "input_prefix": "p/input/j", "version": 1,
    }  # fmt: skip
    path = tmp_path / "frame.gt.json"
    path.write_text(json.dumps(old))
    rec = load_record(path)
    assert rec.n_frames == 1 and rec.frame_files() == ["frame.bin"]
    assert rec.frame_keys() == ["p/input/j/frame.bin"] and rec.frame_key == "p/input/j/frame.bin"
    assert rec.frame_point_counts() == [3]
    broken = dict(old, frames=[{"path": "a.bin", "n_points": 0, "lo": [0, 0, 0], "hi": [1]}])
    path.write_text(json.dumps(broken))
    with pytest.raises(InputError, match="frames"):
        load_record(path)
    newer = dict(old, version=3)
    path.write_text(json.dumps(newer))
    with pytest.raises(InputError, match="update DenseLabel"):
        load_record(path)


def test_a_lost_frame_is_a_problem_before_anything_is_uploaded(tmp_path, scene, gt_clients, bucket):
    from core.groundtruth.errors import ValidationFailed

    _, sample, index_map, limit, _, _ = scene
    rec = export.export_frame(
        sample, tmp_path, SCENE_CLASSES, frame_points=limit, frame_overlap=OVERLAP
    )
    (tmp_path / "frame_002.bin").unlink()
    job = settings(bucket, job_name="room-lost")
    problems = flow.prepare(load_record(str(rec.path)), job).problems
    assert problems == [
        "the exported file frame_002.bin is missing beside the job record; put it back or "
        "export the sample again."
    ]
    with pytest.raises(ValidationFailed):
        flow.submit(rec, job, gt_clients)
    assert gt_clients.s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_a_frame_line_without_labels_or_with_a_failure_stays_unlabeled(
    tmp_path, scene, gt_clients, sagemaker_stub, bucket
):
    _, sample, _, _, frames, painted = scene
    _, stub = sagemaker_stub
    rec = _submitted_record(tmp_path, scene, gt_clients, stub, bucket, name="room-failed")
    uri = write_frames_output(gt_clients.s3, rec, painted, color_map_for(NAMES))
    bucket_name, _, key = uri[5:].partition("/")
    lines = gt_clients.s3.get_object(Bucket=bucket_name, Key=key)["Body"].read().splitlines()
    entries = [json.loads(line) for line in lines]  # frames 3, 2, 1 (reversed)
    attribute = rec.label_attribute_name
    del entries[0][attribute], entries[0][f"{attribute}-metadata"]  # frame 3: nobody painted it
    entries[1].pop(attribute)
    entries[1][f"{attribute}-metadata"] = {"failure-reason": "ClientError: worker timed out"}
    body = "".join(json.dumps(e) + "\n" for e in entries).encode()
    gt_clients.s3.put_object(Bucket=bucket_name, Key=key, Body=body)
    status = jobs.JobStatus("room-failed", "Stopped", output_manifest_uri=uri)
    fetched = flow.fetch_labels(rec, gt_clients, status=status)
    assert fetched.missing_frames == [2, 3]
    np.testing.assert_array_equal(
        fetched.labels_sample, expected_stitch(sample, frames, {0: painted[0]})
    )
    entries[2][attribute] = 7  # frame 1's reference is not an address: malformed, not missing
    body = "".join(json.dumps(e) + "\n" for e in entries).encode()
    gt_clients.s3.put_object(Bucket=bucket_name, Key=key, Body=body)
    with pytest.raises(InputError, match="not a path or s3:// address"):
        flow.fetch_labels(rec, gt_clients, status=status)
