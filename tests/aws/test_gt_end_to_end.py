"""End to end: scene -> downsample -> export -> upload (moto) -> submit (stub) -> workers ->
fetch -> decode -> carry to every point -> score."""

from __future__ import annotations

import numpy as np

from core.downsample import voxel_mean
from core.groundtruth import export, flow, jobs
from core.groundtruth.record import load_record
from core.metrics import evaluate
from core.scene import SCENE_CLASSES, make_scene
from core.transfer import transfer_labels_map
from tests.aws.gt_helpers import color_map_for, describe_answer, settings, write_worker_output


def majority_label(labels_full: np.ndarray, index_map: np.ndarray, n_sample: int) -> np.ndarray:
    """What a careful worker paints: each sample point gets its voxel's majority class."""
    votes = np.zeros((n_sample, 256), np.int64)
    np.add.at(votes, (index_map, labels_full), 1)
    return votes.argmax(axis=1).astype(np.uint8)


def test_scene_round_trip_through_ground_truth(tmp_path, gt_clients, sagemaker_stub, bucket):
    full = make_scene(60_000, seed=3)
    assert full.labels is not None
    down = voxel_mean(full, 0.08)
    sample, index_map = down.sample, down.index_map
    rec = export.export_frame(
        sample, tmp_path, SCENE_CLASSES, index_map=index_map, sample_path=None
    )
    job = settings(bucket, job_name="room-e2e")
    _, stub = sagemaker_stub
    arn = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/room-e2e"
    expected = flow.prepare(rec, job).request  # the dry-run request is exactly what is sent
    stub.add_response("create_labeling_job", {"LabelingJobArn": arn}, expected)
    rec = flow.submit(rec, job, gt_clients)
    assert rec.job_arn == arn

    # The uploaded frame is the exported one, byte for byte.
    frame = gt_clients.s3.get_object(Bucket=bucket, Key=rec.frame_key)["Body"].read()
    assert frame == (tmp_path / "frame.bin").read_bytes()
    assert len(frame) == 24 * len(sample)

    # Workers label every sample point; Ground Truth indices follow the label config order.
    names = [c.name for c in SCENE_CLASSES]
    truth_sample = majority_label(full.labels, index_map, len(sample))
    manifest_uri = write_worker_output(gt_clients.s3, rec, truth_sample, color_map_for(names))

    stub.add_response("describe_labeling_job", describe_answer("room-e2e", "InProgress"))
    done = describe_answer(
        "room-e2e", "Completed", LabelingJobOutput={"OutputDatasetS3Uri": manifest_uri}
    )
    stub.add_response("describe_labeling_job", done)
    waits: list[float] = []
    status = jobs.wait_for_job(gt_clients.sagemaker, "room-e2e", sleep=waits.append)
    assert status.status == "Completed" and waits == [10.0]

    # Days later: only the record on disk is needed.
    assert rec.path is not None
    again = load_record(rec.path)
    fetched = flow.fetch_labels(again, gt_clients, status=status)
    assert fetched.labels_sample.dtype == np.uint8
    np.testing.assert_array_equal(fetched.labels_sample, truth_sample)
    labels_full = transfer_labels_map(fetched.labels_sample, index_map)
    np.testing.assert_array_equal(fetched.labels_full, labels_full)
    scores = evaluate(labels_full, full.labels)
    assert scores.n_scored == len(full)
    assert scores.accuracy > 0.9
    stub.assert_no_pending_responses()
