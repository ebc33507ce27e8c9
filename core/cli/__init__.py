"""The ``denselabel`` command: one subcommand per step, to process scans without the window.

Exit status: 0 success, 2 bad input or bad usage (one sentence on stderr, prefixed
``denselabel: error:``), 130 cancelled by Ctrl-C, 1 anything unexpected.

Each subcommand module has ``register(subparsers)`` which adds its parser and sets
``func=run`` with ``run(args) -> int``; ``args.console`` (a `core.cli.console.Console`)
gives progress steps and the Ctrl-C cancel flag. ``denselabel gt`` comes from
``core/cli/gt.py`` when that module exists.
"""

from __future__ import annotations

# Before anything else loads: Ctrl-C or SIGTERM from here on ends with status 130.
import core.cli.startup  # noqa: F401  # isort: skip
import argparse
import contextlib
import importlib
import importlib.util
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from core.cli import batch, demo, downsample, evaluate, export, info, upsample
from core.cli.common import (
    PROG,
    Parser,
    UsageError,
    add_command,
    require_file,
)
from core.cli.console import Console, ctrl_c_cancels
from core.errors import InputError
from core.failure import describe, exit_status, is_cancel

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 1, 2, 130


def build_parser() -> Parser:
    """The full argument parser (subcommands registered by their modules)."""
    from core import __version__

    parser = Parser(
        prog=PROG,
        description="Downsample dense point clouds for labeling, carry the labels back to "
        "every point, and score them. 'denselabel FILE' opens FILE in the window.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress or step times on stderr"
    )
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for module in (info, downsample, upsample, export, evaluate, demo, batch):
        module.register(subparsers)
    _register_gui(subparsers)
    if importlib.util.find_spec("core.cli.gt") is not None:
        importlib.import_module("core.cli.gt").register(subparsers)
    return parser


def _register_gui(subparsers) -> None:
    parser = add_command(subparsers, "gui", "open the window (optionally on FILE)")
    parser.add_argument("file", nargs="?", metavar="FILE", help="a point cloud to open")
    parser.add_argument("--sample", action="store_true", help="open the sample scene")
    parser.set_defaults(func=_run_gui)


def _run_gui(args: argparse.Namespace) -> int:
    if args.file:
        require_file(args.file, "point cloud file")
    if sys.platform.startswith("linux") and not _has_display():
        # Qt aborts the process without a display; say what to do instead.
        raise InputError(
            "no display found (DISPLAY is not set); run on a desktop, or try "
            "'xvfb-run -a denselabel gui ...', or use the other commands."
        )
    # Imported here only: importing core must never load Qt (tests/test_core_has_no_qt.py).
    app = importlib.import_module("gui.app")
    argv = ([args.file] if args.file else []) + (["--sample"] if args.sample else [])
    # The window handles its own closing (unsaved work, recovery): not the command's
    # "stop at once", so it gets Python's usual signal behaviour, as denselabel-gui does.
    with contextlib.suppress(ValueError):  # ValueError: not the main thread
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return int(app.main(argv) or 0)


def _has_display() -> bool:
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _with_gui_shortcut(argv: list[str], commands: Sequence[str]) -> list[str]:
    """``denselabel FILE`` means ``denselabel gui FILE`` when FILE exists."""
    if argv and argv[0] not in commands and not argv[0].startswith("-") and Path(argv[0]).exists():
        return ["gui", *argv]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (never raises for bad input)."""
    if argv is None:  # the program itself (not a test calling in): quiet to the very end
        try:
            return _main(sys.argv[1:])
        finally:
            core.cli.startup.ignore_signals_while_exiting()
    return _main(list(argv))


def _main(argv: list[str]) -> int:
    console = Console()
    try:
        with ctrl_c_cancels(console):
            parser = build_parser()
            commands = list(_subcommand_names(parser))
            args = parser.parse_args(_with_gui_shortcut(argv, commands))
            console.quiet = bool(args.quiet)
            if getattr(args, "func", None) is None:
                parser.print_help()
                return EXIT_BAD_INPUT if argv else EXIT_OK
            args.console = console
            return int(args.func(args) or 0)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except UsageError as exc:
        return _fail(console, str(exc), EXIT_BAD_INPUT)
    except BrokenPipeError:
        # The reader of our output went away (e.g. '| head'); stop quietly, as cat does.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except BaseException as exc:  # every other failure: one sentence (core.failure)
        if is_cancel(exc):
            console.clear()
            print(f"{PROG}: {describe(exc)}", file=sys.stderr)
            return EXIT_CANCELLED
        return _fail(console, describe(exc), exit_status(exc))


def _fail(console: Console, message: str, status: int) -> int:
    console.clear()
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def _subcommand_names(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []
