"""Unlimited undo/redo whose memory follows the points changed, not the cloud size.

A step keeps the changed indices (sorted, as gaps between neighbours: one byte each when
they are close, four when not) and the old labels and origins run-length coded, so 1,000
brush strokes over a 20M-point cloud stay small. The log replays on any label array, so a
script (or a reopened project) repeats the same edits without a window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.cloud import UNLABELED
from core.labeling.layers import HAND_SET, NONE

_ESCAPE = 255


@dataclass(frozen=True)
class Step:
    """One edit: every point in it got `new_label` (and the origin `new_origin`).

    Attributes
    ----------
    gaps : (K,) uint8
        Index gaps; 255 means "look up the next entry of `big_gaps`".
    big_gaps : (B,) uint32
    old_labels, old_origins : (R,) runs of values and (R,) uint32 run lengths, as pairs.
    """

    gaps: np.ndarray
    big_gaps: np.ndarray
    old_labels: tuple[np.ndarray, np.ndarray]
    old_origins: tuple[np.ndarray, np.ndarray]
    new_label: int
    new_origin: int

    @property
    def n_points(self) -> int:
        return len(self.gaps)

    @property
    def nbytes(self) -> int:
        arrays = [self.gaps, self.big_gaps, *self.old_labels, *self.old_origins]
        return sum(a.nbytes for a in arrays)

    def indices(self) -> np.ndarray:
        """(K,) int64 sorted point indices."""
        gaps = self.gaps.astype(np.int64)
        gaps[self.gaps == _ESCAPE] = self.big_gaps
        return np.cumsum(gaps) - 1


def encode_indices(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique indices as one-byte gaps plus the few large ones."""
    gaps = np.diff(indices.astype(np.int64), prepend=-1)
    small = gaps < _ESCAPE
    return np.where(small, gaps, _ESCAPE).astype(np.uint8), gaps[~small].astype(np.uint32)


def run_length(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, lengths): runs of equal neighbours."""
    if len(values) == 0:
        return values.copy(), np.zeros(0, np.uint32)
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    lengths = np.diff(np.append(starts, len(values))).astype(np.uint32)
    return values[starts].copy(), lengths


def run_decode(runs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return np.repeat(runs[0], runs[1])


class EditLog:
    """Edits of one label array, with undo and redo.

    Parameters
    ----------
    labels : (N,) uint8 or uint16
        Changed in place by `apply`, `undo` and `redo`.
    origin : (N,) uint8, optional
        Per point: 0 none, 1 carried back, 2 hand-set (`core.labeling.layers`); painted
        points become hand-set, erased ones none. Undo restores it too.
    """

    def __init__(self, labels: np.ndarray, origin: np.ndarray | None = None) -> None:
        self.labels = labels
        self.origin = origin
        self.steps: list[Step] = []
        #: Steps before the cursor are applied; those after it can be redone.
        self.cursor = 0

    @property
    def can_undo(self) -> bool:
        return self.cursor > 0

    @property
    def can_redo(self) -> bool:
        return self.cursor < len(self.steps)

    @property
    def nbytes(self) -> int:
        return sum(step.nbytes for step in self.steps)

    def apply(self, indices: np.ndarray, new_label: int) -> Step | None:
        """Give the points `new_label`; one undoable step, or None if nothing changed.

        Parameters
        ----------
        indices : (K,) int
            Points to paint, any order, repeats allowed.
        """
        idx = np.asarray(indices, np.int64)
        if len(idx) > 1 and not bool(np.all(idx[1:] > idx[:-1])):
            idx = np.unique(idx)  # selections come sorted; other callers may not
        new_origin = NONE if int(new_label) == UNLABELED else HAND_SET
        changed = self.labels[idx] != new_label
        if self.origin is not None:
            changed |= self.origin[idx] != new_origin
        idx = idx[changed]
        if len(idx) == 0:
            return None
        old_origins = self.origin[idx] if self.origin is not None else np.zeros(0, np.uint8)
        step = Step(
            *encode_indices(idx),
            old_labels=run_length(self.labels[idx]),
            old_origins=run_length(old_origins),
            new_label=int(new_label),
            new_origin=new_origin,
        )
        del self.steps[self.cursor :]
        self.steps.append(step)
        self._forward(step, self.labels, self.origin, idx)
        self.cursor += 1
        return step

    def merge_last(self, count: int) -> None:
        """Make the last `count` steps (parts of one brush stroke, one class) one step."""
        count = min(int(count), self.cursor)
        if count < 2:
            return
        parts = self.steps[self.cursor - count : self.cursor]
        idx = np.concatenate([s.indices() for s in parts])
        old_labels = np.concatenate([run_decode(s.old_labels) for s in parts])
        old_origins = np.concatenate([run_decode(s.old_origins) for s in parts])
        # A point in two parts keeps its value from before the first one.
        idx, first = np.unique(idx, return_index=True)
        merged = Step(
            *encode_indices(idx),
            old_labels=run_length(old_labels[first]),
            old_origins=run_length(old_origins[first] if len(old_origins) else old_origins),
            new_label=parts[-1].new_label,
            new_origin=parts[-1].new_origin,
        )
        del self.steps[self.cursor - count :]
        self.steps.append(merged)
        self.cursor = len(self.steps)

    def undo(self) -> np.ndarray | None:
        """Take back the last step; the indices it touched (to redraw), or None."""
        if not self.can_undo:
            return None
        self.cursor -= 1
        step = self.steps[self.cursor]
        idx = step.indices()
        self.labels[idx] = run_decode(step.old_labels)
        if self.origin is not None:
            self.origin[idx] = run_decode(step.old_origins)
        return idx

    def redo(self) -> np.ndarray | None:
        """Apply again the step last undone; the indices it touched, or None."""
        if not self.can_redo:
            return None
        step = self.steps[self.cursor]
        idx = step.indices()
        self._forward(step, self.labels, self.origin, idx)
        self.cursor += 1
        return idx

    def replay(self, labels: np.ndarray, origin: np.ndarray | None = None) -> None:
        """Apply the steps before the cursor, in order, to another label array."""
        for step in self.steps[: self.cursor]:
            self._forward(step, labels, origin, step.indices())

    @staticmethod
    def _forward(step: Step, labels, origin, idx: np.ndarray) -> None:
        labels[idx] = step.new_label
        if origin is not None:
            origin[idx] = step.new_origin

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The whole log (undone steps too) as flat arrays, for a project file."""
        return to_arrays(self.steps, self.cursor)

    @classmethod
    def from_arrays(
        cls, d: dict[str, np.ndarray], labels: np.ndarray, origin: np.ndarray | None = None
    ) -> EditLog:
        """A log saved by `to_arrays`, over `labels` (which should be as they were saved)."""
        log = cls(labels, origin)
        log.steps, log.cursor = from_arrays(d)
        return log


_PARTS = ("gaps", "big_gaps", "label_values", "label_runs", "origin_values", "origin_runs")


def _parts(step: Step) -> tuple[np.ndarray, ...]:
    return (step.gaps, step.big_gaps, *step.old_labels, *step.old_origins)


def to_arrays(steps: list[Step], cursor: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {
        "cursor": np.array([cursor], np.int64),
        "new_label": np.array([s.new_label for s in steps], np.int64),
        "new_origin": np.array([s.new_origin for s in steps], np.uint8),
    }
    for k, name in enumerate(_PARTS):
        pieces = [_parts(s)[k] for s in steps]
        out[f"{name}_count"] = np.array([len(p) for p in pieces], np.int64)
        out[name] = np.concatenate(pieces) if pieces else np.zeros(0, np.uint8)
    return out


def from_arrays(d: dict[str, np.ndarray]) -> tuple[list[Step], int]:
    n = len(d["new_label"])
    split = {
        name: np.split(np.asarray(d[name]), np.cumsum(d[f"{name}_count"])[:-1]) if n else []
        for name in _PARTS
    }
    steps = [
        Step(
            gaps=split["gaps"][i].astype(np.uint8),
            big_gaps=split["big_gaps"][i].astype(np.uint32),
            old_labels=(split["label_values"][i], split["label_runs"][i].astype(np.uint32)),
            old_origins=(split["origin_values"][i], split["origin_runs"][i].astype(np.uint32)),
            new_label=int(d["new_label"][i]),
            new_origin=int(d["new_origin"][i]),
        )
        for i in range(n)
    ]
    return steps, int(d["cursor"][0])
