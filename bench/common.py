"""Timing and peak-memory measurement shared by the benchmarks.

Peak memory is measured with tracemalloc, which numpy reports its buffers to, so the
peak of one step is measured in the same process as the others (resident-set figures
would carry the previous step's high-water mark).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Measured:
    seconds: float
    peak_bytes: int
    result: Any


def measure(fn: Callable[[], Any], repeat: int = 1) -> Measured:
    """Best time of `repeat` runs of `fn`, and the peak of traced memory during the first."""
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    best = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    for _ in range(repeat - 1):
        del result
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return Measured(best, peak, result)


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MB"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
