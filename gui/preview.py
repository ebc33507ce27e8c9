"""The live downsample preview: a fast estimate first, the exact downsample when ready.

Both run on worker threads through `LatestOnly`, so a slider being dragged never queues
work: each new setting cancels the running job and results of old settings are dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from core.cloud import PointCloud
from core.methods import VOXEL_METHODS
from core.progress import CancelFn, ProgressFn, check_cancel, sub_progress
from gui.session import DownsampleSettings, Rotation, Session
from gui.shown_jobs import ShownLatest
from gui.workers import LatestOnly

#: Wait this long after the last change before the exact downsample (the estimate is instant).
EXACT_DELAY_MS = 150
#: Clouds over this many points preview in the status bar, with progress and Cancel: their
#: exact downsample takes over half a second (0.6 s per million points on one core).
SHOWN_FROM = 800_000
#: Points the estimate counts (every k-th of the display subset), so the count answers
#: within a frame at any cloud size.
ESTIMATE_POINTS = 300_000


@dataclass
class PreviewResult:
    """An exact downsample of the rotated cloud, and how long it took."""

    sample: PointCloud
    index_map: np.ndarray
    settings: DownsampleSettings
    seconds: float
    n_full: int
    rotation: Rotation  # the frame of `sample`


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
) -> PreviewResult:
    """Rotate (if needed) then downsample with `core.downsample.downsample`; timed."""
    from core.downsample import downsample

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
    for method in VOXEL_METHODS:
        exact_downsample(points, Rotation(z=1.0), DownsampleSettings(method, voxel_size=0.1))


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
        self._shown = ShownLatest(session, "Previewing the downsample", self)
        self._shown.on_cancelled = self.cancelled.emit
        self._exact_timer = QTimer(self, singleShot=True, interval=EXACT_DELAY_MS)
        self._exact_timer.timeout.connect(self._submit_exact)
        self.latest: PreviewResult | None = None
        self._estimate_cache: tuple[PointCloud, np.ndarray] | None = None

    def request(self) -> None:
        """Preview the session's current settings (call on every change)."""
        state = self._session.state
        cloud = state.cloud
        if cloud is None:
            return
        self.latest = None
        xyz = self.estimate_points(cloud)
        rotation, settings, n_full = state.rotation, state.downsample, len(cloud)
        exact = len(xyz) == n_full or settings.method not in VOXEL_METHODS
        self._estimates.submit(
            "Estimating the sample size",
            lambda p, c: estimate_count(xyz, rotation, settings, n_full),
            lambda n: self.estimated.emit(n, exact),
            self.failed.emit,
        )
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

    def _submit_exact(self) -> None:
        state = self._session.state
        if state.cloud is None:
            return
        cloud, rotation, settings = state.cloud, state.rotation, state.downsample
        work = lambda p, c: exact_downsample(cloud, rotation, settings, p, c)  # noqa: E731
        if len(cloud) >= SHOWN_FROM:
            self._exact.cancel()
            self._shown.submit(work, self._exact_done, self.failed.emit)
        else:
            self._shown.cancel()
            self._exact.submit("Downsampling", work, self._exact_done, self.failed.emit)

    def _exact_done(self, result: PreviewResult) -> None:
        self.latest = result
        self.computed.emit(result)

    def cancel(self) -> None:
        self._exact_timer.stop()
        self._estimates.cancel()
        self._exact.cancel()
        self._shown.cancel()

    def is_busy(self) -> bool:
        return (
            self._exact_timer.isActive()
            or self._estimates.is_busy()
            or self._exact.is_busy()
            or self._shown.is_busy()
        )
