"""Several outputs of one command: all old or all new, checked before any is written.

Also: temporaries of a killed run are removed the next time the same output is written,
an index map carries a record of its sample, and a sample/map pair that does not match is
refused (maps without a record still load).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.atomic import atomic_outputs, stale_temporaries
from core.cli import main
from core.errors import InputError
from core.index_map import record_path
from tests.corpus.make_corpus import text_lines, write_base

ROOT = Path(__file__).resolve().parents[1]


def old_files(tmp_path: Path) -> list[Path]:
    paths = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for path in paths:
        path.write_text("old")
    return paths


def test_a_failure_in_the_second_output_keeps_both_old_files(tmp_path):
    a, b = old_files(tmp_path)
    with pytest.raises(RuntimeError), atomic_outputs([a, b]) as (ta, tb):
        ta.write_text("new")
        raise RuntimeError("the second writer failed")
    assert a.read_text() == b.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_ctrl_c_inside_the_group_keeps_both_old_files(tmp_path):
    a, b = old_files(tmp_path)
    with pytest.raises(KeyboardInterrupt), atomic_outputs([a, b]) as (ta, tb):
        ta.write_text("new")
        tb.write_text("new")
        raise KeyboardInterrupt
    assert a.read_text() == b.read_text() == "old"


def test_a_finished_group_replaces_every_file(tmp_path):
    a, b = old_files(tmp_path)
    with atomic_outputs([a, b]) as (ta, tb):
        ta.write_text("new a")
        tb.write_text("new b")
    assert (a.read_text(), b.read_text()) == ("new a", "new b")


def test_every_output_is_checked_before_any_is_written(tmp_path):
    a = tmp_path / "a.txt"
    missing = tmp_path / "missing" / "b.txt"
    with pytest.raises(InputError, match="does not exist") as caught, atomic_outputs([a, missing]):
        raise AssertionError("the block must not run")
    assert "b.txt" in str(caught.value)
    assert not a.exists()


def test_an_output_inside_a_folder_that_holds_the_input_is_refused_by_any_path(tmp_path):
    source = tmp_path / "map.npy"
    source.write_bytes(b"input")
    (tmp_path / "sub").mkdir()
    other_path = tmp_path / "sub" / ".." / "map.npy"
    outputs = [tmp_path / "x.txt", other_path]
    with pytest.raises(InputError, match="overwrite an input"), atomic_outputs(outputs, [source]):
        pass
    assert source.read_bytes() == b"input"


def test_temporaries_of_a_killed_run_go_when_the_output_is_written_again(tmp_path):
    target = tmp_path / "sample.ply"
    # What a SIGKILLed run leaves: the hidden temporary beside its output.
    script = (
        "import os, sys\n"
        "from core.atomic import atomic_path\n"
        "with atomic_path(sys.argv[1]) as tmp:\n"
        "    tmp.write_bytes(b'half')\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(target)], cwd=ROOT, check=False)
    assert len(stale_temporaries(target)) == 1
    (tmp_path / ".other.abcdefgh.ply").write_bytes(b"another output's")  # not ours: kept
    with atomic_outputs([target]) as (tmp,):
        tmp.write_bytes(b"whole")
    assert stale_temporaries(target) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.abcdefgh.ply", "sample.ply"]


@pytest.fixture
def downsampled(tmp_path) -> dict[str, Path]:
    base = write_base(tmp_path)
    sample, index_map = tmp_path / "s.ply", tmp_path / "m.npy"
    argv = ["-q", "downsample", str(base["cloud"]), "-o", str(sample), "--method", "voxel-mean"]
    assert main([*argv, "--voxel-size", "0.6", "--map", str(index_map)]) == 0
    return {**base, "sample": sample, "map": index_map}


def upsample_knn(paths: dict[str, Path], sample: Path, labels: Path) -> int:
    argv = ["-q", "upsample", str(paths["cloud"]), "--labels", str(labels)]
    argv += ["--map", str(paths["map"]), "--sample", str(sample), "--method", "knn"]
    return main([*argv, "-o", str(paths["cloud"].parent / "out.npy")])


def test_downsample_writes_a_record_of_the_sample_beside_the_map(downsampled):
    record = json.loads(record_path(downsampled["map"]).read_text())
    from core.io import read_cloud

    assert record["sample_points"] == len(read_cloud(downsampled["sample"]))
    assert record["full_points"] == len(np.load(downsampled["map"]))
    assert len(record["sample_xyz_sha256"]) == 64


def test_a_sample_from_another_run_is_refused_with_a_sentence(downsampled, capsys):
    from core.io import read_cloud

    sample = read_cloud(downsampled["sample"])
    labels = downsampled["sample"].parent / "s.labels"
    labels.write_text("1\n" * len(sample))
    assert upsample_knn(downsampled, downsampled["sample"], labels) == 0
    # Same point count, one point moved: another sample.
    moved = downsampled["sample"].parent / "moved.xyz"
    rows = np.column_stack([sample.xyz + sample.offset, np.zeros((len(sample), 3))])
    rows[0, 0] += 0.25
    moved.write_bytes(text_lines(rows))
    capsys.readouterr()
    assert upsample_knn(downsampled, moved, labels) == 2
    err = capsys.readouterr().err
    assert "m.npy" in err and "another sample" in err, err
    # Without the record, the counts alone are checked and the pair is accepted.
    record_path(downsampled["map"]).unlink()
    assert upsample_knn(downsampled, moved, labels) == 0
