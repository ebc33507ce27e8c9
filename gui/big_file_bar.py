"""The bar above the view while a big file is open: what the view holds, and its commands.

It says plainly that the cloud on screen is an overview (or one box at full density)
of how many of the file's points, so nobody takes it for the whole file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolBar, QVBoxLayout, QWidget

from gui.lod import human_count

if TYPE_CHECKING:
    from gui.big_file import BigFile, BigFiles


def describe_view(big: BigFile) -> str:
    """'Overview of scan.laz: 500,000 of 2,000,000 points (every 4th point), not the full
    cloud' or 'Full density inside the box: ...'."""
    shown, name = big.shown, Path(big.path).name
    counts = f"{len(shown.cloud):,} of {shown.n_file:,} points"
    if shown is big.overview:
        return f"Overview of {name}: {counts} ({shown.how}), not the full cloud"
    return f"Full density inside the box: {counts} of {name}"


class BigFileBar(QToolBar):
    """Note + Load full density here / Back to overview / Downsample whole file / Export."""

    def __init__(self, files: BigFiles):
        super().__init__("Big file")
        self.setObjectName("big_file_bar")  # saveState needs a name
        self.files = files
        # The note on a line of its own above the buttons: a toolbar row would push the
        # buttons into its overflow menu on a laptop screen.
        box = QWidget(self)
        rows = QVBoxLayout(box)
        rows.setContentsMargins(6, 2, 6, 2)
        self.note = QLabel(box)
        self.note.setStyleSheet("font-weight: bold;")
        self.note.setWordWrap(True)
        rows.addWidget(self.note)
        self._buttons = QHBoxLayout()
        rows.addLayout(self._buttons)
        self.addWidget(box)
        self.load_button = self._button(
            "Load full density here", files.load_region,
            "Read every point of the file inside the crop tile (Crop a tile… or Numbers… in "
            "the View tab of the Labels panel)",
        )  # fmt: skip
        self.overview_button = self._button(
            "Back to overview", files.back_to_overview, "Show the overview of the whole file again"
        )
        self.downsample_button = self._button(
            "Downsample whole file", files.downsample_whole_file,
            "Voxel mean of every point of the file, read chunk by chunk (the voxel size of the "
            "Downsample panel); the index map stays on disk in the output folder",
        )  # fmt: skip
        self.export_button = self._button(
            "Export labeled file…", files.export_dialog,
            "Write every point of the file with its label (LAS/LAZ), chunk by chunk",
        )  # fmt: skip
        self._buttons.addStretch(1)
        self.status_note = QLabel()  # the same words, kept in the status bar

    def _button(self, text: str, slot, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(lambda _=False: slot())
        self._buttons.addWidget(button)
        return button

    def refresh(self) -> None:
        big = self.files.current
        self.setVisible(big is not None)
        self.status_note.setVisible(big is not None)
        if big is None:
            return
        text = describe_view(big)
        state = self.files.session.state
        streamed = big.sample is not None and state.sample is big.sample
        if state.sample is not None and not streamed:
            # The Downsample panel samples the cloud it is given: here, only this view.
            text += (
                ". The sample is of these points only; Downsample whole file samples every "
                "point of the file."
            )
        self.note.setText(text)
        shown = big.shown
        self.status_note.setText(
            f"{'Overview' if shown is big.overview else 'Box'}: "
            f"{human_count(len(shown.cloud))} of {human_count(shown.n_file)} points"
        )
        self.status_note.setToolTip(text)
        self.overview_button.setEnabled(shown is not big.overview)
        self.export_button.setEnabled(streamed and state.labels_sample is not None)
