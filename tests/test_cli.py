"""The command line on the real Brighton scan: downsample, label, upsample, evaluate, info.

Commands run in-process through `core.cli.main` (fast); the one test of the installed
console script is in test_cli_errors.py (Ctrl-C through a real signal).
"""

from __future__ import annotations

import io
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.cli.console import Console

ROOT = Path(__file__).resolve().parents[1]
N_BRIGHTON = 401_286


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``denselabel argv...`` in-process; exit status, stdout, stderr."""
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def perfect_labels(index_map: np.ndarray, labels_full: np.ndarray) -> np.ndarray:
    """The majority true label among the full points of each sample point."""
    n_sample = int(index_map.max()) + 1
    classes = np.unique(labels_full)
    votes = np.stack(
        [np.bincount(index_map[labels_full == c], minlength=n_sample) for c in classes]
    )
    return classes[votes.argmax(axis=0)].astype(np.uint8)


@pytest.fixture(scope="module")
def truth(data_dir) -> np.ndarray:
    return np.loadtxt(data_dir / "brighton_small.labels", dtype=np.uint8)


@pytest.fixture(scope="module")
def pipeline(data_dir, truth, tmp_path_factory) -> dict[str, Path]:
    """Brighton downsampled at 0.5 m with its map, and a perfect labeler's sample labels."""
    folder = tmp_path_factory.mktemp("pipeline")
    paths = {
        "full": data_dir / "brighton_small.xyz",
        "sample": folder / "sample.ply",
        "map": folder / "map.npy",
        "labels": folder / "sample_labels.txt",
    }
    status = main(
        [
            "downsample", str(paths["full"]), "-o", str(paths["sample"]),
            "--method", "voxel-mean", "--voxel-size", "0.5", "--map", str(paths["map"]),
        ]
    )  # fmt: skip
    assert status == 0
    index_map = np.load(paths["map"])
    labels = perfect_labels(index_map, truth)
    paths["labels"].write_text("\n".join(map(str, labels)) + "\n")
    return paths


def test_downsample_writes_a_sample_and_a_map_that_read_back(pipeline):
    from core.io import read_cloud

    sample = read_cloud(pipeline["sample"])
    index_map = np.load(pipeline["map"])
    assert index_map.dtype == np.int32 and index_map.shape == (N_BRIGHTON,)
    assert 1000 < len(sample) < N_BRIGHTON / 4
    assert index_map.min() == 0 and index_map.max() == len(sample) - 1
    assert sample.rgb is not None


@pytest.mark.parametrize("source", ["map", "sample", "map-only-knn", "auto", "map-only-auto"])
def test_upsample_then_evaluate_scores_high(capsys, pipeline, data_dir, tmp_path, source):
    out = tmp_path / "labels_full.npy"
    args = ["upsample", pipeline["full"], "--labels", pipeline["labels"], "-o", out]
    if source == "map":
        args += ["--map", pipeline["map"], "--method", "voxel"]
    elif source == "sample":
        args += ["--sample", pipeline["sample"], "--method", "knn", "--k", "3"]
    elif source == "map-only-knn":
        args += ["--map", pipeline["map"], "--method", "knn", "--weights", "distance"]
    elif source == "auto":
        args += ["--map", pipeline["map"], "--sample", pipeline["sample"], "--method", "auto"]
    else:
        args += ["--map", pipeline["map"], "--method", "auto", "--voxel-size", "0.5"]
    status, stdout, _ = run_cli(capsys, *args)
    assert status == 0, stdout
    labels_full = np.load(out)
    assert labels_full.shape == (N_BRIGHTON,)

    status, stdout, _ = run_cli(
        capsys, "evaluate", out, data_dir / "brighton_small.labels", "--json"
    )
    assert status == 0
    scores = json.loads(stdout)
    assert {"accuracy", "miou", "per_class_iou", "confusion"} <= set(scores)
    assert scores["accuracy"] > 0.9
    assert set(scores["per_class_iou"]) >= {"2", "6"}  # ground and buildings


def test_upsample_writes_text_labels_and_evaluate_prints_a_table(
    capsys, pipeline, data_dir, tmp_path
):
    out = tmp_path / "labels_full.txt"
    status, _, _ = run_cli(
        capsys, "upsample", pipeline["full"], "--labels", pipeline["labels"],
        "--map", pipeline["map"], "--method", "voxel", "-o", out,
    )  # fmt: skip
    assert status == 0
    assert len(out.read_text().split()) == N_BRIGHTON
    status, stdout, _ = run_cli(
        capsys, "evaluate", out, data_dir / "brighton_small.labels",
        "--classes", data_dir / "brighton_small.classes.txt",
    )  # fmt: skip
    assert status == 0
    assert "accuracy" in stdout and "mIoU" in stdout and "confusion matrix" in stdout
    assert "ground" in stdout


def test_labeled_sample_cloud_serves_as_the_labels(capsys, data_dir, truth, tmp_path):
    """voxel-nearest keeps real points with their LAS classification; carry those back."""
    sample, index_map = tmp_path / "sample.las", tmp_path / "map.npy"
    status, _, _ = run_cli(
        capsys, "downsample", data_dir / "brighton_small.laz", "-o", sample,
        "--method", "voxel-nearest", "--voxel-size", "0.5", "--map", index_map,
    )  # fmt: skip
    assert status == 0
    out = tmp_path / "labels_full.labels"
    status, _, _ = run_cli(
        capsys, "upsample", data_dir / "brighton_small.xyz", "--labels", sample,
        "--map", index_map, "--method", "voxel", "-o", out,
    )  # fmt: skip
    assert status == 0
    assert np.mean(np.loadtxt(out, dtype=np.uint8) == truth) > 0.95


def test_rotated_sample_needs_the_same_rotation_to_upsample(capsys, data_dir, truth, tmp_path):
    full = data_dir / "brighton_small.xyz"
    sample, index_map_path = tmp_path / "rotated.npy", tmp_path / "map.npy"
    rotation = ["--rotate", "30", "0", "10", "--about", "centroid"]
    status, _, _ = run_cli(
        capsys, "downsample", full, "-o", sample, "--method", "voxel-mean",
        "--voxel-size", "0.5", "--map", index_map_path, *rotation,
    )  # fmt: skip
    assert status == 0
    labels = tmp_path / "sample_labels.npy"
    np.save(labels, perfect_labels(np.load(index_map_path), truth))
    accuracy = {}
    for name, extra in [("rotated", rotation), ("not rotated", [])]:
        out = tmp_path / f"labels {name}.npy"
        status, _, _ = run_cli(
            capsys, "upsample", full, "--labels", labels, "--sample", sample,
            "--method", "knn", "-o", out, *extra,
        )  # fmt: skip
        assert status == 0
        accuracy[name] = float(np.mean(np.load(out) == truth))
    assert accuracy["rotated"] > 0.9
    assert accuracy["not rotated"] < accuracy["rotated"]


def test_info_json_counts_points_and_labels(capsys, data_dir, truth):
    status, stdout, _ = run_cli(capsys, "info", data_dir / "brighton_small.laz", "--json")
    assert status == 0
    info = json.loads(stdout)
    assert info["points"] == N_BRIGHTON
    assert "labels" in info["fields"] and "rgb" in info["fields"]
    values, counts = np.unique(truth, return_counts=True)
    assert info["label_counts"] == {str(v): int(c) for v, c in zip(values, counts, strict=True)}

    status, stdout, _ = run_cli(capsys, "info", data_dir / "brighton_small.xyz", "--json")
    info = json.loads(stdout)
    # Bounds come back in the file's own coordinates, whatever recentring the reader did.
    first_point = [9.86, 24.46, 163.36]
    assert all(
        lo <= v <= hi for lo, hi, v in zip(*info["bounds"].values(), first_point, strict=True)
    )
    assert info["points"] == N_BRIGHTON and info["label_counts"] is None


def test_info_text_output(capsys, data_dir):
    status, stdout, _ = run_cli(capsys, "info", data_dir / "test55.xyz")
    assert status == 0
    assert "175,178" in stdout and "bounds" in stdout and "rgb" in stdout


def test_evaluate_accepts_a_labeled_cloud_as_truth(capsys, data_dir):
    status, stdout, _ = run_cli(
        capsys, "evaluate", data_dir / "brighton_small.labels", data_dir / "brighton_small.laz",
        "--json",
    )  # fmt: skip
    assert status == 0
    scores = json.loads(stdout)
    assert scores["accuracy"] == pytest.approx(1.0)
    # Class names come from brighton_small.classes.txt beside the truth.
    assert scores["class_names"]["2"] == "ground"


def test_demo_prints_times_and_scores_of_each_method(capsys):
    status, stdout, _ = run_cli(capsys, "demo", "--points", "60000", "--voxel-size", "0.1")
    assert status == 0
    assert "index map (voxel)" in stdout and "knn k=3 (notebook)" in stdout
    rows = {
        line[:20].strip(): line[20:].split()
        for line in stdout.splitlines()
        if line.startswith(("index map", "knn k=3", "auto"))
    }
    header = stdout.splitlines()[next(i for i, s in enumerate(stdout.splitlines()) if "mIoU" in s)]
    assert header.split()[2:4] == ["accuracy", "error"]
    for name in ("index map (voxel)", "knn k=3 (notebook)"):
        accuracy, error = float(rows[name][0]), float(rows[name][1])
        assert 0.8 < accuracy <= 1.0 and accuracy + error == pytest.approx(1.0, abs=2e-4)


def test_file_without_command_opens_the_window(capsys, monkeypatch, data_dir):
    opened = []
    fake_app = types.ModuleType("gui.app")
    fake_app.main = lambda argv: opened.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gui.app", fake_app)
    monkeypatch.setenv("DISPLAY", ":0")
    assert main([str(data_dir / "test55.xyz")]) == 0
    assert main(["gui"]) == 0
    assert main(["gui", "--sample"]) == 0
    assert opened == [[str(data_dir / "test55.xyz")], [], ["--sample"]]
    capsys.readouterr()

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    status, _, stderr = run_cli(capsys, "gui", data_dir / "test55.xyz")
    assert status == 2 and "no display" in stderr and len(opened) == 3


def test_progress_is_a_live_bar_on_a_terminal_and_one_line_per_step_otherwise():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    with Console(stream=terminal).step("voxel mean") as progress:
        progress(0.5, "binning")
        progress(1.0, "done")
    assert "[" in terminal.getvalue() and "%" in terminal.getvalue() and "\r" in terminal.getvalue()

    log = io.StringIO()
    with Console(stream=log).step("voxel mean") as progress:
        progress(0.5, "binning")
    assert log.getvalue().count("\n") == 1 and "voxel mean" in log.getvalue()


def test_voxel_method_with_a_target_chooses_the_voxel_size(capsys, data_dir, tmp_path):
    sample = tmp_path / "sample.npy"
    status, stdout, _ = run_cli(
        capsys, "downsample", data_dir / "test55.xyz", "-o", sample,
        "--method", "voxel-mean", "--target", "5000",
    )  # fmt: skip
    assert status == 0 and "voxel size" in stdout
    assert abs(len(np.load(sample)) - 5000) <= 100


def test_help_lists_every_command(capsys):
    status, stdout, _ = run_cli(capsys, "--help")
    assert status == 0
    commands = ["info", "downsample", "upsample", "evaluate", "demo", "gui"]
    if (ROOT / "core" / "cli" / "gt.py").exists():
        commands.append("gt")
    assert all(f"\n    {name}" in stdout for name in commands), stdout


def test_demo_perfect_labeler_matches_an_independent_vote(pipeline, truth):
    from core.cli.demo import majority_labels

    index_map = np.load(pipeline["map"])
    expected = perfect_labels(index_map, truth)
    assert np.array_equal(majority_labels(truth, index_map, len(expected)), expected)


def test_evaluate_inside_a_tile_scores_only_its_points(capsys, data_dir, pipeline, tmp_path):
    # numpy's own reader, independent of ours, gives the positions to count.
    xyz = np.loadtxt(data_dir / "brighton_small.xyz", delimiter=",", usecols=(0, 1, 2))
    lo, hi = np.array([-20.0, -20.0, 150.0]), np.array([0.0, 0.0, 170.0])
    expected = int(np.all((xyz >= lo) & (xyz <= hi), axis=1).sum())
    out = tmp_path / "labels_full.npy"
    status, _, _ = run_cli(
        capsys, "upsample", pipeline["full"], "--labels", pipeline["labels"],
        "--map", pipeline["map"], "--method", "voxel", "-o", out,
        "--cloud-output", tmp_path / "labeled.laz",
    )  # fmt: skip
    assert status == 0
    tile = [*map(str, lo), *map(str, hi)]
    for truth_args in (
        [data_dir / "brighton_small.laz"],
        [data_dir / "brighton_small.labels", "--cloud", data_dir / "brighton_small.xyz"],
    ):
        status, stdout, _ = run_cli(capsys, "evaluate", out, *truth_args, "--tile", *tile, "--json")
        assert status == 0
        scores = json.loads(stdout)
        assert scores["points_in_tile"] == expected == scores["n_scored"]
    # The labeled export carries the same labels in its classification field.
    status, stdout, _ = run_cli(capsys, "evaluate", tmp_path / "labeled.laz", out, "--json")
    assert status == 0 and json.loads(stdout)["accuracy"] == 1.0


def test_downsample_command_offers_exactly_the_core_methods():
    import core.cli.downsample
    import core.downsample

    assert core.cli.downsample.METHODS == core.downsample.METHODS


def test_sample_rebuilt_from_the_map_is_the_mean_of_its_points():
    from core.cli.upsample import sample_from_index_map
    from core.cloud import PointCloud

    rng = np.random.default_rng(0)
    xyz = rng.random((50, 3))
    rgb = rng.integers(0, 256, (50, 3)).astype(np.uint8)
    index_map = rng.integers(0, 6, 50)
    index_map[index_map == 4] = 5  # row 4: no point maps to it
    full = PointCloud(xyz=xyz, rgb=rgb, offset=np.array([1000.0, 2000.0, 10.0]))
    sample = sample_from_index_map(full, index_map)
    assert len(sample) == 6
    for row in (0, 1, 2, 3, 5):
        mine = index_map == row
        np.testing.assert_allclose(sample.xyz[row], xyz[mine].mean(axis=0))
        assert sample.rgb is not None
        np.testing.assert_array_equal(sample.rgb[row], np.rint(rgb[mine].mean(axis=0)))
    np.testing.assert_array_equal(sample.xyz[4], 0.0)  # not NaN
    np.testing.assert_array_equal(sample.offset, full.offset)
