"""A longer fuzz run of every reader: ``python -m bench.bench_fuzz [MUTANTS_PER_FORMAT]``.

The same checks as tests/test_fuzz_readers.py (a cloud or one InputError sentence, no
crash, no hang, bounded allocation) over many more truncations and byte flips, on the
scene generator's files and the real scans in ../shared/data. Prints the outcomes.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from tests.conftest import shared_data_dir
from tests.test_fuzz_readers import FORMATS, mutants, read_boxed, valid_file


def main(per_format: int = 400) -> int:
    outcomes: Counter[tuple[str, str]] = Counter()
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        sources = [valid_file(Path(folder), s, 5000) for s in FORMATS]
        sources += [p for p in sorted(shared_data_dir().glob("*")) if p.suffix in FORMATS]
        for source in sources:
            read_boxed(source)  # compiles the numba parsers first: not the file's cost
            rng = np.random.default_rng(len(source.name))
            data = source.read_bytes()[: 4 << 20]  # the head of a big scan is enough
            for k, mutant in enumerate(mutants(data, rng, per_format)):
                path = Path(folder) / f"m{k}{source.suffix}"
                path.write_bytes(mutant)
                kind, value, peak = read_boxed(path)
                outcomes[(source.name, kind)] += 1
                if kind in ("crash", "hang") or peak > 64 * len(mutant) + (8 << 20):
                    failures.append(f"{source.name} #{k}: {kind} {value!r} peak {peak:,}")
                path.unlink()
    for (name, kind), count in sorted(outcomes.items()):
        print(f"{name:28s} {kind:6s} {count:6d}")
    print("\n".join(failures) or "no crash, hang or oversized allocation")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 400))
