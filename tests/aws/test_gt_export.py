"""The exported frame, manifest line, label config and job record, checked byte for byte."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.classes import LabelClass, make_classes
from core.cloud import PointCloud
from core.errors import InputError
from core.groundtruth import export, labelconfig
from core.groundtruth.record import load_record, save_record

CLASSES = make_classes(["Floor", "Wall", "Furniture", "Plant"])


def small_cloud(offset=(0.0, 0.0, 0.0)) -> PointCloud:
    xyz = np.array([[0.0, 0.0, 0.0], [2.0, 4.0, 1.0], [1.0, 1.0, 3.0]])
    rgb = np.array([[255, 0, 0], [0, 128, 0], [1, 2, 3]], dtype=np.uint8)
    return PointCloud(xyz=xyz, rgb=rgb, offset=np.array(offset))


def test_binary_frame_is_24_byte_little_endian_float32_records(tmp_path):
    cloud = small_cloud()
    rec = export.export_frame(cloud, tmp_path, CLASSES)
    data = (tmp_path / "frame.bin").read_bytes()
    assert len(data) == 24 * 3
    records = np.frombuffer(data, dtype="<f4").reshape(3, 6)
    centre = np.array([1.0, 2.0, 1.5])  # centre of the bounding box
    np.testing.assert_array_equal(records[:, :3], (cloud.xyz - centre).astype("<f4"))
    assert cloud.rgb is not None
    np.testing.assert_array_equal(records[:, 3:], cloud.rgb.astype("<f4"))
    # First record exactly: x, y, z, r, g, b as little-endian float32.
    assert data[:24] == np.array([-1.0, -2.0, -1.5, 255.0, 0.0, 0.0], "<f4").tobytes()
    assert rec.offset == pytest.approx(centre.tolist())
    assert rec.n_points == 3 and rec.frame_format == "binary/xyzrgb"


def test_recentring_keeps_millimetres_of_georeferenced_coordinates(tmp_path):
    # UTM-like coordinates: float32 alone would lose decimetres.
    far = np.array([512_345.0, 5_432_100.0, 250.0])
    cloud = PointCloud(
        xyz=np.array([[0.0, 0.0, 0.0], [30.0, 20.0, 5.0], [12.345, 6.789, 1.234]]), offset=far
    )
    rec = export.export_frame(cloud, tmp_path, CLASSES, origin="minimum")
    records = np.frombuffer((tmp_path / "frame.bin").read_bytes(), "<f4").reshape(-1, 6)
    restored = records[:, :3].astype(np.float64) + np.array(rec.offset)
    np.testing.assert_allclose(restored, cloud.xyz + far, atol=0.001)
    np.testing.assert_array_equal(rec.offset, far)  # minimum corner is (0, 0, 0) here
    np.testing.assert_array_equal(records[:, 3:], 128.0)  # no colour: mid grey


@pytest.mark.parametrize(
    ("fmt", "first_line"),
    [("text/xyz", "-1.0000 -2.0000 -1.5000"), ("text/xyzrgb", "-1.0000 -2.0000 -1.5000 255 0 0")],
)
def test_text_frames_hold_one_point_a_line(tmp_path, fmt, first_line):
    rec = export.export_frame(small_cloud(), tmp_path, CLASSES, fmt=fmt)
    lines = (tmp_path / "frame.txt").read_text().splitlines()
    assert rec.frame_path == "frame.txt"
    assert len(lines) == 3 and lines[0] == first_line


def test_manifest_line_has_source_ref_format_and_timestamp():
    line = export.manifest_line("s3://b/p/frame.bin", "binary/xyzrgb", 1566861644.759115)
    assert line.endswith("\n") and line.count("\n") == 1
    entry = json.loads(line)
    assert entry == {
        "source-ref": "s3://b/p/frame.bin",
        "source-ref-metadata": {"format": "binary/xyzrgb", "unix-timestamp": 1566861644.759115},
    }


def test_label_config_file_keys(tmp_path):
    rec = export.export_frame(small_cloud(), tmp_path, CLASSES, short_instruction="Paint it.")
    config = json.loads((tmp_path / rec.label_config_path).read_text())
    assert set(config) == {"document-version", "labels", "instructions"}
    assert config["document-version"] == "2020-03-01"
    assert config["labels"] == [{"label": n} for n in ("Floor", "Wall", "Furniture", "Plant")]
    assert set(config["instructions"]) == {"shortInstruction", "fullInstruction"}
    assert config["instructions"]["shortInstruction"] == "Paint it."


def test_record_round_trip_and_no_secrets(tmp_path):
    index_map = np.array([0, 0, 1, 2, 2], dtype=np.int32)
    rec = export.export_frame(small_cloud(), tmp_path, CLASSES, index_map=index_map)
    assert rec.path == str(tmp_path / "frame.gt.json")
    np.testing.assert_array_equal(np.load(tmp_path / "frame.index_map.npy"), index_map)
    text = (tmp_path / "frame.gt.json").read_text()
    for secret in ("aws_access_key_id", "SecretAccessKey", "SessionToken", "password"):
        assert secret.lower() not in text.lower()
    again = load_record(tmp_path / "frame.gt.json")
    assert again == rec
    assert again.label_classes() == CLASSES
    rec.job_name = "job-1"
    save_record(rec)
    assert load_record(rec.path).job_name == "job-1"


def test_default_classes_come_from_resources():
    names = [c.name for c in labelconfig.load_default_classes()]
    assert names[:2] == ["Floor", "Wall"] and 1 <= len(names) <= 30


@pytest.mark.parametrize(
    ("classes", "short", "full", "expected"),
    [
        ([], None, None, "1 to 30 classes"),
        (make_classes([f"c{i}" for i in range(31)]), None, None, "1 to 30 classes"),
        (make_classes(["a" * 17]), None, None, "17 characters"),
        (make_classes(["Wall", "Wall"]), None, None, "more than once"),
        ([LabelClass(1, "a", (0, 0, 0)), LabelClass(1, "b", (0, 0, 0))], None, None, "id 1"),
        ([LabelClass(255, "a", (0, 0, 0))], None, None, "means unlabeled"),
        (make_classes([" "]), None, None, "empty name"),
        (CLASSES, "x" * 255, None, "short instruction"),
        (CLASSES, None, "x" * 2048, "full instruction"),
    ],
)
def test_class_list_rules(tmp_path, classes, short, full, expected):
    problems = labelconfig.check_classes(classes, short, full)
    assert len(problems) >= 1 and expected in problems[0]
    with pytest.raises(InputError, match=expected):
        export.export_frame(
            small_cloud(), tmp_path, classes, short_instruction=short, full_instruction=full
        )
    assert not (tmp_path / "frame.bin").exists()  # nothing written


def test_limits_are_inclusive_at_the_edge():
    assert (
        labelconfig.check_classes(
            make_classes(["a" * 16] + [f"c{i}" for i in range(29)]), "x" * 254, "x" * 2047
        )
        == []
    )


def test_label_config_file_is_read_back(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(labelconfig.label_config(CLASSES, "s", "f")))
    classes, short, full = labelconfig.read_label_config(path)
    assert [c.name for c in classes] == [c.name for c in CLASSES] and (short, full) == ("s", "f")
    path.write_text("{}")
    with pytest.raises(InputError, match="label config"):
        labelconfig.read_label_config(path)


def test_bad_records_are_refused_in_a_sentence(tmp_path):
    bad = tmp_path / "x.gt.json"
    bad.write_text("[1, 2]")
    with pytest.raises(InputError, match="not a Ground Truth job record"):
        load_record(bad)
    bad.write_text('{"frame_path": "f.bin"}')
    with pytest.raises(InputError, match="lacks frame_format"):
        load_record(bad)


def test_empty_cloud_and_unknown_format_are_refused(tmp_path):
    with pytest.raises(InputError, match="no points"):
        export.export_frame(PointCloud(xyz=np.zeros((0, 3))), tmp_path, CLASSES)
    with pytest.raises(InputError, match="unknown frame format"):
        export.export_frame(small_cloud(), tmp_path, CLASSES, fmt="binary/xyzi")
