"""Painting state the session owns: active class, tool options, the label layers' edit logs
and the Qt undo stack whose commands delegate to `core.labeling.edit_log.EditLog`.

Targets are "sample" (the sample's labels) and "full" (the full cloud's labels with their
origin: carried back or hand-set). Painting changes the session's label arrays in place
and announces only the changed rows through `painted`, so the view recolours just those.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.cloud import UNLABELED
from core.labeling.edit_log import EditLog
from core.labeling.layers import HAND_SET, LabelLayers, carry_into
from core.labeling.select import Modifiers
from gui.undo import UndoStack

if TYPE_CHECKING:
    from gui.session import Session

TARGETS = ("sample", "full")


@dataclass(frozen=True)
class PaintOptions:
    """What the paint panel sets; every tool reads it."""

    tool: str = "brush"  # brush | lasso | rectangle | line | grow
    active_class: int = UNLABELED
    brush_radius: float = 20.0  # screen pixels
    visible_only: bool = True
    tolerance: float = 0.03  # metres behind the nearest surface still visible
    protect: str = "none"  # none | unlabeled | classes
    protected_classes: tuple[int, ...] = ()  # with protect == "classes": the paintable ones
    line_side: str = "above"
    grow_gap: float = 0.05  # metres
    grow_colour: float = 40.0  # RGB distance
    grow_angle: float = 20.0  # degrees

    def modifiers(self, hidden: tuple[int, ...], point_size: float) -> Modifiers:
        editable: tuple[int, ...] | None = None
        if self.protect == "unlabeled":
            editable = (UNLABELED,)
        elif self.protect == "classes":
            editable = self.protected_classes
        return Modifiers(self.visible_only, self.tolerance, point_size, editable, hidden)


class _PaintCommand:
    """One stroke on the undo stack (gui/undo.py); the edit log already holds (and applied) it."""

    def __init__(self, labeling: Labeling, target: str, text: str):
        self._labeling, self._target, self._text, self._done = labeling, target, text, True

    def text(self) -> str:
        return self._text

    def redo(self) -> None:
        if self._done:  # push calls redo: the stroke is already applied
            self._done = False
            return
        self._labeling._step(self._target, undo=False)

    def undo(self) -> None:
        self._labeling._step(self._target, undo=True)


class Labeling(QObject):
    """The session's painting state. Setters run on the UI thread."""

    options_changed = Signal()
    mode_changed = Signal(bool)  # Label mode on / off
    painted = Signal(str, object)  # target, (K,) int64 rows whose label changed
    preparing = Signal(str)  # "Preparing the view…" while strokes wait, "" when ready

    def __init__(self, session: Session):
        super().__init__(session)
        self.session = session
        self.options = PaintOptions()
        self.mode = False
        self.preparing_text = ""
        self.logs: dict[str, EditLog] = {}
        self._origin_full: np.ndarray | None = None
        self.undo_stack = UndoStack(self)
        session.state.edit_history = EditHistory(self)
        session.cloud_changed.connect(self.forget)
        session.sample_changed.connect(self.forget)
        session.sample_labels_changed.connect(self._sample_labels_replaced)
        # Connected before the viewport (the session makes us first): a carry-back is
        # merged with the hand-set points before anything draws it.
        session.full_labels_changed.connect(self._full_labels_replaced)

    def set_preparing(self, text: str) -> None:
        """What the view's preparation is doing (gui/tools/prepare.py), for the panel."""
        self.preparing_text = text
        self.preparing.emit(text)

    def set_options(self, **changes: object) -> None:
        self.options = replace(self.options, **changes)  # type: ignore[arg-type]
        self.options_changed.emit()

    @property
    def origin_full(self) -> np.ndarray | None:
        """(N,) uint8 origin of the full labels: 0 none, 1 carried back, 2 hand-set."""
        return self._origin_full

    @origin_full.setter
    def origin_full(self, origin: np.ndarray | None) -> None:
        self._origin_full = origin
        self.session.state.label_origin = origin  # what a saved project keeps

    def restore_history(self, history: Mapping[str, np.ndarray], origin: np.ndarray | None) -> None:
        """Edit logs of a reopened project (keys as `EditHistory` writes them): yesterday's
        last strokes can be undone. Call after the project's labels are in the session."""
        self.forget()
        state = self.session.state
        if origin is not None and state.labels_full is not None:
            self.origin_full = np.asarray(origin, np.uint8)
        for target in TARGETS:
            part = {k.split(".", 1)[1]: v for k, v in history.items() if k.startswith(target)}
            labels = state.labels_sample if target == "sample" else state.labels_full
            if part and labels is not None:
                origin_of = self._origin(labels) if target == "full" else None
                log = EditLog.from_arrays(part, labels, origin_of)
                self.logs[target] = log
                for k in range(log.cursor):
                    self.undo_stack.push(_PaintCommand(self, target, f"stroke {k + 1}"))

    def set_mode(self, on: bool) -> None:
        self.mode = bool(on)
        self.mode_changed.emit(self.mode)

    def forget(self) -> None:
        """A new cloud or sample: the old strokes cannot be undone on it."""
        self.logs.clear()
        self.origin_full = None
        self.undo_stack.clear()

    def labels(self, target: str) -> np.ndarray:
        """The label array `target` paints on, made (and put in the session) if missing."""
        state = self.session.state
        if target == "sample":
            if state.labels_sample is None:
                assert state.sample is not None
                own = state.sample.labels
                state.labels_sample = (
                    own.copy()
                    if own is not None
                    else np.full(len(state.sample), UNLABELED, np.uint8)
                )
                self.session.sample_labels_changed.emit()
            return state.labels_sample
        if state.labels_full is None:
            assert state.cloud is not None
            state.labels_full = np.full(len(state.cloud), UNLABELED, np.uint8)
            self.origin_full = np.zeros(len(state.cloud), np.uint8)
            self.session.full_labels_changed.emit()
        return state.labels_full

    def log(self, target: str) -> EditLog:
        labels = self.labels(target)
        log = self.logs.get(target)
        if log is None or log.labels is not labels:
            origin = self._origin(labels) if target == "full" else None
            log = self.logs[target] = EditLog(labels, origin)
        return log

    def paint(self, target: str, rows: np.ndarray, label: int, text: str = "paint") -> int:
        """Give `rows` of `target` the class `label` as one undoable step; points changed."""
        step = self.log(target).apply(rows, label)
        if step is None:
            return 0
        self.undo_stack.push(_PaintCommand(self, target, f"{text} {step.n_points:,} points"))
        self.painted.emit(target, step.indices())
        return step.n_points

    def extend_stroke(self, target: str, rows: np.ndarray, label: int) -> np.ndarray:
        """Paint part of a stroke (brush drag); `end_stroke` makes the parts one step."""
        step = self.log(target).apply(rows, label)
        if step is None:
            return np.zeros(0, np.int64)
        changed = step.indices()
        self.painted.emit(target, changed)
        return changed

    def end_stroke(self, target: str, parts: int, text: str = "brush") -> None:
        if parts <= 0:
            return
        log = self.log(target)
        log.merge_last(parts)
        step = log.steps[log.cursor - 1]
        self.undo_stack.push(_PaintCommand(self, target, f"{text} {step.n_points:,} points"))

    def _step(self, target: str, undo: bool) -> None:
        log = self.logs.get(target)
        if log is None:
            return
        rows = log.undo() if undo else log.redo()
        if rows is not None:
            self.painted.emit(target, rows)

    def _origin(self, labels: np.ndarray) -> np.ndarray:
        if self.origin_full is None or len(self.origin_full) != len(labels):
            self.origin_full = np.where(labels != UNLABELED, 1, 0).astype(np.uint8)
        return self.origin_full

    def hand_set_rows(self) -> int:
        return 0 if self.origin_full is None else int(np.count_nonzero(self.origin_full == 2))

    def _sample_labels_replaced(self) -> None:
        log = self.logs.get("sample")
        if log is not None and log.labels is not self.session.state.labels_sample:
            self.logs.pop("sample")
            self.undo_stack.clear()

    def _full_labels_replaced(self) -> None:
        state = self.session.state
        log = self.logs.get("full")
        if log is None or log.labels is state.labels_full:
            return
        incoming = state.labels_full
        keep_hand_set = self.origin_full is not None and bool(np.any(self.origin_full == HAND_SET))
        if incoming is not None and keep_hand_set and len(incoming) == len(log.labels):
            # Carried back again: the hand-set points stay (core.labeling.layers).
            layers = LabelLayers(log.labels, self._origin(log.labels))
            carry_into(layers, incoming.astype(log.labels.dtype))
            state.labels_full = log.labels
            return
        self.logs.pop("full")
        self.origin_full = None
        self.undo_stack.clear()


class EditHistory(Mapping[str, np.ndarray]):
    """The edit logs as flat arrays ("sample.cursor", "full.index_bytes", ...), made when
    read: a project save reads them, painting never pays for them."""

    def __init__(self, labeling: Labeling):
        self._labeling = labeling
        self._made: dict[str, np.ndarray] = {}  # from the last iteration: dict(view) reads
        # every key right after listing them, so the logs are flattened once per save

    def _arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for target, log in self._labeling.logs.items():
            out |= {f"{target}.{k}": v for k, v in log.to_arrays().items()}
        return out

    def __getitem__(self, key: str) -> np.ndarray:
        return self._made[key] if key in self._made else self._arrays()[key]

    def __iter__(self) -> Iterator[str]:
        self._made = self._arrays()
        return iter(list(self._made))

    def __len__(self) -> int:
        return len(self._labeling.logs)
