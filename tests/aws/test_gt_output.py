"""Decoding Ground Truth's output: zlib labels through the line's color-map, and fetch errors."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from core.classes import LabelClass, make_classes
from core.cloud import PointCloud
from core.errors import InputError
from core.groundtruth import export, flow, output
from core.groundtruth.errors import AwsError, JobFailed
from core.groundtruth.request import apply_settings
from tests.aws.gt_helpers import color_map_for, describe_answer, settings, write_worker_output

CLASSES = make_classes(["Floor", "Wall", "Plant"])


def test_decode_maps_unknown_indices_and_255_to_unlabeled():
    data = zlib.compress(bytes([0, 1, 2, 7, 255, 1]))
    labels = output.decode_label_bytes(data, color_map_for(["Floor", "Wall", "Plant"]), 6)
    assert labels.dtype == np.uint8
    assert labels.tolist() == [0, 1, 2, 255, 255, 1]
    raw = output.decode_label_bytes(data, None, None)
    assert raw.tolist() == [0, 1, 2, 7, 255, 1]


def test_decode_checks_the_point_count_and_the_compression(tmp_path):
    with pytest.raises(InputError, match="has 3 labels but the frame has 4 points"):
        output.decode_label_bytes(zlib.compress(bytes(3)), None, 4, path="x.zlib")
    with pytest.raises(InputError, match="not a zlib-compressed"):
        output.decode_label_bytes(b"not zlib", None, None)


def test_indices_map_through_color_map_names_not_list_order():
    # Ground Truth numbered the classes differently from our list: trust the names.
    color_map = {
        "0": {"class-name": "plant"},
        "1": {"class-name": "Floor"},
        "2": {"class-name": "Roof"},
    }
    classes = [LabelClass(10, "Floor", (0, 0, 0)), LabelClass(12, "Plant", (0, 0, 0))]
    labels, unmatched = output.gt_to_class_ids(
        np.array([0, 1, 2, 255], np.uint8), color_map, classes
    )
    assert labels.tolist() == [12, 10, 255, 255]
    assert unmatched == ["Roof"]
    by_order, _ = output.gt_to_class_ids(np.array([0, 1], np.uint8), None, classes)
    assert by_order.tolist() == [10, 12]


def test_large_class_ids_keep_uint16():
    classes = [LabelClass(300, "Floor", (0, 0, 0))]
    labels, _ = output.gt_to_class_ids(np.array([0, 255], np.uint8), None, classes)
    assert labels.dtype == np.uint16 and labels.tolist() == [300, 255]


def test_manifest_parsing_and_line_choice():
    text = '{"source-ref": "s3://b/a.bin", "x-ref": "s3://b/a.zlib"}\n\n{"source-ref": "s3://b/b.bin"}\n'
    lines = output.parse_manifest(text)
    assert output.pick_line(lines, "s3://b/b.bin") == {"source-ref": "s3://b/b.bin"}
    with pytest.raises(InputError, match="no line for s3://b/c.bin"):
        output.pick_line(lines, "s3://b/c.bin")
    with pytest.raises(InputError, match="line 2"):
        output.parse_manifest('{"a": 1}\nnot json\n', "out.manifest")
    assert output.label_reference(lines[0], None) == ("s3://b/a.zlib", None)


def test_a_frame_without_labels_reports_the_failure_reason():
    entry = {"source-ref": "s3://b/a.bin", "job-ref-metadata": {"failure-reason": "timed out"}}
    with pytest.raises(InputError, match="no labels for this frame \\(timed out\\)"):
        output.label_reference(entry, "job-ref")


@pytest.fixture
def submitted(tmp_path, bucket):
    cloud = PointCloud(xyz=np.random.default_rng(0).random((20, 3)))
    rec = export.export_frame(cloud, tmp_path, CLASSES)
    apply_settings(rec, settings(bucket))
    rec.job_arn = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/room-labels-1"
    return rec


def test_fetch_uses_the_conventional_output_path(submitted, gt_clients, sagemaker_stub):
    gt = np.arange(20, dtype=np.uint8) % 3
    write_worker_output(gt_clients.s3, submitted, gt, color_map_for(["Floor", "Wall", "Plant"]))
    sagemaker_stub[1].add_response(
        "describe_labeling_job", describe_answer("room-labels-1", "Completed")
    )
    fetched = flow.fetch_labels(submitted, gt_clients)
    assert fetched.labels_sample.tolist() == gt.tolist()
    assert fetched.labels_full is None and fetched.n_unlabeled == 0
    assert fetched.output_manifest_uri.endswith("/room-labels-1/manifests/output/output.manifest")


def test_fetch_refuses_a_wrong_label_count(submitted, gt_clients, sagemaker_stub):
    write_worker_output(gt_clients.s3, submitted, np.zeros(19, np.uint8), color_map_for(["Floor"]))
    sagemaker_stub[1].add_response(
        "describe_labeling_job", describe_answer("room-labels-1", "Completed")
    )
    with pytest.raises(InputError, match="19 labels but the frame has 20 points"):
        flow.fetch_labels(submitted, gt_clients)


def test_fetch_before_completion_and_after_failure(submitted, gt_clients, sagemaker_stub):
    stub = sagemaker_stub[1]
    stub.add_response("describe_labeling_job", describe_answer("room-labels-1", "InProgress"))
    with pytest.raises(AwsError, match="is InProgress; wait until it is Completed"):
        flow.fetch_labels(submitted, gt_clients)
    failed = describe_answer("room-labels-1", "Failed", FailureReason="bad manifest")
    stub.add_response("describe_labeling_job", failed)
    with pytest.raises(JobFailed, match="bad manifest"):
        flow.fetch_labels(submitted, gt_clients)


def test_fetch_of_a_missing_output_is_a_sentence(submitted, gt_clients, sagemaker_stub):
    sagemaker_stub[1].add_response(
        "describe_labeling_job", describe_answer("room-labels-1", "Completed")
    )
    with pytest.raises(AwsError, match="could not find"):
        flow.fetch_labels(submitted, gt_clients)


def test_fetch_needs_a_submitted_record(tmp_path, gt_clients):
    rec = export.export_frame(PointCloud(xyz=np.zeros((2, 3))), tmp_path, CLASSES)
    with pytest.raises(InputError, match="never submitted"):
        flow.fetch_labels(rec, gt_clients)


def test_output_manifest_line_layout(submitted, s3_client):
    uri = write_worker_output(s3_client, submitted, np.zeros(20, np.uint8), color_map_for(["A"]))
    bucket, key = uri[5:].split("/", 1)
    line = json.loads(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read())
    attr = submitted.label_attribute_name
    assert set(line) == {"source-ref", "source-ref-metadata", attr, f"{attr}-metadata"}
    assert "/annotations/consolidated-annotation/output/0/" in line[attr]
