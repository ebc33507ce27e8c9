"""Entry point: ``denselabel-gui [FILE] [--sample]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="denselabel-gui",
        description="Load, orient and downsample dense point clouds, then label and review them.",
    )
    parser.add_argument(
        "file", nargs="?", help="a point cloud to open (xyz/txt, PLY, LAS/LAZ, PCD, npy)"
    )
    parser.add_argument(
        "--sample", action="store_true", help="open the bundled synthetic sample scene (1M points)"
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="save a screenshot once the cloud is shown, then quit (for docs and checks)",
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
    window.show()
    job = None
    if args.file:
        job = window.open_file(args.file)
    elif args.sample:
        job = window.open_sample_scene()
    if args.screenshot:
        _screenshot_then_quit(window, job, args.screenshot)
    return int(app.exec())


def _screenshot_then_quit(window: object, job: object, path: str) -> None:
    from PySide6.QtCore import QTimer

    def shoot() -> None:
        if job is not None and job.is_running():  # type: ignore[attr-defined]
            QTimer.singleShot(200, shoot)
            return
        QTimer.singleShot(1500, lambda: (window.viewport.screenshot(path), window.close()))  # type: ignore[attr-defined]

    QTimer.singleShot(500, shoot)


if __name__ == "__main__":
    sys.exit(main())
