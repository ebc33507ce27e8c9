"""Labels for the sample from every file a user may hold, checked on the real scans."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from core.classes import LabelClass, read_classes
from core.cloud import UNLABELED
from core.errors import InputError
from core.labels_import import (
    classes_from_color_map,
    classes_from_label_config,
    read_class_list,
    read_sample_labels,
)


@pytest.fixture(scope="module")
def brighton_sample(data_dir):
    """A voxel-nearest sample of the real LAZ: real points with their real classes."""
    from core.downsample import downsample
    from core.io import read_cloud

    cloud = read_cloud(data_dir / "brighton_small.laz")
    return downsample(cloud, "voxel-nearest", voxel_size=0.5).sample


@pytest.mark.parametrize("suffix", [".las", ".ply", ".txt", ".npy"])
def test_labeled_small_cloud_round_trip(brighton_sample, tmp_path, suffix):
    from core.io import write_cloud

    path = tmp_path / f"sample{suffix}"
    write_cloud(brighton_sample, path, labels=brighton_sample.labels)
    imported = read_sample_labels(path, len(brighton_sample))
    np.testing.assert_array_equal(imported.labels, brighton_sample.labels)
    assert imported.classes is None


@pytest.mark.parametrize("suffix", [".npy", ".labels"])
def test_plain_label_files(brighton_sample, tmp_path, suffix):
    from core.labels_io import write_labels

    path = tmp_path / f"sample{suffix}"
    write_labels(path, brighton_sample.labels)
    imported = read_sample_labels(path, len(brighton_sample))
    np.testing.assert_array_equal(imported.labels, brighton_sample.labels)


def test_real_label_file_has_the_full_length(data_dir, brighton_sample):
    # The shared .labels file belongs to the full cloud, not to the sample: refused.
    with pytest.raises(InputError, match="401,286 labels"):
        read_sample_labels(data_dir / "brighton_small.labels", len(brighton_sample))
    full = read_sample_labels(data_dir / "brighton_small.labels", 401_286)
    assert set(np.unique(full.labels)) <= {0, 2, 3, 6}


def test_cloud_without_labels_is_refused(brighton_sample, tmp_path):
    from core.io import write_cloud

    path = tmp_path / "plain.ply"
    write_cloud(brighton_sample, path)
    with pytest.raises(InputError, match="no labels"):
        read_sample_labels(path, len(brighton_sample))


def _write_gt_output(folder, gt_index, color_map, job="myjob"):
    """An output manifest and zlib file laid out as Ground Truth writes them."""
    label_dir = folder / "annotations" / "consolidated-annotation" / "output" / "0"
    label_dir.mkdir(parents=True)
    (label_dir / "20261125_000000.zlib").write_bytes(
        zlib.compress(gt_index.astype(np.uint8).tobytes())
    )
    line = {
        "source-ref": "s3://bucket/in/frame.bin",
        "source-ref-metadata": {"format": "binary/xyzrgb", "unix-timestamp": 1.0},
        f"{job}-ref": f"s3://bucket/out/{job}/annotations/consolidated-annotation/output/0/"
        "20261125_000000.zlib",
        f"{job}-ref-metadata": {
            "color-map": color_map,
            "type": "groundtruth/point_cloud_single_frame_semantic_segmentation",
            "human-annotated": "yes",
            "job-name": f"labeling-job/{job}",
        },
    }
    manifest = folder / "output.manifest"
    manifest.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return manifest


COLOR_MAP = {
    "0": {"class-name": "ground", "hex-color": "#8c564b", "confidence": 0.9},
    "1": {"class-name": "vegetation", "hex-color": "#2ca02c", "confidence": 0.9},
    "2": {"class-name": "building", "hex-color": "#d62728", "confidence": 0.9},
}


def test_ground_truth_output_manifest(tmp_path):
    rng = np.random.default_rng(0)
    gt_index = rng.integers(0, 3, 1000).astype(np.uint8)
    gt_index[:10] = 255
    manifest = _write_gt_output(tmp_path, gt_index, COLOR_MAP)
    imported = read_sample_labels(manifest, 1000)
    assert len(imported.labels) == 1000
    assert np.all(imported.labels[:10] == UNLABELED)
    # Points with the same Ground Truth index get the same class, and classes stay apart.
    for index in range(3):
        assert len(np.unique(imported.labels[gt_index == index])) == 1
    assert len(np.unique(imported.labels[10:])) == 3
    assert [c.name for c in imported.classes] == ["ground", "vegetation", "building"]
    assert imported.classes[2].color == (214, 39, 40)
    with pytest.raises(InputError, match="1,000 labels"):
        read_sample_labels(manifest, 999)


def test_zlib_label_file_alone(tmp_path):
    gt_index = np.arange(300, dtype=np.uint8) % 3
    manifest = _write_gt_output(tmp_path, gt_index, COLOR_MAP)
    zlib_file = next(manifest.parent.rglob("*.zlib"))
    imported = read_sample_labels(zlib_file, 300)
    assert len(imported.labels) == 300


def test_manifest_with_missing_label_file(tmp_path):
    manifest = _write_gt_output(tmp_path, np.zeros(5, np.uint8), COLOR_MAP)
    next(manifest.parent.rglob("*.zlib")).unlink()
    with pytest.raises(InputError, match="download"):
        read_sample_labels(manifest, 5)


def test_class_list_from_classes_file(data_dir):
    classes = read_class_list(data_dir / "brighton_small.classes.txt")
    assert classes == read_classes(data_dir / "brighton_small.classes.txt")
    assert [c.id for c in classes] == [0, 2, 3, 6, 64]


def test_class_list_from_label_config_and_color_map(tmp_path):
    config = {"document-version": "2020-03-01", "labels": [{"label": "Floor"}, {"label": "Wall"}]}
    path = tmp_path / "label_config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    assert [(c.id, c.name) for c in read_class_list(path)] == [(0, "Floor"), (1, "Wall")]
    assert classes_from_label_config(config)[1].name == "Wall"

    path = tmp_path / "color_map.json"
    path.write_text(json.dumps(COLOR_MAP), encoding="utf-8")
    assert read_class_list(path) == classes_from_color_map(COLOR_MAP)
    manifest = _write_gt_output(tmp_path / "job", np.zeros(3, np.uint8), COLOR_MAP)
    assert [c.name for c in read_class_list(manifest)] == ["ground", "vegetation", "building"]


def test_class_list_from_job_record(tmp_path):
    record = {"job_name": "j", "classes": [{"id": 4, "name": "car", "color": [1, 2, 3]}]}
    path = tmp_path / "frame.gt.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert read_class_list(path) == [LabelClass(4, "car", (1, 2, 3))]


def test_repeated_colours_are_made_distinct():
    color_map = {str(i): {"class-name": f"c{i}", "hex-color": "#ffffff"} for i in range(3)}
    colors = [c.color for c in classes_from_color_map(color_map)]
    assert len(set(colors)) == 3


def test_junk_class_list(tmp_path):
    path = tmp_path / "junk.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="no class list"):
        read_class_list(path)


def test_ground_truth_names_map_onto_the_class_list_in_use(tmp_path):
    gt_index = np.array([0, 1, 2, 255, 2], dtype=np.uint8)
    manifest = _write_gt_output(tmp_path, gt_index, COLOR_MAP)
    known = [
        LabelClass(2, "ground", (1, 1, 1)),
        LabelClass(3, "Vegetation", (2, 2, 2)),
        LabelClass(6, "building", (3, 3, 3)),
    ]
    imported = read_sample_labels(manifest, 5, classes=known)
    np.testing.assert_array_equal(imported.labels, [2, 3, 6, UNLABELED, 6])
    assert imported.classes == known


def test_known_labels_for_a_tile_matched_by_position(data_dir, tmp_path):
    from core.io import read_cloud, write_cloud
    from core.labels_import import read_known_labels
    from core.metrics import crop_tile

    full = read_cloud(data_dir / "brighton_small.laz")
    lo, hi = full.bounds()
    inside = crop_tile(full.xyz, lo, lo + (hi - lo) * [0.4, 0.5, 1.0])
    tile = full.subset(inside)
    path = tmp_path / "tile.las"
    write_cloud(tile, path, labels=tile.labels)
    labels, n_known = read_known_labels(path, full)
    assert n_known == int(inside.sum()) > 1000
    np.testing.assert_array_equal(labels[inside], full.labels[inside])
    assert np.all(labels[~inside] == UNLABELED)
    # One label per point of the whole cloud is taken as it is.
    labels, n_known = read_known_labels(data_dir / "brighton_small.labels", full)
    assert n_known == 401_286
    # A cloud somewhere else entirely matches nothing: refused.
    write_cloud(tile.with_xyz(tile.xyz + 1000.0), tmp_path / "away.las", labels=tile.labels)
    with pytest.raises(InputError, match="no point of the file lies on the cloud"):
        read_known_labels(tmp_path / "away.las", full)


def test_a_manifest_of_several_frames_says_how_to_fetch_it(tmp_path):
    """Only the job's record knows which sample rows each frame holds."""
    manifest = _write_gt_output(tmp_path, np.zeros(5, np.uint8), COLOR_MAP)
    line = manifest.read_text(encoding="utf-8")
    manifest.write_text(line + line, encoding="utf-8")
    with pytest.raises(InputError, match="holds 2 frames; fetch them with the job's record"):
        read_sample_labels(manifest, 5)
