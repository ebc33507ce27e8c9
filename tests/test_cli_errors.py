"""Bad input on the command line: exit status 2 and one sentence, never a traceback.

Ctrl-C: exit status 130, no traceback (in-process, and through the installed script).

Uses the first 3,000 points of the real Brighton scan (copied to a temporary folder) so
every case runs in milliseconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main

N_SMALL = 3000
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small(data_dir, tmp_path_factory) -> dict[str, Path]:
    """A small real cloud, its true labels, and a 0.5 m voxel sample with map and labels."""
    folder = tmp_path_factory.mktemp("small")
    paths = {
        "cloud": folder / "small.xyz",
        "truth": folder / "small.labels",
        "sample": folder / "sample.xyz",
        "map": folder / "map.npy",
        "sample_labels": folder / "sample.labels",
        "folder": folder,
    }
    with open(data_dir / "brighton_small.xyz") as lines:
        paths["cloud"].write_text("".join(next(lines) for _ in range(N_SMALL)))
    with open(data_dir / "brighton_small.labels") as lines:
        paths["truth"].write_text("".join(next(lines) for _ in range(N_SMALL)))
    status = main(
        ["-q", "downsample", str(paths["cloud"]), "-o", str(paths["sample"]),
         "--method", "voxel-mean", "--voxel-size", "0.5", "--map", str(paths["map"])]
    )  # fmt: skip
    assert status == 0
    n_sample = int(np.load(paths["map"]).max()) + 1
    paths["sample_labels"].write_text("2\n" * n_sample)
    return paths


def assert_one_sentence_error(capsys, argv: list, *words: str) -> str:
    """Run, expect status 2 and one line ``denselabel: error: ...`` naming `words`."""
    status = main(["-q", *map(str, argv)])
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("denselabel: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


def test_missing_input_file(capsys, small):
    missing = small["folder"] / "nope.xyz"
    assert_one_sentence_error(
        capsys, ["downsample", missing, "-o", small["folder"] / "o.xyz", "--method", "stride",
                 "--target", "10"], "nope.xyz", "does not exist"
    )  # fmt: skip
    assert_one_sentence_error(capsys, ["info", missing], "nope.xyz")
    assert_one_sentence_error(capsys, ["evaluate", missing, small["truth"]], "nope.xyz")


def test_unknown_input_extension(capsys, small):
    odd = small["folder"] / "cloud.abc"
    odd.write_text("1,2,3\n")
    assert_one_sentence_error(capsys, ["info", odd], "cloud.abc")


def test_unknown_output_extension(capsys, small):
    assert_one_sentence_error(
        capsys, ["downsample", small["cloud"], "-o", small["folder"] / "out.docx",
                 "--method", "voxel-mean", "--voxel-size", "1"], ".docx"
    )  # fmt: skip


def test_output_equal_to_input_is_refused_and_the_input_is_untouched(capsys, small):
    before = small["cloud"].read_bytes()
    assert_one_sentence_error(
        capsys, ["downsample", small["cloud"], "-o", small["cloud"], "--method", "voxel-mean",
                 "--voxel-size", "1"], "overwrite"
    )  # fmt: skip
    assert_one_sentence_error(
        capsys, ["upsample", small["cloud"], "--labels", small["sample_labels"],
                 "--map", small["map"], "--method", "voxel", "-o", small["sample_labels"]],
        "overwrite",
    )  # fmt: skip
    assert small["cloud"].read_bytes() == before


@pytest.mark.parametrize(
    "options, words",
    [
        (["--method", "median", "--voxel-size", "1"], ["--method", "median"]),
        (["--method", "voxel-mean", "--voxel-size", "0"], ["--voxel-size", "positive"]),
        (["--method", "voxel-mean", "--voxel-size", "-2"], ["--voxel-size", "positive"]),
        (["--method", "voxel-mean", "--voxel-size", "big"], ["--voxel-size", "number"]),
        (["--method", "voxel-mean", "--target", "5000"], ["--target", "3,000"]),
        (["--method", "stride", "--voxel-size", "1"], ["--target"]),
        (["--method", "random", "--target", "0"], ["--target"]),
        (["--method", "stride"], ["--voxel-size", "--target"]),
    ],
)
def test_bad_method_or_size(capsys, small, options, words):
    out = small["folder"] / "out.xyz"
    assert_one_sentence_error(capsys, ["downsample", small["cloud"], "-o", out, *options], *words)
    assert not out.exists()


def test_labels_length_must_match_the_sample(capsys, small):
    short = small["folder"] / "short.labels"
    short.write_text("2\n" * 5)
    out = small["folder"] / "full.npy"
    for source in (["--map", small["map"], "--method", "voxel"],
                   ["--sample", small["sample"], "--method", "knn"]):  # fmt: skip
        assert_one_sentence_error(
            capsys, ["upsample", small["cloud"], "--labels", short, "-o", out, *source], "short"
        )
    assert not out.exists()


def test_map_length_must_match_the_full_cloud(capsys, small, data_dir):
    assert_one_sentence_error(
        capsys, ["upsample", data_dir / "test55.xyz", "--labels", small["sample_labels"],
                 "--map", small["map"], "--method", "voxel", "-o", small["folder"] / "x.npy"],
        "map.npy", "175,178",
    )  # fmt: skip


def test_upsample_method_needs_its_inputs(capsys, small):
    base = ["upsample", small["cloud"], "--labels", small["sample_labels"], "-o",
            small["folder"] / "x.npy"]  # fmt: skip
    assert_one_sentence_error(capsys, [*base, "--method", "voxel"], "--map")
    assert_one_sentence_error(capsys, [*base, "--method", "knn"], "--sample")
    assert_one_sentence_error(capsys, [*base, "--method", "auto"], "--map")


def test_junk_labels_file(capsys, small):
    junk = small["folder"] / "junk.labels"
    junk.write_text("2\nground\n" * 10)
    assert_one_sentence_error(capsys, ["evaluate", junk, small["truth"]], "junk.labels")


def test_evaluate_needs_equal_lengths_and_labeled_truth(capsys, small, data_dir):
    assert_one_sentence_error(
        capsys, ["evaluate", small["truth"], data_dir / "brighton_small.labels"], "small.labels"
    )
    assert_one_sentence_error(capsys, ["evaluate", small["truth"], small["cloud"]], "no labels")


def test_missing_required_option_and_unknown_command(capsys, small):
    assert_one_sentence_error(capsys, ["upsample", small["cloud"]], "--labels")
    assert_one_sentence_error(capsys, ["frobnicate"], "frobnicate")


def test_output_folder_must_exist(capsys, small):
    out = small["folder"] / "no such folder" / "out.xyz"
    assert_one_sentence_error(
        capsys, ["downsample", small["cloud"], "-o", out, "--method", "stride", "--target", "10"],
        "does not exist",
    )  # fmt: skip


def test_quiet_after_the_command_keeps_stderr_empty(capsys, small):
    out = small["folder"] / "quiet.npy"
    status = main(["downsample", str(small["cloud"]), "-o", str(out), "--method", "random",
                   "--target", "100", "-q"])  # fmt: skip
    captured = capsys.readouterr()
    assert status == 0 and captured.err == "" and "100" in captured.out
    assert len(np.load(out)) == 100


def test_tile_needs_positions_and_cloud_output_a_cloud_format(capsys, small):
    assert_one_sentence_error(
        capsys, ["evaluate", small["truth"], small["truth"], "--tile", 0, 0, 0, 1, 1, 1],
        "--cloud",
    )  # fmt: skip
    assert_one_sentence_error(
        capsys, ["upsample", small["cloud"], "--labels", small["sample_labels"],
                 "--map", small["map"], "--method", "voxel", "-o", small["folder"] / "l.npy",
                 "--cloud-output", small["folder"] / "labeled.docx"], "--cloud-output",
    )  # fmt: skip


def test_ctrl_c_cancels_with_status_130_and_no_traceback(capsys, monkeypatch, data_dir):
    import core.cli.info

    def interrupted(cloud):
        raise KeyboardInterrupt

    monkeypatch.setattr(core.cli.info, "describe", interrupted)
    status = main(["info", str(data_dir / "test55.xyz")])
    stderr = capsys.readouterr().err
    assert status == 130
    assert "cancelled" in stderr and "Traceback" not in stderr


def test_installed_console_script_runs_a_signal_interrupted_demo(tmp_path):
    """The real `denselabel` script: --version, then Ctrl-C (SIGINT) during the demo."""
    script = shutil.which("denselabel", path=str(ROOT / ".venv" / "bin")) or shutil.which(
        "denselabel"
    )
    command = [script] if script else [sys.executable, "-m", "core.cli"]
    # cwd and PYTHONPATH let the `python -m core.cli` fallback find the package from anywhere.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
    run = {"cwd": ROOT, "env": env, "text": True}
    done = subprocess.run([*command, "--version"], capture_output=True, timeout=60, **run)
    assert done.returncode == 0 and "denselabel" in done.stdout

    # 3M points: the steps after the first take seconds, so the signal lands mid-run
    # (a finished demo would exit 0); only the scene is built before it is stopped.
    demo = subprocess.Popen(
        [*command, "demo", "--points", "3000000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **run,
    )
    try:
        assert demo.stderr is not None
        before = _read_until(demo.stderr, "generating the scene")
        demo.send_signal(signal.SIGINT)  # at once: the next step polls the cancel flag
        _, stderr = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    stderr = before + stderr
    assert demo.returncode == 130, stderr
    assert "cancelled" in stderr and "Traceback" not in stderr


def _read_until(stream, text: str) -> str:
    """Lines of `stream` up to the first holding `text` (all of it if it never comes)."""
    lines = []
    for line in iter(stream.readline, ""):
        lines.append(line)
        if text in line:
            break
    assert any(text in line for line in lines), "".join(lines)
    return "".join(lines)


def test_a_cloud_without_labels_given_as_labels_says_it_has_none(capsys, small):
    """One rule decides "cloud or labels" for upsample and evaluate: x,y,z lines are a cloud."""
    from core.io import read_cloud

    sample = read_cloud(small["sample"])
    xyz_only = small["folder"] / "sample_xyz.txt"
    np.savetxt(xyz_only, sample.xyz + sample.offset, fmt="%.3f")
    out = small["folder"] / "never.npy"
    upsample = ["upsample", small["cloud"], "--labels", xyz_only, "--map", small["map"]]
    assert_one_sentence_error(capsys, [*upsample, "--method", "voxel", "-o", out], "no labels")
    assert_one_sentence_error(capsys, ["evaluate", xyz_only, small["truth"]], "no labels")
    assert not out.exists()


def test_evaluate_reads_a_csv_of_one_label_a_line_as_labels(capsys, small):
    as_csv = small["folder"] / "truth.csv"
    as_csv.write_text(small["truth"].read_text())
    status = main(["-q", "evaluate", str(small["truth"]), str(as_csv), "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert '"accuracy": 1.0' in captured.out
