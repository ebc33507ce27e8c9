"""Run every benchmark in one go and keep the tables in bench/results/latest.md.

``make bench`` runs this. Each benchmark module exposes ``run(...) -> str`` (a
markdown table); a module that is missing is skipped with a note, so the others still run.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
#: In the order they run: loading, the core numerics, label quality, labeling by hand,
#: projects, the window.
MODULES = (
    "bench.bench_load",
    "bench.bench_core",
    "bench.bench_peers",  # Open3D, scipy, CloudCompare beside ours (skipped when missing)
    "bench.bench_quality",
    "bench.bench_labeling",
    "bench.bench_project",
    "bench.bench_scale",  # 20M end to end and 16 tiles on Dask; 200M with DENSELABEL_BENCH_200M=1
    "bench.bench_gui",
    "bench.bench_preview",  # the exact live voxel preview, slider to frame, stage by stage
)


def run_one(name: str) -> str:
    """The table of one benchmark module, or a note saying why there is none."""
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return f"_{name}: not present, skipped._"
        raise
    started = time.perf_counter()
    table = module.run()
    return f"{table}\n\n_{name}: {time.perf_counter() - started:.0f} s._"


def main() -> int:
    sections = []
    for name in MODULES:
        print(f"running {name} ...", flush=True)
        section = run_one(name)
        print(section + "\n", flush=True)
        sections.append(section)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M")
    RESULTS.write_text(f"# Benchmarks ({stamp})\n\n" + "\n\n".join(sections) + "\n")
    print(f"tables written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
