"""Colour by uncertainty and the review queue's score: how mixed the full-cloud members of
each sample point are (core.labeling.uncertainty.member_mixing), and, after a KNN or auto
carry-back, that method's own doubt (its split vote), per drawn point of either cloud.

The method's doubt needs a neighbour search over the sample, so it is computed in a worker
after each carry-back (`doubt_work`) and kept here (`remember`); until it arrives, and for
the voxel (index map) method, the member mixing alone is shown.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from core.labeling.uncertainty import auto_disagreement, member_mixing, vote_disagreement
from gui.session import SessionState

Key = tuple[Any, ...]
#: The last carry-back's doubt: (its key, (M,) float32 per sample point).
_last: dict[str, tuple[Key, np.ndarray]] = {}


def can_show(state: SessionState) -> bool:
    """Uncertainty needs carried-back labels and the index map full -> sample."""
    return (
        state.labels_full is not None
        and state.index_map is not None
        and state.sample is not None
        and len(state.index_map) == len(state.labels_full)
    )


def doubt_key(state: SessionState) -> Key | None:
    """What the carry-back method's doubt depends on; None for the voxel method (its
    doubt is the member mixing itself) or when nothing was carried back."""
    method = state.transfer
    if not can_show(state) or state.labels_sample is None or method.method not in ("knn", "auto"):
        return None
    made = state.sample_settings
    voxel = made.voxel_size if made and made.method.startswith("voxel") else None
    # The sample labels' checksum, not their identity: strokes change them in place.
    crc = zlib.crc32(np.ascontiguousarray(state.labels_sample).tobytes())
    return (id(state.sample), len(state.labels_sample), crc, method.method, method.k,
            method.weights, method.max_distance, voxel)  # fmt: skip


def doubt_work(state: SessionState) -> tuple[Key, Callable[[Any, Any], np.ndarray]] | None:
    """The key and a worker function computing the carry-back method's doubt, or None when
    there is none to compute (or it is already known)."""
    key = doubt_key(state)
    if key is None or ("doubt" in _last and _last["doubt"][0] == key):
        return None
    assert state.sample is not None and state.labels_sample is not None
    xyz, labels, method = state.sample.xyz, state.labels_sample.copy(), state.transfer
    voxel = key[-1]

    def work(progress: Any, cancel: Any) -> np.ndarray:
        if method.method == "auto":
            return auto_disagreement(xyz, labels, voxel, progress=progress, cancel=cancel)
        return vote_disagreement(
            xyz, labels, k=method.k, weights=method.weights, max_distance=method.max_distance,
            progress=progress, cancel=cancel,
        )  # fmt: skip

    return key, work


def remember(key: Key, doubt: np.ndarray) -> None:
    _last["doubt"] = (key, doubt)


def method_doubt(state: SessionState) -> np.ndarray | None:
    """(M,) float32 doubt of the last carry-back's method, if known for this state."""
    key = doubt_key(state)
    known = _last.get("doubt")
    return known[1] if key is not None and known is not None and known[0] == key else None


def sample_unsure(state: SessionState, progress: Any = None, cancel: Any = None) -> np.ndarray:
    """(M,) float32 per sample point: the larger of its members' mixing and the method's
    doubt (a split vote can give all members one label: mixing alone would call it sure)."""
    assert state.index_map is not None and state.labels_full is not None
    assert state.sample is not None
    mixing = member_mixing(
        state.index_map, state.labels_full, len(state.sample), progress=progress, cancel=cancel
    )
    doubt = method_doubt(state)
    return mixing if doubt is None else np.maximum(mixing, doubt)


def point_uncertainty(state: SessionState, target: str) -> np.ndarray | None:
    """(N,) float32 per point of `target` ("full" or "sample"), 0 = sure; None when it
    cannot be known (see `can_show`)."""
    if not can_show(state):
        return None
    assert state.index_map is not None
    # Counted again each time: strokes change the labels in place, and a full recolour
    # (not a stroke's) is when the colours are asked for. ~0.1 s at 20M points.
    unsure = sample_unsure(state)
    return unsure if target == "sample" else unsure[state.index_map]
