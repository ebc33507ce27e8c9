"""Every hostile input of the generated corpus gets one sentence, status 2, and harms nothing.

For each case (tests/corpus): the real command line (``core.cli.main``) exits 2 with exactly
one line on stderr, ``denselabel: error: NAME...: problem; remedy``, naming the file or the
option at fault, no traceback and no warning; every file in the case's folder keeps its
bytes and no file appears (no partial output, no temporary left behind).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from core.cli import main
from tests.corpus.corpus_more import make_corpus

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("corpus")
    return {f"{c.folder.name} {c.name}": c for c in make_corpus(folder)}


def _names() -> list[str]:
    from tests.corpus.make_corpus import REGISTRY

    return [f"{n:03d}_{kind} {name}" for n, (kind, name, _) in enumerate(REGISTRY)]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder`: file bytes, a symlink's target, or 'folder'."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "-> " + str(path.readlink())
        elif path.is_dir():
            found[key] = "folder"
        else:
            found[key] = path.read_bytes()
    return found


def test_the_corpus_covers_every_kind_with_at_least_80_inputs(corpus):
    kinds = Counter(c.kind for c in corpus.values())
    assert len(corpus) >= 80, kinds
    wanted = {"text", "ply", "pcd", "las", "npy", "labels", "manifest", "map", "record"}
    assert wanted | {"config", "argument", "output"} <= set(kinds), kinds
    assert all(kinds[k] >= 5 for k in wanted), kinds


@pytest.mark.parametrize("key", _names())
def test_hostile_input_gives_one_sentence_and_changes_nothing(key, corpus, capsys):
    case = corpus[key]
    before = snapshot(case.folder)
    status = main(["-q", *case.argv])
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert status == 2, f"status {status}: {err}"
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("denselabel: error: "), line
    assert "Traceback" not in err and "Warning" not in err, err
    assert case.expect.lower() in line.lower(), f"{case.expect!r} not named: {line}"
    if case.line is not None:
        assert f"{case.expect}, line {case.line}:" in line, f"line {case.line} expected: {line}"
    # Problem, then what to do: a sentence with a remedy after a semicolon.
    assert "; " in line, f"no remedy: {line}"
    assert snapshot(case.folder) == before, "an input changed or a file was left behind"


def _through_the_script() -> list[str]:
    """Every LAS/LAZ case (native code writes to the real stderr) and every 12th other one."""
    names = _names()
    return [n for k, n in enumerate(names) if "_las " in n or k % 12 == 0]


@pytest.mark.parametrize("key", _through_the_script())
def test_the_installed_script_prints_one_line_and_nothing_else(key, corpus):
    """The whole process: what native libraries write to stderr counts too."""
    case = corpus[key]
    script = ROOT / ".venv" / "bin" / "denselabel"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "core.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RUST_BACKTRACE": "1"}
    before = snapshot(case.folder)
    done = subprocess.run(
        [*command, "-q", *case.argv], capture_output=True, text=True, env=env, timeout=120
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("denselabel: error: ") and case.expect in lines[0], lines[0]
    assert snapshot(case.folder) == before
