"""Workers: results reach the UI thread, errors become dialogs, cancel works, stale results drop."""

from __future__ import annotations

import threading
import time

import numpy as np

from core.errors import Cancelled, InputError
from gui.session import Session
from gui.workers import LatestOnly, run_job
from tests.gui.conftest import wait_for_job


def _slow(value, steps=20):
    def fn(progress, cancel):
        for i in range(steps):
            if cancel():
                raise Cancelled("stop")
            progress(i / steps, "working")
            time.sleep(0.01)
        return value

    return fn


def test_result_and_progress_arrive_on_the_ui_thread(qtbot):
    session = Session()
    ui_thread = threading.get_ident()
    seen: list[object] = []
    session.progress.connect(lambda f, m: seen.append(("progress", threading.get_ident())))
    session.busy.connect(lambda title: seen.append(("busy", title)))
    session.idle.connect(lambda: seen.append(("idle",)))
    results: list[tuple[int, int]] = []
    job = run_job(
        session, "Counting", _slow(7), lambda r: results.append((r, threading.get_ident()))
    )
    wait_for_job(qtbot, job)
    assert results == [(7, ui_thread)]
    assert seen[0] == ("busy", "Counting") and seen[-1] == ("idle",)
    assert all(e[1] == ui_thread for e in seen if e[0] == "progress")


def test_input_error_becomes_one_sentence_and_cancel_a_message(qtbot):
    session = Session()
    errors: list[tuple[str, str]] = []
    messages: list[str] = []
    session.error.connect(lambda t, s: errors.append((t, s)))
    session.message.connect(messages.append)

    def bad(progress, cancel):
        raise InputError("line 3 has two numbers; expected x,y,z.", path="a.xyz", line=3)

    wait_for_job(qtbot, run_job(session, "Reading a.xyz", bad, lambda r: None))
    assert errors == [("Reading a.xyz", "a.xyz, line 3: line 3 has two numbers; expected x,y,z.")]
    job = run_job(session, "Long", _slow(1, steps=500), lambda r: None)
    session.cancel_requested.emit()  # the status bar's Cancel button
    wait_for_job(qtbot, job)
    assert messages == ["Long: cancelled"] and len(errors) == 1


def test_an_os_error_in_a_job_reads_as_the_command_line_says_it(qtbot, tmp_path):
    from core.failure import describe

    session = Session()
    errors: list[tuple[str, str]] = []
    session.error.connect(lambda t, s: errors.append((t, s)))
    missing = tmp_path / "gone" / "scan.xyz"

    def read(progress, cancel):
        return open(missing, "rb")  # noqa: SIM115 - it raises

    wait_for_job(qtbot, run_job(session, "Reading scan.xyz", read, lambda r: None))
    try:
        open(missing, "rb")  # noqa: SIM115
    except OSError as exc:
        expected = describe(exc)
    assert errors == [("Reading scan.xyz", expected)]
    assert "scan.xyz" in expected and "Unexpected" not in expected


def test_latest_only_delivers_only_the_newest_request(qtbot):
    session = Session()
    runner = LatestOnly(session)
    results: list[int] = []
    for value in range(6):
        runner.submit("preview", _slow(value), results.append)
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=10_000)
    qtbot.wait(20)
    assert results == [5]


def test_ui_keeps_ticking_while_a_1m_point_downsample_runs(qtbot, record_property):
    """The issue's check: a timer on the UI thread records the largest gap between its ticks.

    The measured gap is recorded (see bench/bench_gui.py for the number and the 100 ms target);
    the assertion is only that the UI thread ran throughout, since timings vary on shared CI.
    """
    from PySide6.QtCore import QTimer

    from core.cloud import PointCloud
    from gui.preview import exact_downsample
    from gui.session import DownsampleSettings, Rotation

    rng = np.random.default_rng(0)
    # 1M points: long enough for many 10 ms ticks, short enough for a loaded 2-core CI box.
    cloud = PointCloud(rng.random((1_000_000, 3)) * [40.0, 30.0, 5.0])
    settings = DownsampleSettings("voxel-mean", voxel_size=0.05)
    exact_downsample(cloud.subset(np.arange(10_000)), Rotation(), settings)  # compile first
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    session = Session()
    started = time.perf_counter()
    job = run_job(
        session,
        "Downsampling",
        lambda p, c: exact_downsample(cloud, Rotation(), settings, p, c),
        lambda r: None,
    )
    wait_for_job(qtbot, job, timeout=120_000)
    timer.stop()
    # From the start to the end: a UI thread frozen throughout shows as one long gap.
    gaps = np.diff([started, *ticks, time.perf_counter()])
    record_property("max_ui_gap_s", float(gaps.max()))
    print(f"largest UI gap while downsampling 1M points: {gaps.max() * 1000:.0f} ms")
    # At least one tick landed while the job ran: the UI thread was not blocked throughout.
    assert len(ticks) >= 1
