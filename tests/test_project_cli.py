"""The command line on projects: info, upsample --project and export, on the real Brighton scan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.classes import read_classes
from core.cli import main
from core.downsample import downsample
from core.io import read_cloud
from core.project import ORIGIN_CARRIED, Project, fingerprint_file
from core.project_file import save_project


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def brighton(data_dir):
    cloud = read_cloud(data_dir / "brighton_small.xyz")
    truth = np.loadtxt(data_dir / "brighton_small.labels", dtype=np.uint8)
    down = downsample(cloud, "voxel-nearest", voxel_size=0.5)
    return cloud, truth, down, read_classes(data_dir / "brighton_small.classes.txt")


def make_project(brighton, source: Path, with_full_labels: bool = True) -> Project:
    cloud, truth, down, classes = brighton
    labels_sample = _nearest_truth(truth, down.index_map, len(down.sample))
    labels_full = labels_sample[down.index_map] if with_full_labels else None
    return Project(
        source_path=str(source),
        source_fingerprint=fingerprint_file(source),
        n_points=len(cloud),
        sample=down.sample,
        index_map=down.index_map,
        sample_settings={"method": "voxel-nearest", "voxel_size": 0.5, "target": 0, "seed": 0},
        sample_rotation={"z": 0.0, "y": 0.0, "x": 0.0, "about": "origin"},
        classes=classes,
        labels_sample=labels_sample,
        labels_full=labels_full,
        label_origin=None if labels_full is None else np.full(len(cloud), ORIGIN_CARRIED, np.uint8),
        transfer={"method": "knn", "k": 3, "weights": "uniform", "max_distance": None},
        truth_full=truth,
    )


def _nearest_truth(truth: np.ndarray, index_map: np.ndarray, m: int) -> np.ndarray:
    """The label of the first full point of each sample row (a labeler who got it right)."""
    first = np.full(m, -1, np.int64)
    order = np.argsort(index_map, kind="stable")
    rows, starts = np.unique(index_map[order], return_index=True)
    first[rows] = order[starts]
    return truth[first].astype(np.uint8)


@pytest.fixture
def project_path(tmp_path, brighton, data_dir) -> Path:
    path = tmp_path / "brighton.dlproj"
    save_project(path, make_project(brighton, data_dir / "brighton_small.xyz"))
    return path


def test_info_describes_a_project(capsys, project_path):
    status, out, _ = run_cli(capsys, "info", project_path)
    assert status == 0
    assert "points  401,286" in out and "found, unchanged" in out
    assert "2 ground" in out and "voxel_size=0.5" in out
    status, out, _ = run_cli(capsys, "info", project_path, "--json")
    summary = json.loads(out)
    assert summary["points"] == 401_286 and summary["source_problem"] is None
    assert summary["arrays"]["index_map.npy"]["shape"] == [401_286]


def test_upsample_takes_a_project(capsys, tmp_path, project_path, brighton):
    _, _, down, _ = brighton
    out = tmp_path / "labels.npy"
    status, stdout, err = run_cli(
        capsys, "upsample", "--project", project_path, "--method", "voxel", "-o", out
    )
    assert status == 0, err
    from core.project_file import load_project

    project = load_project(project_path)
    assert np.array_equal(np.load(out), project.labels_sample[down.index_map])
    # Without --method: the project's own transfer settings (knn, k=3).
    status, stdout, err = run_cli(capsys, "upsample", "--project", project_path, "-o", out)
    assert status == 0, err
    assert "(knn)" in stdout
    knn = np.load(out)
    assert np.mean(knn == project.truth_full) > 0.9


def test_export_writes_the_full_cloud_with_its_labels(capsys, tmp_path, project_path, brighton):
    cloud, _, down, _ = brighton
    out = tmp_path / "labeled.laz"
    status, stdout, err = run_cli(capsys, "export", project_path, "-o", out)
    assert status == 0, err
    back = read_cloud(out)
    from core.project_file import load_project

    assert np.array_equal(back.labels, load_project(project_path).labels_full)
    assert np.allclose(back.xyz + back.offset, cloud.xyz + cloud.offset, atol=1e-3)


def test_export_without_full_labels_says_what_to_do(capsys, tmp_path, brighton, data_dir):
    path = tmp_path / "unlabeled.dlproj"
    save_project(path, make_project(brighton, data_dir / "brighton_small.xyz", False))
    status, _, err = run_cli(capsys, "export", path, "-o", tmp_path / "x.laz")
    assert status == 2
    assert "no carried-back labels" in err and "upsample --project" in err
    assert not (tmp_path / "x.laz").exists()


def test_a_moved_source_stops_the_commands_with_one_sentence(capsys, tmp_path, brighton, data_dir):
    source = Path(shutil.copy(data_dir / "brighton_small.xyz", tmp_path / "scan.xyz"))
    path = tmp_path / "moved.dlproj"
    save_project(path, make_project(brighton, source))
    source.rename(tmp_path / "scan-renamed.xyz")
    for argv in (["export", path, "-o", tmp_path / "x.ply"],
                 ["upsample", "--project", path, "-o", tmp_path / "l.npy"]):  # fmt: skip
        status, _, err = run_cli(capsys, *argv)
        assert status == 2
        last = err.strip().splitlines()[-1]  # progress lines come before it
        assert last.startswith("denselabel: error: moved.dlproj: the source cloud scan.xyz")
        assert "no longer at" in last and "locate the original" in last


def test_upsample_from_a_project_writes_labels_and_cloud_together(capsys, tmp_path, project_path):
    labels, cloud = tmp_path / "labels.npy", tmp_path / "labeled.laz"
    status, _, err = run_cli(
        capsys, "upsample", "--project", project_path, "--method", "voxel",
        "-o", labels, "--cloud-output", cloud,
    )  # fmt: skip
    assert status == 0, err
    np.testing.assert_array_equal(read_cloud(cloud).labels, np.load(labels))
    # Writing onto the project itself is refused before anything is read.
    status, _, err = run_cli(capsys, "upsample", "--project", project_path, "-o", project_path)
    assert status == 2 and "overwrite" in err


def test_info_on_a_damaged_project_is_one_sentence(capsys, tmp_path, project_path):
    cut = tmp_path / "cut.dlproj"
    cut.write_bytes(project_path.read_bytes()[:1000])
    status, out, err = run_cli(capsys, "info", cut)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("denselabel: error: cut.dlproj: ")
    assert "not a DenseLabel project or it is truncated" in lines[0]
