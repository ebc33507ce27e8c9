"""How the sample is cut into Ground Truth frames: "Points a frame" and the overlap
(remembered), and, before anything is exported, how many frames the sample will make.

AWS recommends at most 500,000 points a frame; a bigger sample becomes several frames in
one labeling job, and fetching stitches their labels back (core/groundtruth/multiframe.py).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QWidget

from core.groundtruth.frames import DEFAULT_FRAME_POINTS
from core.groundtruth.multiframe import DEFAULT_OVERLAP, count_frames
from gui.panels.review_common import settings_store
from gui.session import Session
from gui.workers import LatestOnly

POINTS_KEY = "groundtruth/frame_points"
OVERLAP_KEY = "groundtruth/frame_overlap"
#: Over this the worker UI may not render a frame at all.
RENDER_LIMIT = 1_000_000


class FrameSettings(QWidget):
    """The frame limit and overlap, and a note saying how many frames the sample makes."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        store = settings_store()
        self.points = QSpinBox(self)
        self.points.setRange(1_000, 5_000_000)
        self.points.setSingleStep(50_000)
        self.points.setGroupSeparatorShown(True)
        self.points.setValue(int(_remembered(store, POINTS_KEY, DEFAULT_FRAME_POINTS)))
        self.points.setToolTip(
            "The most points a frame holds (AWS recommends at most 500,000; frames over "
            "1,000,000 may not render). A bigger sample becomes several frames in one job."
        )
        self.overlap = QDoubleSpinBox(self)
        self.overlap.setRange(0.0, 100.0)
        self.overlap.setDecimals(2)
        self.overlap.setSingleStep(0.05)
        self.overlap.setSuffix(" m")
        self.overlap.setValue(_remembered(store, OVERLAP_KEY, DEFAULT_OVERLAP))
        self.overlap.setToolTip("Metres of the neighbouring tiles each frame also shows")
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.counts: list[int] | None = None  # points of each frame, once counted
        self._counter = LatestOnly(session, self)
        form = QFormLayout(self)  # default margins: its rows line up with the job form's
        form.addRow("Points a frame", self.points)
        form.addRow("Frame overlap", self.overlap)
        form.addRow(self.note)
        self.points.valueChanged.connect(self._changed)
        self.overlap.valueChanged.connect(self._changed)
        session.sample_changed.connect(self.recount)
        session.cloud_changed.connect(self.recount)
        self.recount()

    def options(self) -> dict:
        """The keyword arguments of core.groundtruth.export.export_frame."""
        return {"frame_points": self.points.value(), "frame_overlap": self.overlap.value()}

    def set_from_record(self, frame_points: int | None, overlap: float) -> None:
        """Show the settings a job record was exported with (a reopened job)."""
        if frame_points:
            self.points.setValue(int(frame_points))
        self.overlap.setValue(float(overlap))

    def _changed(self) -> None:
        store = settings_store()
        store.setValue(POINTS_KEY, self.points.value())
        store.setValue(OVERLAP_KEY, self.overlap.value())
        store.sync()
        self.recount()

    def recount(self) -> None:
        """Count the frames of the current sample in a worker (a big one takes a second)."""
        sample = self.session.state.sample
        self.counts = None
        if sample is None:
            self._counter.cancel()
            self.note.setText("")
            return
        limit, overlap = self.points.value(), self.overlap.value()
        if len(sample) <= limit:  # no work: the common case answers at once
            self._counter.cancel()
            self._show([len(sample)])
            return
        self.note.setText(f"Counting the frames of {len(sample):,} sample points…")
        xyz = sample.xyz

        def work(progress, cancel):
            return count_frames(xyz, limit, overlap, cancel)

        self._counter.submit("Counting frames", work, self._show, self._refused)

    def _show(self, counts: list[int]) -> None:
        self.counts = counts
        total = sum(counts)
        if len(counts) == 1:
            text = f"The sample's {total:,} points fit in one frame."
            if total > RENDER_LIMIT:
                text += " Over 1,000,000 points may not render in the worker UI."
        else:
            sample = self.session.state.sample
            n_sample = len(sample) if sample is not None else total
            text = (
                f"The sample's {n_sample:,} points make {len(counts)} frames of "
                f"{min(counts):,} to {max(counts):,} points (overlap included), one labeling "
                "job; fetching stitches their labels back."
            )
        self.note.setText(text)

    def _refused(self, sentence: str) -> None:
        self.counts = None
        self.note.setText(sentence)

    @property
    def n_frames(self) -> int | None:
        """Frames the sample will make (None until counted)."""
        return None if self.counts is None else len(self.counts)


def _remembered(store, key: str, default: float) -> float:
    """A number remembered in the settings; the default when missing or not a number."""
    try:
        value = float(str(store.value(key, default)))
    except ValueError:
        return default
    return value if value == value else default  # NaN: an edited settings file
