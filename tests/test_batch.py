"""``denselabel batch`` on a real Dask LocalCluster (2 worker processes on 127.0.0.1)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.batch.plan import BatchState, plan_jobs
from core.batch.run import run_jobs
from core.cli import main
from core.errors import Cancelled, InputError
from core.io import read_cloud, write_cloud
from core.scene import make_scene

DOWNSAMPLE = ["--method", "voxel-mean", "--voxel-size", "0.1"]


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as local, Client(local) as client:  # fmt: skip
        yield local.scheduler_address, client


@pytest.fixture()
def tiles(tmp_path, monkeypatch):
    """Three small LAZ tiles and a broken text file, in a folder; cwd = tmp_path."""
    monkeypatch.chdir(tmp_path)
    cloud = make_scene(9_000, seed=1)
    folder = tmp_path / "tiles"
    folder.mkdir()
    for i in range(3):
        write_cloud(cloud.subset(np.arange(i, len(cloud), 3)), folder / f"t{i}.laz")
    return folder


def _outputs(argv_tail):
    return [*DOWNSAMPLE, "-o", "out/{stem}.ply", "--map", "out/{stem}.npy", *argv_tail]


def test_batch_downsample_matches_single_file_runs(cluster, tiles, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    status = main(
        ["batch", "downsample", str(tiles), "--scheduler", cluster[0], "--", *_outputs([])]
    )
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert sum("points ->" in line for line in lines) == 3
    assert lines[-1].startswith("batch downsample: 3 done, 0 skipped")
    for i in range(3):
        assert main(["downsample", str(tiles / f"t{i}.laz"), "-o", f"one{i}.ply", *DOWNSAMPLE]) == 0
        batch, alone = read_cloud(f"out/t{i}.ply"), read_cloud(f"one{i}.ply")
        assert np.array_equal(batch.xyz, alone.xyz)
        assert len(np.load(f"out/t{i}.npy")) == 3_000


def test_a_failing_file_is_reported_and_the_others_go_on(cluster, tiles, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tiles / "broken.xyz").write_text("1 2 3\nfoo bar baz\n")
    status = main(
        ["batch", "downsample", str(tiles), "--scheduler", cluster[0], "--", *_outputs([])]
    )
    out = capsys.readouterr().out
    assert status == 1  # one file failed
    assert "broken.xyz: FAILED: broken.xyz, line 2:" in out
    assert "1 failed" in out and "3 done" in out
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"t0.npy", "t0.ply", "t1.npy", "t1.ply", "t2.npy", "t2.ply"} <= written
    assert not any(name.startswith(("broken", ".")) for name in written)  # no partial output


def test_batch_resumes_and_reruns_what_changed(cluster, tiles, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    argv = ["batch", "downsample", str(tiles), "--scheduler", cluster[0], "--state", "s.json"]
    assert main([*argv, "--", *_outputs([])]) == 0
    assert set(json.loads((tmp_path / "s.json").read_text())["done"]) == {
        str(tiles / f"t{i}.laz") for i in range(3)
    }
    capsys.readouterr()
    (tmp_path / "out" / "t1.ply").unlink()  # a lost output is made again
    assert main([*argv, "--", *_outputs([])]) == 0
    out = capsys.readouterr().out
    assert out.count("skipped, finished in an earlier run") == 2
    assert "1 done, 2 skipped" in out and (tmp_path / "out" / "t1.ply").exists()
    # Other options: every file runs again.
    assert main([*argv, "--", *_outputs(["--seed", "3"])]) == 0
    assert "3 done, 0 skipped" in capsys.readouterr().out


def test_batch_on_its_own_local_cluster_evaluates_each_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    truth = np.repeat(np.arange(4, dtype=np.uint8), 25)
    for i in range(2):
        predicted = truth.copy()
        predicted[: 10 * (i + 1)] = 3
        np.save(tmp_path / f"p{i}.npy", predicted)
    np.save(tmp_path / "truth.npy", truth)
    argv = ["batch", "evaluate", "p0.npy", "p1.npy", "--workers", "2", "--", "truth.npy"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("p0.npy: ") and "accuracy" in line.lower() for line in lines)
    assert any(line.startswith("p1.npy: ") and "accuracy" in line.lower() for line in lines)


def test_batch_gt_export_writes_one_folder_a_sample(cluster, tiles, tmp_path, capsys):
    argv = ["batch", "gt", "export", str(tiles / "t0.laz"), str(tiles / "t1.laz")]
    argv += ["--scheduler", cluster[0], "--", "-o", "gt/{stem}", "--class", "floor"]
    assert main(argv) == 0
    assert "2 done" in capsys.readouterr().out
    assert any((tmp_path / "gt" / "t0").iterdir()) and any((tmp_path / "gt" / "t1").iterdir())


def test_cancel_stops_the_batch_and_records_nothing_unfinished(cluster, tiles, tmp_path):
    (tmp_path / "out").mkdir()
    jobs = plan_jobs("downsample", [str(p) for p in sorted(tiles.iterdir())], _outputs([]))
    state = BatchState(tmp_path / "state.json")
    with pytest.raises(Cancelled):
        run_jobs(cluster[1], jobs, state, cancel=lambda: True)
    assert not (tmp_path / "state.json").exists()


def test_batch_refuses_outputs_without_a_pattern(tiles, capsys):
    argv = ["batch", "downsample", str(tiles), "--", *DOWNSAMPLE, "-o", "same.ply"]
    assert main(argv) == 2
    assert "put {stem} in the output pattern" in capsys.readouterr().err
    with pytest.raises(InputError, match="unknown placeholder"):
        plan_jobs("downsample", [str(tiles / "t0.laz")], ["-o", "{stem}{oops}.ply"])


def test_a_failed_file_says_what_to_do(tmp_path):
    """A file the batch cannot read gets one sentence with a remedy, not a bare exception."""
    from core.batch.tasks import run_command

    folder = tmp_path / "scan.xyz"
    folder.mkdir()  # a folder where a file was expected
    outcome = run_command(["downsample", str(folder), *DOWNSAMPLE, "-o", str(tmp_path / "out.ply")])
    assert not outcome.ok
    assert "scan.xyz" in outcome.line and "; " in outcome.line
    assert "Error" not in outcome.line  # no exception class names for the user
