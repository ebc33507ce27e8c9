"""``denselabel batch``: one step over many files on Dask, resumable, one line a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.common import PROG, Parser, add_command, positive_float, positive_int
from core.errors import InputError

USAGE = f"""{PROG} batch STEP INPUT... [--scheduler ADDRESS] [--workers N] [--state FILE]
       [--buffer METRES] -- STEP OPTIONS

STEP is downsample, upsample, gt-export (or 'gt export') or evaluate. INPUT is a file, a
folder (its files) or a quoted glob such as 'tiles/*.laz'. After '--' come the step's
own options, as for one file; in any of them {{stem}}, {{name}}, {{parent}} and
{{index}} stand for the input, so outputs are named from a pattern. Example:

  {PROG} batch downsample tiles/ -- --method voxel-mean --voxel-size 0.05 \\
      -o 'out/{{stem}}.sample.ply' --map 'out/{{stem}}.map.npy'

It runs on a local Dask cluster of worker processes (127.0.0.1), or with --scheduler
on an existing one ('dask scheduler' / 'dask worker'); workers read and write the
paths given, so on a cluster use shared storage. A file that fails is reported with
its reason and the others go on; the exit status is the number that failed (0: all
done). Finished files are recorded in the state file and skipped on the next run with
the same options, so an interrupted batch (Ctrl-C) resumes. For 'upsample --method
knn' over tiles, each tile also uses the labeled samples of its neighbours within
--buffer metres (default: --max-distance, else 1 m), so labels do not change at tile
borders."""


def register(subparsers) -> None:
    parser = add_command(
        subparsers, "batch", "run a step over many files on Dask (local or a cluster)", USAGE
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("words", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def _batch_parser() -> Parser:
    parser = Parser(prog=f"{PROG} batch", usage=USAGE.split("\n\n")[0], add_help=False)
    parser.add_argument("step", choices=("downsample", "upsample", "gt-export", "gt", "evaluate"))
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--scheduler", metavar="ADDRESS")
    parser.add_argument("--workers", type=positive_int, metavar="N")
    parser.add_argument("--state", metavar="FILE")
    parser.add_argument("--buffer", type=positive_float, metavar="METRES")
    return parser


def parse_words(words: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Batch options and the step's options (after ``--``)."""
    if "--" not in words:
        raise InputError(
            "give the step's options after '--', e.g. 'batch downsample tiles/ -- ...'."
        )
    cut = words.index("--")
    options = _batch_parser().parse_args(words[:cut])
    if options.step == "gt":
        if options.inputs[0] != "export":
            raise InputError("batch runs 'gt export' only; write 'batch gt export INPUT...'.")
        options.step, options.inputs = "gt-export", options.inputs[1:]
        if not options.inputs:
            raise InputError("name the samples to export after 'batch gt export'.")
    return options, words[cut + 1 :]


def run(args: argparse.Namespace) -> int:
    from core.batch.plan import BatchState, expand_inputs, plan_jobs
    from core.batch.run import dask_client, run_jobs, wall_time
    from core.cli import build_parser

    options, step_args = parse_words(args.words)
    from core.io import READ_EXTENSIONS

    clouds = None if options.step == "evaluate" else READ_EXTENSIONS  # folders: their clouds
    jobs = plan_jobs(options.step, expand_inputs(options.inputs, clouds), step_args)
    parsed = [build_parser().parse_args(job.argv) for job in jobs]  # usage errors before Dask
    state = BatchState(options.state or f".denselabel-batch-{options.step}.json")
    knn = options.step == "upsample" and parsed[0].method == "knn" and len(jobs) > 1
    console = args.console
    with dask_client(options.scheduler, options.workers) as client:
        submit = None
        if knn:
            from core.batch.tiles import knn_options, knn_submitter

            tile_options = [knn_options(p, options.buffer) for p in parsed]
            submit = knn_submitter(client, jobs, tile_options)
        result, seconds = wall_time(
            lambda: run_jobs(
                client, jobs, state, submit=submit, bar=not console.quiet and sys.stderr.isatty(),
                cancel=console.cancel,
            )
        )  # fmt: skip
    print(
        f"batch {options.step}: {result.done} done, {result.skipped} skipped (finished before), "
        f"{result.failed} failed, {seconds:.1f} s; state in {Path(state.path)}"
    )
    return min(result.failed, 125)
