"""Timing and peak-memory measurement shared by the benchmarks.

Peak memory is the highest resident set size sampled every 2 ms while a step runs,
minus the resident size when it started. Sampling (rather than tracemalloc) keeps the
timings honest: tracemalloc slows Python-heavy code such as ``np.loadtxt`` several-fold.
Large numpy buffers are mmapped and returned to the OS when freed, so steps measured
one after another in one process do not inherit each other's high-water mark.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """The process's resident set size now."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE


@dataclass
class Measured:
    seconds: float
    peak_bytes: int
    result: Any


def measure(fn: Callable[[], Any], repeat: int = 1) -> Measured:
    """Best wall time of `repeat` runs of `fn`, and the peak extra memory of the first run."""
    gc.collect()
    base = rss_bytes()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        result = fn()
        best = time.perf_counter() - start
    finally:
        done.set()
        sampler.join()
    peak[0] = max(peak[0], rss_bytes())
    for _ in range(repeat - 1):
        del result
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return Measured(best, peak[0] - base, result)


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MB"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main_with_sizes(
    run: Callable[[list[int]], str], doc: str | None, sizes: Any, argv: list[str] | None = None
) -> int:
    """The command line every size-driven benchmark shares: ``--sizes N [N ...]``."""
    import argparse

    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=list(sizes))
    args = parser.parse_args(argv)
    print(run([int(size) for size in args.sizes]))
    return 0
