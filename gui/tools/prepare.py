"""The view made ready for strokes off the UI thread: the screen index of the camera pose
(`core.labeling.screen_index`) and the sample's neighbour graph (for grow).

Both are built in a worker as soon as Label mode is on and again whenever the camera has
stood still for one poll, so the first stroke finds them ready. A stroke made before that
waits for them without blocking the UI thread (its work is queued and runs when the
worker delivers); moving the camera drops the index of the old pose and cancels its build.
Small clouds are indexed on the spot: that takes less than a frame.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.labeling.grow import NeighbourGraph, neighbour_graph
from core.labeling.screen_index import ScreenIndex, build_screen_index
from core.labeling.select import class_table
from gui.paint_view import target_camera
from gui.workers import Job, run_job

#: Below this many points an index takes under ~20 ms on one core: built on the spot.
INLINE_POINTS = 250_000
#: How often the camera is looked at while Label mode is on; one unchanged look = stopped.
POLL_MS = 120

Key = tuple[Any, ...]
Waiter = Callable[[ScreenIndex], None]


class ViewPreparer(QObject):
    """Screen indexes per target ("full", "sample") and the sample's neighbour graph."""

    #: "Preparing the view…" while a stroke would have to wait, "" when ready.
    status_changed = Signal(str)

    def __init__(self, controller: Any):
        super().__init__(controller)
        self._controller = controller
        self.session = controller.session
        self._ready: dict[str, tuple[Key, ScreenIndex]] = {}
        self._building: dict[str, tuple[Key, Job]] = {}
        self._waiting: list[tuple[str, Waiter]] = []
        self._seen: dict[str, Key] = {}
        self._graph: tuple[object, NeighbourGraph] | None = None
        self._graph_job: tuple[object, Job] | None = None
        self._graph_waiting: list[Callable[[NeighbourGraph], None]] = []
        self.status = ""
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    # -- the mode ---------------------------------------------------------------------
    def start(self) -> None:
        """Label mode on: prepare what is shown now and follow the camera."""
        self._seen.clear()
        self._timer.start()
        self._poll(force=True)
        self.prepare_graph()

    def stop(self) -> None:
        """Label mode off: nothing more is built, queued strokes are dropped and the
        indexes let go (~180 MB for 20M points)."""
        self._timer.stop()
        for _, job in self._building.values():
            job.cancel()
        self._building.clear()
        self._waiting.clear()
        self._ready.clear()
        self._set_status("")

    def forget(self) -> None:
        """A new cloud or sample: the indexes and the graph belong to the old one."""
        self._ready.clear()
        for _, job in self._building.values():
            job.cancel()
        self._building.clear()
        self._graph = None
        if self._graph_job is not None:
            self._graph_job[1].cancel()
            self._graph_job = None

    def settled(self) -> bool:
        """No stroke is waiting and nothing is being built (tests wait for this)."""
        busy = self._building or self._graph_job is not None
        return not self._waiting and not self._graph_waiting and not busy

    # -- the screen index -------------------------------------------------------------
    def key(self, target: str) -> Key:
        """What the index of `target` depends on: cloud, pose, screen, drawing, tolerance."""
        c = self._controller
        camera = target_camera(c.viewport, target)
        hidden = c.hidden_classes()
        point_size = float(self.session.state.display.point_size)
        tolerance = float(c.labeling.options.tolerance)
        xyz = c.cloud_xyz(target)
        labels_id = id(self._labels(target)) if hidden else 0
        matrix = camera.matrix.tobytes()
        return (id(xyz), len(xyz), matrix, camera.width, camera.height, hidden, point_size,
                tolerance, labels_id)  # fmt: skip

    def index_now(self, target: str) -> ScreenIndex:
        """The index of the current pose, built here if it is not ready (blocks)."""
        key = self.key(target)
        ready = self._ready.get(target)
        if ready is not None and ready[0] == key:
            return ready[1]
        index = self._build(target)(None, None)
        self._ready[target] = (key, index)
        return index

    def when_ready(self, target: str, fn: Waiter) -> None:
        """Run ``fn(index)`` now if the index of this pose is ready, else once it is."""
        ready = self._ready.get(target)
        if not self._waiting and ready is not None and ready[0] == self.key(target):
            fn(ready[1])
            return
        if not self._waiting and len(self._controller.cloud_xyz(target)) < INLINE_POINTS:
            fn(self.index_now(target))
            return
        self._waiting.append((target, fn))
        self._ensure(target, self.key(target))
        self._set_status("Preparing the view for labeling…")

    def _poll(self, force: bool = False) -> None:
        for target in self._controller.shown_targets():
            key = self.key(target)
            if force or self._seen.get(target) == key:
                self._ensure(target, key)  # the camera stands still: index this pose
            else:
                self._moved(target)
            self._seen[target] = key

    def _moved(self, target: str) -> None:
        """The camera moves: the old pose's index is of no use, its build is stopped."""
        self._ready.pop(target, None)
        building = self._building.pop(target, None)
        if building is not None:
            building[1].cancel()

    def _ensure(self, target: str, key: Key) -> None:
        ready = self._ready.get(target)
        if ready is not None and ready[0] == key:
            self._run_waiting()
            return
        building = self._building.get(target)
        if building is not None:
            if building[0] == key:
                return
            building[1].cancel()
        fn = self._build(target)
        if len(self._controller.cloud_xyz(target)) < INLINE_POINTS:
            self._ready[target] = (key, fn(None, None))  # quicker than a worker's round trip
            self._run_waiting()
            return

        def done(index: ScreenIndex) -> None:
            self._built(target, key, index)

        job = run_job(
            self.session,
            "Preparing the view for labeling",
            fn,
            done,
            lambda sentence: self._failed(target, key, sentence),
            quiet=True,
            owner=self,
        )
        self._building[target] = (key, job)

    def _failed(self, target: str, key: Key, sentence: str) -> None:
        """A build that failed (out of memory): strokes waiting for it are dropped."""
        building = self._building.get(target)
        if building is not None and building[0] == key:
            del self._building[target]
            self._waiting = [(t, fn) for t, fn in self._waiting if t != target]
            self._set_status("")
        self.session.message.emit(f"Preparing the view failed: {sentence}")

    def _labels(self, target: str) -> object:
        state = self.session.state
        return state.labels_full if target == "full" else state.labels_sample

    def _build(self, target: str) -> Callable[[Any, Any], ScreenIndex]:
        """The build as a worker function; reads everything it needs now, on this thread."""
        c = self._controller
        xyz, hidden = c.cloud_xyz(target), c.hidden_classes()
        camera = target_camera(c.viewport, target)
        # Labels only matter for hiding classes; without hidden ones none are made.
        labels = c.labeling.labels(target) if hidden else None
        table = class_table(labels.dtype, hidden, False) if labels is not None else None
        point_size = float(self.session.state.display.point_size)
        tolerance = float(c.labeling.options.tolerance)

        def build(progress: Any, cancel: Any) -> ScreenIndex:
            return build_screen_index(
                xyz, camera, point_size=point_size, tolerance=tolerance,
                labels=labels if table is not None else None, hidden=table,
                progress=progress, cancel=cancel,
            )  # fmt: skip

        return build

    def _built(self, target: str, key: Key, index: ScreenIndex) -> None:
        building = self._building.get(target)
        if building is None or building[0] != key:
            return  # a newer pose was asked for meanwhile
        del self._building[target]
        self._ready[target] = (key, index)
        self._run_waiting()

    def _run_waiting(self) -> None:
        """Queued strokes in order, each once its target's index matches the pose."""
        while self._waiting:
            target, fn = self._waiting[0]
            key = self.key(target)
            ready = self._ready.get(target)
            if ready is None or ready[0] != key:
                self._ensure(target, key)  # the pose changed under a queued stroke
                return
            self._waiting.pop(0)
            fn(ready[1])
        self._set_status("")

    def _set_status(self, text: str) -> None:
        if text != self.status:
            self.status = text
            self.status_changed.emit(text)

    # -- the neighbour graph ----------------------------------------------------------
    def prepare_graph(self) -> None:
        """Start the sample's neighbour graph (grow) in a worker, once per sample."""
        sample = self.session.state.sample
        if sample is None or (self._graph is not None and self._graph[0] is sample):
            return
        if self._graph_job is not None and self._graph_job[0] is sample:
            return
        xyz = sample.xyz

        def build(progress: Any, cancel: Any) -> NeighbourGraph:
            return neighbour_graph(xyz, k=12, progress=progress, cancel=cancel)

        def done(graph: NeighbourGraph) -> None:
            self._graph_built(sample, graph)

        job = run_job(
            self.session,
            "Finding the sample's neighbours",
            build,
            done,
            lambda sentence: self._graph_failed(sample, sentence),
            quiet=True,
            owner=self,
        )
        self._graph_job = (sample, job)

    def _graph_failed(self, sample: object, sentence: str) -> None:
        if self._graph_job is not None and self._graph_job[0] is sample:
            self._graph_job = None
            self._graph_waiting = []
        self.session.message.emit(f"Finding the sample's neighbours failed: {sentence}")

    def when_graph(self, fn: Callable[[NeighbourGraph], None]) -> None:
        """Run ``fn(graph)`` with the current sample's graph, now or once it is built."""
        sample = self.session.state.sample
        if self._graph is not None and self._graph[0] is sample:
            fn(self._graph[1])
            return
        self._graph_waiting.append(fn)
        self.prepare_graph()
        self._set_status("Finding the sample's neighbours…")

    def _graph_built(self, sample: object, graph: NeighbourGraph) -> None:
        if self._graph_job is None or self._graph_job[0] is not sample:
            return
        self._graph_job = None
        self._graph = (sample, graph)
        waiting, self._graph_waiting = self._graph_waiting, []
        for fn in waiting:
            fn(graph)
        if not self._waiting:
            self._set_status("")


__all__ = ["INLINE_POINTS", "ViewPreparer"]
