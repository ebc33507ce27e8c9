"""Project files: every array back exactly, versions, damaged files, the source check."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.classes import make_classes
from core.downsample import downsample
from core.errors import Cancelled, InputError
from core.project import ORIGIN_CARRIED, ORIGIN_HAND, Project, check_source, fingerprint_file
from core.project_file import FORMAT_VERSION, MANIFEST, load_project, save_project
from core.scene import make_scene


def full_project(source: Path, include_cloud: bool = False) -> Project:
    """A project with every slot filled, from a real downsample of a generated room."""
    cloud = make_scene(40_000, seed=3)
    down = downsample(cloud, "voxel-nearest", voxel_size=0.2)
    n, m = len(cloud), len(down.sample)
    rng = np.random.default_rng(0)
    labels_sample = rng.integers(0, 5, m).astype(np.uint8)
    origin = np.full(n, ORIGIN_CARRIED, np.uint8)
    origin[:100] = ORIGIN_HAND
    return Project(
        source_path=str(source),
        source_fingerprint=fingerprint_file(source),
        n_points=n,
        rotation={"z": 30.0, "y": 0.0, "x": -5.5, "about": "centroid"},
        downsample={"method": "voxel-nearest", "voxel_size": 0.2, "target": 1000, "seed": 4},
        sample=replace(down.sample, intensity=rng.random(m).astype(np.float32)),
        index_map=down.index_map,
        sample_settings={"method": "voxel-nearest", "voxel_size": 0.2, "target": 1, "seed": 0},
        sample_rotation={"z": 30.0, "y": 0.0, "x": 0.0, "about": "origin"},
        classes=make_classes(["floor", "wall", "table", "chair", "plant"]),
        labels_sample=labels_sample,
        labels_full=labels_sample[down.index_map],
        label_origin=origin,
        edit_history={"point": np.arange(7, dtype=np.int64), "label": np.ones(7, np.uint16)},
        transfer={"method": "knn", "k": 7, "weights": "distance", "max_distance": 0.3},
        truth_full=cloud.labels,
        groundtruth_job={"job_name": "room-1", "n_points": m, "offset": [0.0, 0.0, 0.0]},
        camera={"position": [1.0, 2.0, 3.0], "focal_point": [0.0, 0.0, 0.0],
                "view_up": [0.0, 0.0, 1.0], "view_angle": 30.0, "parallel": False,
                "parallel_scale": 1.0},
        display={"show": "sample", "color_by": "labels", "point_size": 3.0,
                 "hidden_classes": [2], "tile": None},
        cloud=replace(cloud, offset=np.array([1e5, 2e5, 10.0])) if include_cloud else None,
    )  # fmt: skip


@pytest.fixture
def source(tmp_path, data_dir) -> Path:
    """A copy of a real scan that tests may move or change."""
    return Path(shutil.copy(data_dir / "test55.xyz", tmp_path / "test55.xyz"))


def assert_same_arrays(a, b) -> None:
    assert a is not None and b is not None
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b)


def assert_same_clouds(a, b) -> None:
    for name in ("xyz", "rgb", "intensity", "labels", "offset"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert_same_arrays(x, y)


@pytest.mark.parametrize("include_cloud", [False, True])
def test_round_trip_keeps_every_array_and_setting(tmp_path, source, include_cloud):
    project = full_project(source, include_cloud)
    path = tmp_path / "room.dlproj"
    save_project(path, project)
    back = load_project(path)
    for name in ("index_map", "labels_sample", "labels_full", "label_origin", "truth_full"):
        assert_same_arrays(getattr(project, name), getattr(back, name))
    assert_same_clouds(project.sample, back.sample)
    if include_cloud:
        assert_same_clouds(project.cloud, back.cloud)
    else:
        assert back.cloud is None
    assert back.edit_history.keys() == project.edit_history.keys()
    for key, value in project.edit_history.items():
        assert_same_arrays(value, back.edit_history[key])
    for name in ("source_path", "source_fingerprint", "n_points", "rotation", "downsample",
                 "sample_settings", "sample_rotation", "classes", "transfer",
                 "groundtruth_job", "camera", "display", "saved_at"):  # fmt: skip
        assert getattr(back, name) == getattr(project, name), name
    assert check_source(back) is None


def test_an_empty_session_round_trips(tmp_path):
    path = tmp_path / "empty.dlproj"
    save_project(path, Project(source_path=None, n_points=0))
    back = load_project(path)
    assert back.sample is None and back.labels_full is None and back.classes == []


def rewrite_manifest(path: Path, change) -> None:
    """Rewrite a project with its manifest changed by `change(dict)` (arrays kept as they are)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    manifest = json.loads(members.pop(MANIFEST))
    change(manifest)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr(MANIFEST, json.dumps(manifest))


def test_an_older_manifest_opens_with_defaults(tmp_path, source):
    path = tmp_path / "old.dlproj"
    save_project(path, full_project(source))

    def older(manifest: dict) -> None:  # keys an earlier writer did not have
        for key in ("camera", "display", "groundtruth_job", "extra", "transfer"):
            del manifest[key]

    rewrite_manifest(path, older)
    back = load_project(path)
    assert back.camera is None and back.display == {} and back.transfer == {}
    assert back.labels_full is not None


def test_a_newer_format_is_refused_with_one_sentence(tmp_path, source):
    path = tmp_path / "new.dlproj"
    save_project(path, full_project(source))
    rewrite_manifest(path, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(InputError) as caught:
        load_project(path)
    text = str(caught.value)
    assert "newer DenseLabel" in text and "update DenseLabel" in text and "\n" not in text


def test_a_truncated_project_is_one_sentence(tmp_path, source):
    path = tmp_path / "cut.dlproj"
    save_project(path, full_project(source))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a DenseLabel project or it is truncated"):
        load_project(path)


def test_flipped_bytes_name_the_damaged_member(tmp_path, source):
    path = tmp_path / "bad.dlproj"
    save_project(path, full_project(source))
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("index_map.npy")
    with open(path, "r+b") as handle:  # a byte in the middle of the stored array
        handle.seek(info.header_offset + len(info.FileHeader()) + info.file_size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(InputError, match=r"index_map\.npy cannot be read .*damaged"):
        load_project(path)


def test_a_member_of_the_wrong_shape_is_named(tmp_path, source):
    path = tmp_path / "shape.dlproj"
    project = full_project(source)
    project.labels_full = project.labels_full[:-3]
    save_project(path, project)
    with pytest.raises(InputError, match=r"labels_full\.npy \(a label per full point\)"):
        load_project(path)


def test_a_plain_zip_is_not_a_project(tmp_path):
    path = tmp_path / "other.dlproj"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="not a DenseLabel project"):
        load_project(path)


def test_a_cancelled_save_keeps_the_old_project_whole(tmp_path, source):
    path = tmp_path / "keep.dlproj"
    save_project(path, full_project(source))
    before = path.read_bytes()
    calls = iter(range(10**6))
    with pytest.raises(Cancelled):
        save_project(path, full_project(source, include_cloud=True), cancel=lambda: next(calls) > 3)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.dlproj", "test55.xyz"]


def test_a_moved_source_is_detected(tmp_path, source):
    project = full_project(source)
    source.rename(tmp_path / "elsewhere.xyz")
    problem = check_source(project)
    assert problem is not None and "moved or deleted" in problem


def test_a_changed_source_is_detected_but_a_touched_one_is_not(tmp_path, source):
    project = full_project(source)
    os.utime(source, (1e9, 1e9))  # the same bytes with another time: still the file
    assert check_source(project) is None
    original = source.read_bytes()
    # Re-exported with other coordinates but the same size (every 3 became a 4).
    source.write_bytes(original.replace(b"3", b"4"))
    assert source.stat().st_size == len(original)
    problem = check_source(project)
    assert problem is not None and "changed since the project was saved" in problem
    source.write_bytes(original + b"0 0 0 1 2 3\n")  # a point appended
    assert "changed since the project was saved" in str(check_source(project))
