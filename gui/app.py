"""Entry point: ``denselabel-gui [FILE] [--sample]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="denselabel-gui",
        description="Load, orient and downsample dense point clouds, then label and review them.",
    )
    parser.add_argument(
        "file", nargs="?", help="a point cloud to open (xyz/txt, PLY, LAS/LAZ, COPC, PCD, E57, npy)"
    )
    parser.add_argument(
        "--sample", action="store_true", help="open the bundled synthetic sample scene (1M points)"
    )
    parser.add_argument(
        "--recover",
        choices=("ask", "restore", "discard"),
        default="ask",
        help="after a crash: ask whether to restore the recovered session (default), or "
        "restore or discard it without asking",
    )
    parser.add_argument(
        "--python",
        metavar="SCRIPT",
        help="run a Python file once the window is shown, with `window` defined (for "
        "scripted checks and tests)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="save a screenshot of the whole window once the cloud is shown, then quit "
        "(for docs and checks)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window; returns the exit status."""
    args = parse_args(argv)
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("DenseLabel")
    app.setOrganizationName("DenseLabel")
    window = MainWindow()
    try:
        return _run(app, window, args)
    except BaseException:
        # A failure before the event loop ran leaves jobs (the warm-up) on worker threads;
        # stop them first, or they emit from deleted objects while Python shuts down.
        from gui import workers

        workers.cancel_all()
        workers.wait_all([])
        raise


def _run(app: Any, window: Any, args: argparse.Namespace) -> int:
    window.show()
    job = None
    if not args.screenshot:  # a screenshot run is unattended: no question to answer
        job = window.projects.recovery.offer(args.recover)
    if args.file and str(args.file).endswith(".dlproj"):
        job = window.projects.open_project(args.file)
    elif args.file:
        job = window.open_file(args.file)
    elif args.sample:
        job = window.open_sample_scene()
    if args.screenshot:
        _screenshot_then_quit(window, job, args.screenshot)
    if args.python:
        from PySide6.QtCore import QTimer

        script = Path(args.python)
        code = compile(script.read_text(encoding="utf-8"), str(script), "exec")
        QTimer.singleShot(0, lambda: exec(code, {"window": window, "app": app}))
    return int(app.exec())


def _screenshot_then_quit(window: object, job: object, path: str) -> None:
    from PySide6.QtCore import QTimer

    def shoot() -> None:
        if job is not None and job.is_running():  # type: ignore[attr-defined]
            QTimer.singleShot(200, shoot)
            return
        QTimer.singleShot(1500, lambda: _save_and_close(window, path))

    QTimer.singleShot(500, shoot)


def _save_and_close(window, path: str) -> None:  # noqa: ANN001 - the main window
    from gui.screenshot import save_window

    view = window.viewport
    try:
        save_window(window, view.plotter, view.image(), path)
    finally:
        window.close()


if __name__ == "__main__":
    sys.exit(main())
