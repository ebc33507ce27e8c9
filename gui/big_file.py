"""A LAS/LAZ/COPC file too big to hold, in the window: an overview, boxes at full density,
the streaming downsample and the labeled export, each a worker job with progress and Cancel.

The session's cloud is then one *view* of the file (the overview, or every point in a
box), never the file itself: the bar above the view and the status bar say which, and
how many of the file's points it holds. Each point of a view knows its row in the file,
so the streamed sample's index map (on disk, a memory map) gives the view's own map by
those rows, and the panels work on the view as on any cloud.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QFileDialog

from core.classes import LabelClass, classes_for
from core.cloud import UNLABELED, PointCloud
from core.errors import InputError
from core.stream.overview import FileView
from gui.big_file_bar import BigFileBar, describe_view
from gui.session import DownsampleSettings, Rotation
from gui.workers import Job, run_job

if TYPE_CHECKING:
    from gui.main_window import MainWindow

BIG_SUFFIXES = (".las", ".laz", ".copc.laz")
#: What a point costs the window held in memory (xyz, colour, labels, display copies).
BYTES_PER_POINT = 40
#: The most points an overview holds, however much memory there is: enough to see the
#: whole file, little enough to read in seconds.
OVERVIEW_MAX = 5_000_000
#: Points per chunk read in the window: progress moves and Cancel answers between chunks.
WINDOW_CHUNK = 1_000_000
_THRESHOLD_KEY = "big_file/threshold"


@dataclass
class BigFile:
    """The file behind the session's cloud, and what was streamed from it.

    Attributes
    ----------
    path : str
    overview : FileView
    shown : FileView
        The view that is the session's cloud now (the overview or a box).
    sample : PointCloud or None
        The streamed voxel-mean sample of the whole file.
    index_map : (N,) int32 memmap or None
        File row -> sample row, on disk in the scan's output folder.
    settings : DownsampleSettings or None
    overview_limit : int
        The most points the overview was asked for: reading it again with the same limit
        gives the same points (a project reopens it so).
    map_path : str or None
        Where `index_map` is on disk.
    """

    path: str
    overview: FileView
    shown: FileView
    sample: PointCloud | None = None
    index_map: np.ndarray | None = None
    settings: DownsampleSettings | None = None
    overview_limit: int = OVERVIEW_MAX
    map_path: str | None = None


def default_threshold() -> int:
    """Points that fit in a quarter of this machine's memory at `BYTES_PER_POINT`."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(memory / 4 / BYTES_PER_POINT)


class BigFiles(QObject):
    """The window's handling of big files; `window.big_files`."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.session = window.session
        path = window.settings.path
        # The same store as gui.settings.Settings (its INI file in tests).
        self._store = (
            QSettings(str(path), QSettings.Format.IniFormat)
            if path is not None
            else QSettings("DenseLabel", "DenseLabel")
        )
        self.last_job: Job | None = None
        self.bar = BigFileBar(self)
        window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)  # a row of its own
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.bar)
        window.statusBar().addPermanentWidget(self.bar.status_note)
        self.session.cloud_changed.connect(self.bar.refresh)
        self.session.sample_changed.connect(self.bar.refresh)
        self.session.sample_labels_changed.connect(self.bar.refresh)
        self.bar.refresh()
        # Again once the window restored its saved state, which may show the bar as it was.
        # With the bar as context: a window closed before the timer fires drops it.
        QTimer.singleShot(0, self.bar, self.bar.refresh)

    # -- the setting ------------------------------------------------------------------
    def threshold(self) -> int:
        """A file with more points than this opens as an overview."""
        value = self._store.value(_THRESHOLD_KEY)
        try:
            return max(int(value), 1) if value is not None else default_threshold()  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return default_threshold()

    def set_threshold(self, n_points: int) -> None:
        self._store.setValue(_THRESHOLD_KEY, int(n_points))
        self._store.sync()

    def overview_points(self) -> int:
        return min(self.threshold(), OVERVIEW_MAX)

    @property
    def current(self) -> BigFile | None:
        big = getattr(self.session.state, "big_file", None)
        return big if isinstance(big, BigFile) else None

    def is_big(self, path: str | Path) -> bool:
        """True for a LAS/LAZ/COPC file whose header counts more points than the threshold."""
        from core.io import format_suffix, peek_point_count

        if format_suffix(path) not in BIG_SUFFIXES:
            return False
        try:
            n = peek_point_count(path) or 0
        except (InputError, OSError):
            return False  # the ordinary reader says what is wrong with it
        return n > self.threshold()

    # -- 1. the overview --------------------------------------------------------------
    def open_overview(self, path: str | Path) -> Job:
        from core.stream.overview import read_overview

        path, limit = str(path), self.overview_points()

        def work(progress, cancel) -> tuple[FileView, list[LabelClass], int]:
            view = read_overview(
                path, limit, chunk_points=WINDOW_CHUNK, progress=progress, cancel=cancel
            )
            return view, _classes_of(view.cloud, Path(path)), limit

        title = f"Reading an overview of {Path(path).name}"
        return self._run(title, work, self._overview_read)

    def _overview_read(self, result: tuple[FileView, list[LabelClass], int]) -> None:
        view, classes, limit = result
        path = view.cloud.source
        self.window.viewport.end_comparison()
        big = BigFile(path, view, view, overview_limit=limit)
        self.session.set_cloud(view.cloud, path, big_file=big)
        self.session.set_classes(classes)
        self.window.settings.add_recent_file(path)
        self.window.projects.cloud_opened()
        self.session.message.emit(describe_view(self.current))  # type: ignore[arg-type]

    # -- 2. full density in a box -----------------------------------------------------
    def load_region(self) -> Job | None:
        """Every point of the file inside the crop tile, read in a worker."""
        from core.stream.region import read_region

        big, state = self.current, self.session.state
        title = "Load full density here"
        if big is None:
            return None
        if state.display.tile is None:
            return self._refuse(
                title, "there is no crop box yet; crop a tile first (Crop a tile… or "
                "Numbers… in the View tab of the Labels panel), then load it.",
            )  # fmt: skip
        if not state.rotation.is_identity():
            return self._refuse(
                title, "the box is drawn in a rotated view; set the rotation to 0 first, "
                "then crop the tile again.",
            )  # fmt: skip
        lo, hi = (np.asarray(corner, np.float64) for corner in state.display.tile)
        path, limit = big.path, self.threshold()

        def work(progress, cancel) -> FileView:
            return read_region(
                path, lo, hi, limit, chunk_points=WINDOW_CHUNK, progress=progress, cancel=cancel
            )

        name = Path(path).name
        return self._run(f"Reading the box from {name}", work, self._show)

    def back_to_overview(self) -> None:
        big = self.current
        if big is not None and big.shown is not big.overview:
            self._show(big.overview)

    def _show(self, view: FileView) -> None:
        """Make `view` the session's cloud, keeping the streamed sample and its labels."""
        big = self.current
        if big is None or not _same_file(view.cloud.source, big.path):
            return  # another file was opened while the box was read
        state = self.session.state
        classes, labels = list(state.classes), state.labels_sample
        streamed = big.sample is not None and state.sample is big.sample
        self.window.viewport.end_comparison()
        self.session.set_cloud(view.cloud, big.path, big_file=replace(big, shown=view))
        self.session.set_classes(classes)
        if streamed:
            self._set_streamed_sample(labels)
        self.session.message.emit(describe_view(self.current))  # type: ignore[arg-type]

    # -- 3. the streaming downsample --------------------------------------------------
    def downsample_whole_file(self) -> Job | None:
        """Voxel mean of every point of the file (core.stream), the map on disk."""
        from core.stream.downsample import stream_voxel_mean

        big = self.current
        if big is None:
            return None
        voxel = self.session.state.downsample.voxel_size
        folder = self.window.settings.scan_output_folder(big.path)
        folder.mkdir(parents=True, exist_ok=True)
        map_path = folder / f"{_stem(big.path)}-map.npy"

        def work(progress, cancel):
            return stream_voxel_mean(
                big.path, voxel, map_path, chunk_points=WINDOW_CHUNK, progress=progress,
                cancel=cancel,
            )  # fmt: skip

        title = f"Downsampling all of {Path(big.path).name}"
        return self._run(title, work, self._sampled)

    def _sampled(self, result: Any) -> None:
        from core.stream.upsample import open_index_map

        big = self.current
        if big is None or result.map_path is None:
            return
        if not _same_file(result.sample.source, big.path):
            return  # another file was opened while this one was downsampled
        index_map = open_index_map(result.map_path, big.overview.n_file)  # a memory map
        settings = DownsampleSettings("voxel-mean", result.voxel_size)
        self.session.state.big_file = replace(
            big, sample=result.sample, index_map=index_map, settings=settings,
            map_path=str(result.map_path),
        )  # fmt: skip
        self._set_streamed_sample(None)
        self.session.message.emit(
            f"Downsampled all {result.n_full:,} points to {len(result.sample):,} "
            f"(voxel {result.voxel_size:g} m); the index map is in {result.map_path}."
        )

    def _set_streamed_sample(self, labels: np.ndarray | None) -> None:
        big = self.current
        assert big is not None and big.sample is not None and big.index_map is not None
        # The view's own map: the file's map at the view's rows (read from disk).
        view_map = np.asarray(big.index_map[big.shown.rows])
        self.session.set_sample(big.sample, view_map, big.settings, Rotation())  # type: ignore[arg-type]
        if labels is not None:
            self.session.set_sample_labels(labels)

    # -- 4. the labeled file ----------------------------------------------------------
    def export_dialog(self) -> Job | None:
        big = self.current
        if big is None:
            return None
        folder = self.window.settings.scan_output_folder(big.path)
        folder.mkdir(parents=True, exist_ok=True)
        suggested = str(folder / f"{_stem(big.path)}-labeled.laz")
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export the labeled file", suggested, "LAS/LAZ (*.las *.laz)"
        )
        return self.export_labeled(path) if path else None

    def export_labeled(self, output: str | Path) -> Job | None:
        """Every point of the file with classification = its sample point's label."""
        from core.stream.upsample import stream_carry_back

        big, state = self.current, self.session.state
        title = "Export the labeled file"
        if big is None:
            return None
        if big.sample is None or state.sample is not big.sample:
            return self._refuse(
                title, "the labels must be on the whole file's sample; press Downsample "
                "whole file, label that sample, then export.",
            )  # fmt: skip
        if state.labels_sample is None:
            return self._refuse(title, "the sample has no labels yet; label it first.")
        labels, index_map, output = state.labels_sample.copy(), big.index_map, str(output)

        def work(progress, cancel) -> tuple[int, int]:
            return stream_carry_back(
                big.path, labels, method="voxel", index_map=index_map, cloud_output=output,
                chunk_points=WINDOW_CHUNK, progress=progress, cancel=cancel,
            )  # fmt: skip

        def done(counts: tuple[int, int]) -> None:
            n, n_unlabeled = counts
            self.session.message.emit(f"Wrote {n:,} points to {output} ({n_unlabeled:,} unlabeled)")

        return self._run(f"Writing {Path(output).name}", work, done)

    def _run(self, title: str, work, done) -> Job:
        """A worker job with the status bar's progress and Cancel; kept as `last_job`."""
        self.last_job = run_job(self.session, title, work, done, owner=self.window)
        return self.last_job

    def _refuse(self, title: str, sentence: str) -> Job | None:
        """Say why a command cannot run (a dialog); no job (None)."""
        self.session.error.emit(title, sentence[0].upper() + sentence[1:])
        return None


def _classes_of(cloud: PointCloud, path: Path) -> list[LabelClass]:
    """The classes of the view's labels, named by a sidecar class list when there is one."""
    from gui.loading import sidecar_classes

    known = sidecar_classes(path)
    if cloud.labels is None:
        return known or []
    present = [int(v) for v in np.unique(cloud.labels) if v != UNLABELED]
    return classes_for(present, known)


def _same_file(a: str | None, b: str) -> bool:
    return a is not None and Path(a) == Path(b)


def _stem(path: str) -> str:
    name = Path(path).name
    return name[: -len(".copc.laz")] if name.lower().endswith(".copc.laz") else Path(name).stem


def install_big_files(window: MainWindow) -> BigFiles:
    return BigFiles(window)
