"""What a batch will do: the files, each file's command line, its outputs, and what is done.

A batch runs one single-file step (``downsample``, ``upsample``, ``gt export``,
``evaluate``) over many files with that step's own options. Any option value may name
the file it belongs to through placeholders, so outputs are named from a pattern:

``{stem}``   the input's name without its last suffix (``tile_07`` for ``tile_07.laz``)
``{name}``   the input's name (``tile_07.laz``)
``{parent}`` the input's folder
``{index}``  the input's position in the batch, from 0

The state file records, for every finished file, a digest of its command line and of
the input's size and modification time; a second run skips a file whose digest matches
and whose outputs all exist, so an interrupted batch resumes where it stopped.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from core.atomic import atomic_write
from core.errors import InputError

#: Step name -> the subcommand words of the single-file command.
STEPS: dict[str, tuple[str, ...]] = {
    "downsample": ("downsample",),
    "upsample": ("upsample",),
    "gt-export": ("gt", "export"),
    "evaluate": ("evaluate",),
}
#: Step -> the options whose values are files or folders the step writes.
OUTPUT_OPTIONS: dict[str, tuple[str, ...]] = {
    "downsample": ("-o", "--output", "--map"),
    "upsample": ("-o", "--output", "--cloud-output"),
    "gt-export": ("-o", "--output"),
    "evaluate": (),
}


@dataclass
class FileJob:
    """One file's share of a batch.

    Attributes
    ----------
    index : int
    input : str
    argv : list of str
        The full single-file command line (subcommand words first).
    outputs : list of str
    digest : str
        sha256 of the command line and the input's size and modification time.
    """

    index: int
    input: str
    argv: list[str]
    outputs: list[str]
    digest: str


def expand_inputs(items: list[str], suffixes: tuple[str, ...] | None = None) -> list[str]:
    """Files named by paths, folders (their files, sorted) and glob patterns, in order.

    Raises
    ------
    InputError
        An item that matches nothing, or no files at all.
    """
    found: list[str] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            files = sorted(str(p) for p in path.iterdir() if p.is_file() and p.name[0] != ".")
            if suffixes is not None:
                files = [f for f in files if f.lower().endswith(suffixes)]
            if not files:
                raise InputError(f"the folder {item} holds no point cloud files; check the path.")
        elif path.is_file():
            files = [item]
        else:
            files = sorted(glob.glob(item))
        if not files:
            raise InputError(f"{item} matches no file; check the path or pattern.")
        found.extend(f for f in files if f not in found)
    return found


def fill_pattern(text: str, input_path: str, index: int) -> str:
    """`text` with the placeholders of the module docstring filled for `input_path`."""
    path = Path(input_path)
    values = {"stem": path.stem, "name": path.name, "parent": str(path.parent), "index": index}
    try:
        return text.format_map(values)
    except (KeyError, ValueError, IndexError) as exc:
        raise InputError(
            f"the pattern {text!r} has an unknown placeholder ({exc}); use {{stem}}, {{name}}, "
            "{parent} or {index} (double braces for a literal brace)."
        ) from None


def plan_jobs(step: str, inputs: list[str], step_args: list[str]) -> list[FileJob]:
    """One `FileJob` a file: the step's words, the file, then the filled options."""
    if step not in STEPS:
        raise InputError(f"batch runs {', '.join(STEPS)}; {step!r} is not one of them.")
    jobs = []
    for index, item in enumerate(inputs):
        args = [fill_pattern(a, item, index) for a in step_args]
        argv = [*STEPS[step], item, *args]
        writes = OUTPUT_OPTIONS[step]
        outputs = [args[i + 1] for i, a in enumerate(args[:-1]) if a in writes]
        jobs.append(FileJob(index, item, argv, outputs, _digest(argv, item)))
    _refuse_shared_outputs(jobs)
    return jobs


def _refuse_shared_outputs(jobs: list[FileJob]) -> None:
    seen: dict[str, str] = {}
    for job in jobs:
        for out in job.outputs:
            key = os.path.abspath(out)
            if key in seen and seen[key] != job.input:
                raise InputError(
                    f"{seen[key]} and {job.input} would both write {out}; put {{stem}} in the "
                    "output pattern."
                )
            seen[key] = job.input


def _digest(argv: list[str], item: str) -> str:
    stat = os.stat(item)
    text = json.dumps([argv, stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(text.encode()).hexdigest()


class BatchState:
    """The resumable record of finished files: ``{input: {digest, outputs, summary}}``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.done: dict[str, dict] = {}
        if self.path.is_file():
            try:
                self.done = dict(json.loads(self.path.read_text(encoding="utf-8"))["done"])
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(
                    f"the batch state file is damaged ({exc}); delete it to start afresh.",
                    self.path,
                ) from None

    def finished(self, job: FileJob) -> bool:
        """True when `job` ran to the end with the same options and its outputs still exist."""
        entry = self.done.get(job.input)
        if entry is None or entry.get("digest") != job.digest:
            return False
        return all(Path(p).exists() for p in job.outputs)

    def record(self, job: FileJob, summary: str) -> None:
        """Mark `job` finished and save the state file atomically."""
        self.done[job.input] = {"digest": job.digest, "outputs": job.outputs, "summary": summary}
        with atomic_write(self.path, "w") as handle:
            json.dump({"done": self.done}, handle, indent=1)
