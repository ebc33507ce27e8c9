"""What a Dask worker runs for one file: the single-file command, its outcome as data.

A task never raises for a file's own trouble: bad input comes back as the command's one
sentence, so the batch reports it and goes on with the other files.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from dataclasses import dataclass


@dataclass
class Outcome:
    """How one file went.

    Attributes
    ----------
    ok : bool
    line : str
        The command's summary line, or the sentence saying what went wrong.
    seconds : float
    """

    ok: bool
    line: str
    seconds: float


#: Namespace fields of the single-file commands that hold paths (relative ones are resolved
#: against the folder the batch was started in: a worker's own folder may be elsewhere).
PATH_FIELDS = (
    "file", "output", "map", "sample", "labels", "cloud_output", "predicted", "true",
    "classes", "cloud", "label_config", "full", "project",
)  # fmt: skip


def resolve_paths(args, folder: str | None) -> None:
    """Make the path options of parsed `args` absolute against `folder`, in place (not URLs)."""
    if folder is None:
        return
    for name in PATH_FIELDS:
        value = getattr(args, name, None)
        if isinstance(value, str) and "://" not in value and not os.path.isabs(value):
            setattr(args, name, os.path.join(folder, value))


def run_command(argv: list[str], folder: str | None = None) -> Outcome:
    """Run ``denselabel ARGV`` in this process, quietly; its summary line or its error.

    Relative paths in `argv` are taken from `folder` (the batch's working folder).
    """
    from core.cli import build_parser
    from core.cli.common import UsageError
    from core.cli.console import Console
    from core.failure import describe

    start = time.perf_counter()
    out = io.StringIO()
    try:
        args = build_parser().parse_args(argv)
        resolve_paths(args, folder)
        args.console = Console(quiet=True)
        with contextlib.redirect_stdout(out):
            status = int(args.func(args) or 0)
        ok, line = status == 0, summary_line(argv, out.getvalue()) or f"exit status {status}"
    except UsageError as exc:
        ok, line = False, str(exc)
    except MemoryError:
        ok, line = False, "not enough memory; use --stream or a larger voxel size."
    except Exception as exc:  # a bug must not stop the other files; say what it was
        ok, line = False, describe(exc)
    return Outcome(ok, line, time.perf_counter() - start)


def summary_line(argv: list[str], printed: str) -> str:
    """One line from what the command printed (evaluate prints a table: its score lines)."""
    lines = [line.strip() for line in printed.splitlines() if line.strip()]
    if argv and argv[0] == "evaluate":
        scores = [line for line in lines if line.lower().startswith(("accuracy", "mean iou"))]
        if scores:
            return "; ".join(" ".join(s.split()) for s in scores)
    return lines[-1] if lines else ""
