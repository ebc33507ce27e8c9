"""Unlimited undo/redo whose memory follows the points changed, not the cloud size.

A step keeps the changed indices (sorted, as gaps between neighbours in a variable-length
byte code: one byte for gaps under 128, two under 16,384, ...) and the old labels and
origins, run-length coded when that is smaller, so 1,000 brush strokes over a 20M-point
cloud stay small. The log replays on any label array, so a script (or a reopened project)
repeats the same edits without a window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from core.cloud import UNLABELED
from core.labeling.layers import HAND_SET, NONE

#: (values, run lengths); no run lengths means the values are stored one per point.
Packed = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Step:
    """One edit: every point in it got `new_label` (and the origin `new_origin`).

    Attributes
    ----------
    index_bytes : (B,) uint8
        The gaps between the sorted indices (the first counted from -1), LEB128-coded.
    count : int
        Points in the step.
    old_labels, old_origins : Packed
        Values before the step, in index order.
    """

    index_bytes: np.ndarray
    count: int
    old_labels: Packed
    old_origins: Packed
    new_label: int
    new_origin: int

    @property
    def n_points(self) -> int:
        return self.count

    @property
    def nbytes(self) -> int:
        arrays = [self.index_bytes, *self.old_labels, *self.old_origins]
        return sum(a.nbytes for a in arrays)

    def indices(self) -> np.ndarray:
        """(K,) int64 sorted point indices."""
        return np.cumsum(_decode_gaps(self.index_bytes, self.count)) - 1


@numba.njit(cache=True, nogil=True)
def _encode_gaps(indices):  # pragma: no cover - compiled
    size = 0
    prev = np.int64(-1)
    for i in indices:
        g = np.int64(i) - prev
        prev = np.int64(i)
        size += 1
        g >>= 7
        while g:
            size += 1
            g >>= 7
    out = np.empty(size, np.uint8)
    at = 0
    prev = np.int64(-1)
    for i in indices:
        g = np.int64(i) - prev
        prev = np.int64(i)
        while g >= 128:
            out[at] = (g & 127) | 128
            g >>= 7
            at += 1
        out[at] = g
        at += 1
    return out


@numba.njit(cache=True, nogil=True)
def _decode_gaps(data, count):  # pragma: no cover - compiled
    out = np.empty(count, np.int64)
    at = 0
    for k in range(count):
        value = np.int64(0)
        shift = 0
        while True:
            byte = data[at]
            at += 1
            value |= np.int64(byte & 127) << shift
            if byte < 128:
                break
            shift += 7
        out[k] = value
    return out


@numba.njit(cache=True, nogil=True)
def _take_changed(idx, labels, origin, use_origin, new_label, new_origin):
    # pragma: no cover - compiled
    """One pass over sorted indices: the changed ones, their old values, and the new ones
    written (numpy's gathers, compares and scatters each read the indices again)."""
    keep = np.empty(idx.shape[0], np.int64)
    old_labels = np.empty(idx.shape[0], labels.dtype)
    old_origins = np.empty(idx.shape[0] if use_origin else 0, np.uint8)
    n = 0
    for k in range(idx.shape[0]):
        i = idx[k]
        was = labels[i]
        if was != new_label or (use_origin and origin[i] != new_origin):
            keep[n] = i
            old_labels[n] = was
            labels[i] = new_label
            if use_origin:
                old_origins[n] = origin[i]
                origin[i] = new_origin
            n += 1
    return keep[:n], old_labels[:n], old_origins[:n]


@numba.njit(cache=True, nogil=True)
def _sorted_unique(idx):  # pragma: no cover - compiled
    ok = True
    for k in range(1, idx.shape[0]):
        if idx[k] <= idx[k - 1]:
            ok = False
            break
    return ok


def encode_indices(indices: np.ndarray) -> np.ndarray:
    """Sorted unique indices (K,) as LEB128-coded gaps: (B,) uint8."""
    return _encode_gaps(indices)


def pack(values: np.ndarray) -> Packed:
    """Runs of equal neighbours when fewer bytes than one value per point, else the values."""
    if len(values) == 0:
        return values.copy(), np.zeros(0, np.uint32)
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    if len(starts) * (values.itemsize + 4) >= values.nbytes:
        return values.copy(), np.zeros(0, np.uint32)
    lengths = np.diff(np.append(starts, len(values))).astype(np.uint32)
    return values[starts].copy(), lengths


def unpack(packed: Packed) -> np.ndarray:
    values, lengths = packed
    return values if len(lengths) == 0 else np.repeat(values, lengths)


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
        idx = np.asarray(indices)
        if idx.dtype not in (np.int32, np.int64):
            idx = idx.astype(np.int64)
        if len(idx) > 1 and not _sorted_unique(idx):
            idx = np.unique(idx)  # selections come sorted; other callers may not
        new_origin = NONE if int(new_label) == UNLABELED else HAND_SET
        use_origin = self.origin is not None
        origin = self.origin if self.origin is not None else np.zeros(1, np.uint8)
        new_value = self.labels.dtype.type(new_label)
        idx, old_labels, old_origins = _take_changed(
            idx, self.labels, origin, use_origin, new_value, np.uint8(new_origin)
        )
        if len(idx) == 0:
            return None
        step = Step(
            encode_indices(idx),
            len(idx),
            old_labels=pack(old_labels),
            old_origins=pack(old_origins),
            new_label=int(new_label),
            new_origin=new_origin,
        )
        del self.steps[self.cursor :]
        self.steps.append(step)
        self.cursor += 1
        return step

    def merge_last(self, count: int) -> None:
        """Make the last `count` steps (parts of one brush stroke, one class) one step."""
        count = min(int(count), self.cursor)
        if count < 2:
            return
        parts = self.steps[self.cursor - count : self.cursor]
        idx = np.concatenate([s.indices() for s in parts])
        old_labels = np.concatenate([unpack(s.old_labels) for s in parts])
        old_origins = np.concatenate([unpack(s.old_origins) for s in parts])
        # A point in two parts keeps its value from before the first one.
        idx, first = np.unique(idx, return_index=True)
        merged = Step(
            encode_indices(idx),
            len(idx),
            old_labels=pack(old_labels[first]),
            old_origins=pack(old_origins[first] if len(old_origins) else old_origins),
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
        self.labels[idx] = unpack(step.old_labels)
        if self.origin is not None:
            self.origin[idx] = unpack(step.old_origins)
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


_PARTS = ("index_bytes", "label_values", "label_runs", "origin_values", "origin_runs")


def _parts(step: Step) -> tuple[np.ndarray, ...]:
    return (step.index_bytes, *step.old_labels, *step.old_origins)


def to_arrays(steps: list[Step], cursor: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {
        "cursor": np.array([cursor], np.int64),
        "count": np.array([s.count for s in steps], np.int64),
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
            index_bytes=split["index_bytes"][i].astype(np.uint8),
            count=int(d["count"][i]),
            old_labels=(split["label_values"][i], split["label_runs"][i].astype(np.uint32)),
            old_origins=(split["origin_values"][i], split["origin_runs"][i].astype(np.uint32)),
            new_label=int(d["new_label"][i]),
            new_origin=int(d["new_origin"][i]),
        )
        for i in range(n)
    ]
    return steps, int(d["cursor"][0])
