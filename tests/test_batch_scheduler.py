"""``denselabel batch --scheduler`` on a cluster started as `dask scheduler` / `dask worker`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.io import write_cloud
from core.scene import make_scene

DASK = str(Path(sys.executable).with_name("dask"))


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture()
def external_cluster(tmp_path):
    """A scheduler and one worker process on 127.0.0.1, stopped after the test."""
    from distributed import Client

    info = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(info)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker = subprocess.Popen(
            [DASK, "worker", address, "--host", "127.0.0.1", "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        if worker is not None:
            _stop(worker)
        _stop(scheduler)


def test_batch_runs_on_an_existing_scheduler(external_cluster, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cloud = make_scene(6_000, seed=4)
    for i in range(2):
        write_cloud(cloud.subset(np.arange(i, len(cloud), 2)), tmp_path / f"e{i}.laz")
    argv = ["batch", "downsample", "e0.laz", "e1.laz", "--scheduler", external_cluster, "--"]
    argv += ["--method", "voxel-mean", "--voxel-size", "0.2", "-o", "{stem}.s.ply"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2 done, 0 skipped (finished before), 0 failed" in out
    assert (tmp_path / "e0.s.ply").exists() and (tmp_path / "e1.s.ply").exists()


def test_an_unreachable_scheduler_is_one_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_cloud(make_scene(500, seed=1), tmp_path / "a.laz")
    argv = ["batch", "downsample", "a.laz", "--scheduler", "tcp://127.0.0.1:9", "--"]
    assert main([*argv, "--method", "voxel-mean", "--voxel-size", "0.2", "-o", "{stem}.ply"]) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
