"""The live downsample preview: a fast estimate first, the exact downsample when ready.

Both run on worker threads through `LatestOnly`, so a slider being dragged never queues
work: each new setting cancels the running job and results of old settings are dropped.

A big cloud is prepared once per cloud and rotation, after its first preview
(`core.voxel_preview`: its points sorted along x, a few seconds at 20M points); from then
on the voxel methods' exact preview starts at once, without the pause that lets a drag
finish; voxel-mean takes 0.15-0.6 of the plain downsample's time at 5-20M points
(bench/bench_preview.py). Its index map is made on a worker once the slider has rested
for `MAP_DELAY_MS` (a newer step cancels it), or at "Use this sample" if not yet made.
The view draws 150k of the preview's points first and the rest when it settles
(`gui.preview_frames`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from core.cloud import PointCloud
from core.methods import VOXEL_METHODS
from core.progress import CancelFn, ProgressFn, check_cancel, sub_progress
from core.voxel_preview import PreparedCloud, prepare, voxel_preview
from gui.session import DownsampleSettings, Rotation, Session
from gui.workers import LatestOnly

#: Wait this long after the last change before the plain exact downsample (the estimate is
#: instant); a prepared cloud's preview starts at once.
EXACT_DELAY_MS = 150
#: Clouds over this many points preview in the status bar, with progress and Cancel: their
#: exact downsample takes over half a second (0.6 s per million points on one core).
SHOWN_FROM = 800_000
#: Clouds from this many points are prepared for the fast preview (31 bytes a point);
#: below it the plain downsample takes under 0.1 s.
PREPARE_FROM = 300_000
#: Points the estimate counts (every k-th of the display subset), so the count answers
#: within a frame at any cloud size.
ESTIMATE_POINTS = 300_000
#: A prepared cloud smaller than this shows its exact count within about 0.2 s, so no
#: estimate is made: its core would only delay the exact preview (by 10-35 ms at 5M points,
#: bench_preview's steps with and without it in one process).
ESTIMATE_PREPARED_FROM = 10_000_000
#: A fast preview's index map is made this long after it arrived, unless the slider moves
#: on: "Use this sample" then need not wait for it (0.4-1.4 s at 20M points). A step after
#: it started waits for an eighth of it at most (the pass checks cancel a chunk a worker).
MAP_DELAY_MS = 500


@dataclass
class PreviewResult:
    """An exact downsample of the rotated cloud, and how long it took.

    `index_map` is made on first use when the preview came from a prepared cloud.
    """

    sample: PointCloud
    map_or_maker: np.ndarray | Callable[[CancelFn | None], np.ndarray]
    settings: DownsampleSettings
    seconds: float
    n_full: int
    rotation: Rotation  # the frame of `sample`

    @property
    def index_map(self) -> np.ndarray:
        """Sample row (N,) int32 of every full point."""
        return self.make_map()

    def make_map(self, cancel: CancelFn | None = None) -> np.ndarray:
        """The index map, made now if it was not yet (on a worker, or at Use)."""
        if callable(self.map_or_maker):
            self.map_or_maker = self.map_or_maker(cancel)
        return self.map_or_maker


def rotated_cloud(cloud: PointCloud, rotation: Rotation) -> PointCloud:
    """The cloud as the user sees it: rotated when the rotation is not the identity."""
    if rotation.is_identity():
        return cloud
    from core.rotate import rotate

    return cloud.with_xyz(rotate(cloud.xyz, rotation.z, rotation.y, rotation.x, rotation.about))


def exact_downsample(
    cloud: PointCloud,
    rotation: Rotation,
    settings: DownsampleSettings,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    prepared: PreparedCloud | None = None,
) -> PreviewResult:
    """Rotate (if needed) then downsample with `core.downsample.downsample`; timed.

    With `prepared` (this cloud and rotation, prepared) a voxel method's downsample comes
    from `core.voxel_preview` instead: the same result, a fraction of the time.
    """
    from core.downsample import downsample

    if prepared is not None and settings.method in VOXEL_METHODS:
        return fast_downsample(prepared, rotation, settings, cancel)
    start = time.perf_counter()
    rotated = rotated_cloud(cloud, rotation)
    check_cancel(cancel)
    voxel = settings.method in VOXEL_METHODS
    result = downsample(
        rotated,
        settings.method,
        voxel_size=settings.voxel_size if voxel else None,
        target=None if voxel else settings.target,
        seed=settings.seed,
        progress=sub_progress(progress, 0.1, 1.0),
        cancel=cancel,
    )
    seconds = time.perf_counter() - start
    return PreviewResult(result.sample, result.index_map, settings, seconds, len(cloud), rotation)


def estimate_count(
    xyz: np.ndarray, rotation: Rotation, settings: DownsampleSettings, n_full: int
) -> int:
    """Sample size for `settings` from some of the points (all of them gives the exact count).

    For the voxel methods, the subset's occupied voxels plus those it likely missed
    (`core.spacing.estimate_voxel_count`); exact when `xyz` is the whole cloud.
    """
    if settings.method not in VOXEL_METHODS:
        return min(settings.target, n_full)
    from core.spacing import estimate_voxel_count

    return estimate_voxel_count(rotate_points(xyz, rotation), settings.voxel_size, n_full)


def rotate_points(xyz: np.ndarray, rotation: Rotation) -> np.ndarray:
    """(N, 3) `xyz` turned by `rotation` (the same array when it is the identity)."""
    if rotation.is_identity():
        return xyz
    from core.rotate import rotate

    return rotate(xyz, rotation.z, rotation.y, rotation.x, rotation.about)


def warm_up(progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> None:
    """Load core's compiled voxel code once, on a worker at start-up: numba holds the GIL
    while it loads, which would otherwise freeze the window at the first preview."""
    points = PointCloud(np.random.default_rng(0).random((2_000, 3)))
    prepared = prepare(points)
    for method in VOXEL_METHODS:
        exact_downsample(points, Rotation(z=1.0), DownsampleSettings(method, voxel_size=0.1))
        fast_downsample(prepared, Rotation(), DownsampleSettings(method, voxel_size=0.1))


def fast_downsample(
    prepared: PreparedCloud,
    rotation: Rotation,
    settings: DownsampleSettings,
    cancel: CancelFn | None = None,
) -> PreviewResult:
    """`exact_downsample` of a prepared (already rotated) cloud, for the voxel methods."""
    start = time.perf_counter()
    fast = voxel_preview(prepared, settings.method, settings.voxel_size, cancel)
    seconds = time.perf_counter() - start
    n_full = len(prepared.cloud)
    return PreviewResult(fast.sample, fast.index_map, settings, seconds, n_full, rotation)


class PreviewController(QObject):
    """Runs previews of `session.state.downsample` for the current cloud and rotation.

    Signals
    -------
    estimated(int, bool) : sample size, and whether it is exact.
    computed(object) : a `PreviewResult` for the newest settings.
    """

    estimated = Signal(int, bool)
    computed = Signal(object)
    failed = Signal(str)  # a sentence; shown in the panel, not as a dialog per slider step
    cancelled = Signal()  # the user stopped a preview with Cancel (big clouds only)

    def __init__(self, session: Session, subset_rows: object, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        # Callable returning the full-cloud rows drawn (the display subset) or None for all.
        self._subset_rows = subset_rows
        # Estimates get a thread of their own so they never wait behind a long downsample.
        self._fast_pool = QThreadPool(self)
        self._fast_pool.setMaxThreadCount(1)
        self._estimates = LatestOnly(session, self, self._fast_pool)
        self._exact = LatestOnly(session, self)
        self._shown = LatestOnly(session, self, quiet=False)
        self._shown.on_cancelled = self.cancelled.emit
        self._preparing = LatestOnly(session, self)
        self._mapping = LatestOnly(session, self)  # the index map, once the slider rests
        self._map_timer = QTimer(self, singleShot=True, interval=MAP_DELAY_MS)
        self._map_timer.timeout.connect(self._make_map)
        self._exact_timer = QTimer(self, singleShot=True, interval=EXACT_DELAY_MS)
        self._exact_timer.timeout.connect(self._submit_exact)
        self.latest: PreviewResult | None = None
        self._estimate_cache: tuple[PointCloud, np.ndarray] | None = None
        # The prepared cloud and the (cloud, rotation) it was made for.
        self.prepared: tuple[PointCloud, Rotation, PreparedCloud] | None = None
        self._preparing_for: tuple[PointCloud, Rotation] | None = None
        session.cloud_changed.connect(self._forget_prepared)
        session.rotation_changed.connect(self._forget_prepared)

    def request(self) -> None:
        """Preview the session's current settings (call on every change)."""
        state = self._session.state
        cloud = state.cloud
        if cloud is None:
            return
        self.latest = None
        self._map_timer.stop()
        self._mapping.cancel()
        xyz = self.estimate_points(cloud)
        rotation, settings, n_full = state.rotation, state.downsample, len(cloud)
        exact = len(xyz) == n_full or settings.method not in VOXEL_METHODS
        fast = self._prepared_now() is not None
        if not fast or n_full >= ESTIMATE_PREPARED_FROM:
            # The estimate (10-20 ms of one core) keeps the count following a drag even
            # when the exact preview takes a few tenths of a second.
            self._estimates.submit(
                "Estimating the sample size",
                lambda p, c: estimate_count(xyz, rotation, settings, n_full),
                lambda n: self.estimated.emit(n, exact),
                self.failed.emit,
            )
        else:
            self._estimates.cancel()  # an older step's estimate must not show meanwhile
        if fast:
            self._exact_timer.stop()
            self._submit_exact()  # no pause for the drag to finish: stale ones stop early
        else:
            self._exact_timer.start()

    def estimate_points(self, cloud: PointCloud) -> np.ndarray:
        """The points the estimates count (a random subset), cached per cloud (~10 ms to copy)."""
        if self._estimate_cache is not None and self._estimate_cache[0] is cloud:
            return self._estimate_cache[1]
        rows = self._subset_rows()  # type: ignore[operator]
        if rows is None:
            rows = np.arange(len(cloud))
        if len(rows) == len(cloud) and len(cloud) <= ESTIMATE_POINTS:
            xyz = cloud.xyz
        else:
            xyz = cloud.xyz[rows[:: -(-len(rows) // ESTIMATE_POINTS)]]
        self._estimate_cache = (cloud, xyz)
        return xyz

    def _prepared_now(self) -> PreparedCloud | None:
        """The prepared cloud if it is the current cloud and rotation and the method a voxel one."""
        state = self._session.state
        if self.prepared is None or state.downsample.method not in VOXEL_METHODS:
            return None
        cloud, rotation, prepared = self.prepared
        return prepared if cloud is state.cloud and rotation == state.rotation else None

    def _submit_exact(self) -> None:
        state = self._session.state
        if state.cloud is None:
            return
        cloud, rotation, settings = state.cloud, state.rotation, state.downsample
        prepared = self._prepared_now()
        if prepared is not None:
            self._shown.cancel()
            fast = lambda p, c: exact_downsample(cloud, rotation, settings, p, c, prepared)  # noqa: E731
            self._exact.submit("Downsampling", fast, self._exact_done, self.failed.emit)
            return
        work = lambda p, c: exact_downsample(cloud, rotation, settings, p, c)  # noqa: E731
        if len(cloud) >= SHOWN_FROM:
            self._exact.cancel()
            self._shown.submit(
                "Previewing the downsample", work, self._exact_done, self.failed.emit
            )
        else:
            self._shown.cancel()
            self._exact.submit("Downsampling", work, self._exact_done, self.failed.emit)

    def _exact_done(self, result: PreviewResult) -> None:
        self.latest = result
        self.computed.emit(result)
        self._prepare()
        if callable(result.map_or_maker):
            self._map_timer.start()

    def _make_map(self) -> None:
        result = self.latest
        if result is None or not callable(result.map_or_maker):
            return
        self._mapping.submit(
            "Making the index map",
            lambda p, c: result.make_map(c),
            lambda index_map: None,  # kept in the result
            lambda sentence: None,  # "Use this sample" makes it again and says what failed
        )

    def _prepare(self) -> None:
        """Prepare the current cloud and rotation for fast previews, once, after a preview."""
        state = self._session.state
        cloud, rotation = state.cloud, state.rotation
        if (
            cloud is None
            or len(cloud) < PREPARE_FROM
            or state.downsample.method not in VOXEL_METHODS
        ):
            return
        for made in (self.prepared, self._preparing_for if self._preparing.is_busy() else None):
            if made is not None and made[0] is cloud and made[1] == rotation:
                return  # prepared, or on its way

        def keep(prepared: PreparedCloud) -> None:
            now = self._session.state
            if now.cloud is cloud and now.rotation == rotation:
                self.prepared = (cloud, rotation, prepared)

        self.prepared = None  # the old one's memory goes before the new one's is taken
        self._preparing_for = (cloud, rotation)
        self._preparing.submit(
            "Preparing the live preview",
            lambda p, c: prepare(rotated_cloud(cloud, rotation), p, c),
            keep,
            lambda sentence: None,  # the plain preview still works; nothing to tell
        )

    def _forget_prepared(self) -> None:
        self._preparing.cancel()
        self.prepared = None

    def stop_map(self) -> None:
        """Stop making the latest preview's index map in the background (Use makes it)."""
        self._map_timer.stop()
        self._mapping.cancel()

    def cancel(self) -> None:
        self._exact_timer.stop()
        self._map_timer.stop()
        self._estimates.cancel()
        self._exact.cancel()
        self._shown.cancel()
        self._mapping.cancel()

    def is_busy(self) -> bool:
        return (
            self._exact_timer.isActive()
            or self._estimates.is_busy()
            or self._exact.is_busy()
            or self._shown.is_busy()
            or self._preparing.is_busy()
            or self._map_timer.isActive()
            or self._mapping.is_busy()
        )
