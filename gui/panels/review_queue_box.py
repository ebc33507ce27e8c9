"""The review queue of the Label panel: where the carried-back labels are most unsure.

For each sample point, how mixed its full-cloud members' labels are (core.labeling
.uncertainty), or how split the last KNN / auto carry-back's vote was there, whichever is
larger (gui/uncertainty_view.py); places are visited most unsure first (N / Shift+N): the
camera jumps there and the view shows only the full-resolution points of the place, ready
to be fixed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from core.labeling.uncertainty import ReviewQueue, review_queue
from gui import uncertainty_view
from gui.session import Session
from gui.workers import run_job


class ReviewQueueBox(QGroupBox):
    """Find the unsure places, then step through them."""

    def __init__(self, session: Session, viewport: Any, parent: QWidget | None = None):
        super().__init__("Review unsure places", parent)
        self.session, self.viewport = session, viewport
        self.queue: ReviewQueue | None = None
        self.position = -1
        self.place_size = QDoubleSpinBox(self, minimum=0.05, maximum=50, decimals=2, suffix=" m")
        self.place_size.setValue(0.5)
        self.find_button = QPushButton("Find unsure places", self)
        self.find_button.clicked.connect(self.find_places)
        self.next_button = QPushButton("Next (N)", self)
        self.next_button.clicked.connect(lambda: self.step(1))
        self.back_button = QPushButton("Back (Shift+N)", self)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.clear_button = QPushButton("Show everything", self)
        self.clear_button.clicked.connect(self.show_everything)
        self.where = QLabel("Carry the labels back first, then find the unsure places.", self)
        self.where.setWordWrap(True)
        grid = QGridLayout(self)
        grid.addWidget(QLabel("place size", self), 0, 0)
        grid.addWidget(self.place_size, 0, 1)
        grid.addWidget(self.find_button, 1, 0, 1, 2)
        grid.addWidget(self.back_button, 2, 0)
        grid.addWidget(self.next_button, 2, 1)
        grid.addWidget(self.clear_button, 3, 0, 1, 2)
        grid.addWidget(self.where, 4, 0, 1, 2)
        window = parent.window() if parent is not None else self
        self.keys = [QShortcut(QKeySequence(k), window) for k in ("N", "Shift+N")]
        for key, step in zip(self.keys, (1, -1), strict=True):
            key.setContext(Qt.ShortcutContext.WindowShortcut)
            key.activated.connect(lambda s=step: self.step(s))
        session.labeling.mode_changed.connect(self._on_mode)
        session.full_labels_changed.connect(self._stale)
        session.full_labels_changed.connect(self._weigh_the_vote)
        self._on_mode(False)
        self._refresh()

    def _on_mode(self, on: bool) -> None:
        for key in self.keys:
            key.setEnabled(on)

    def _stale(self) -> None:
        self.queue, self.position = None, -1
        self._refresh()

    def _weigh_the_vote(self) -> None:
        """After a KNN / auto carry-back: its vote's doubt, in a worker (a neighbour search)."""
        work = uncertainty_view.doubt_work(self.session.state)
        if work is None:
            return
        key, fn = work

        def done(doubt: np.ndarray) -> None:
            uncertainty_view.remember(key, doubt)
            display = self.session.state.display
            if display.color_by == "uncertainty":
                self.session.set_display(replace(display))  # recolour with it

        run_job(self.session, "Weighing the carry-back's votes", fn, done, quiet=True, owner=self)

    def find_places(self) -> None:
        state = self.session.state
        if not uncertainty_view.can_show(state):
            self.where.setText("Carry the labels back first (Labels panel), then look here.")
            return
        assert state.sample is not None and state.labels_full is not None
        sample = state.sample
        snapshot = replace(state, labels_full=state.labels_full.copy())
        size = self.place_size.value()

        def work(progress, cancel) -> ReviewQueue:
            unsure = uncertainty_view.sample_unsure(snapshot, progress, cancel)
            return review_queue(sample.xyz, unsure, size=size)

        run_job(self.session, "Finding unsure places", work, self._found, owner=self)

    def _found(self, queue: ReviewQueue) -> None:
        self.queue, self.position = queue, -1
        self._refresh()
        if len(queue):
            self.step(1)

    def step(self, direction: int) -> None:
        if self.queue is None or len(self.queue) == 0:
            return
        self.position = int(np.clip(self.position + direction, 0, len(self.queue) - 1))
        self.go(self.position)

    def go(self, k: int) -> None:
        """Camera to place `k`; only the full-resolution points of the place are shown."""
        assert self.queue is not None
        matrix = np.asarray(self.viewport.sample_layer.actor.user_matrix, np.float64)
        centre = matrix[:3, :3] @ self.queue.centres[k] + matrix[:3, 3]  # into the view frame
        half = self.queue.size
        tile = (tuple(map(float, centre - half)), tuple(map(float, centre + half)))
        display = self.session.state.display
        self.session.set_display(replace(display, tile=tile, show="full"))  # type: ignore[arg-type]
        camera = self.viewport.camera_state()
        direction = np.subtract(camera["position"], camera["focal_point"])
        direction /= max(float(np.linalg.norm(direction)), 1e-9)
        camera["focal_point"] = centre.tolist()
        camera["position"] = (centre + direction * half * 5).tolist()
        self.viewport.set_camera_state(camera)
        self._refresh()

    def show_everything(self) -> None:
        self.session.set_display(replace(self.session.state.display, tile=None))

    def _refresh(self) -> None:
        has = self.queue is not None and len(self.queue) > 0
        for button in (self.next_button, self.back_button):
            button.setEnabled(has)
        if self.queue is None:
            return
        if not has:
            self.where.setText("No unsure place: every sample point's members agree.")
            return
        k = max(self.position, 0)
        self.where.setText(
            f"Place {k + 1} of {len(self.queue):,}: uncertainty {self.queue.scores[k]:.1f} "
            f"(sum over its sample points)"
        )
