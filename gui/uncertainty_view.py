"""Colour by uncertainty: how mixed the full-cloud members of each sample point are
(core.labeling.uncertainty.member_mixing), per drawn point of either cloud."""

from __future__ import annotations

import numpy as np

from core.labeling.uncertainty import member_mixing
from gui.session import SessionState


def can_show(state: SessionState) -> bool:
    """Uncertainty needs carried-back labels and the index map full -> sample."""
    return (
        state.labels_full is not None
        and state.index_map is not None
        and state.sample is not None
        and len(state.index_map) == len(state.labels_full)
    )


def point_uncertainty(state: SessionState, target: str) -> np.ndarray | None:
    """(N,) float32 per point of `target` ("full" or "sample"), 0 = its sample point's
    members all agree; None when it cannot be known (see `can_show`)."""
    if not can_show(state):
        return None
    assert state.index_map is not None and state.labels_full is not None
    assert state.sample is not None
    # Counted again each time: strokes change the labels in place, and a full recolour
    # (not a stroke's) is when the colours are asked for. ~0.1 s at 20M points.
    mixing = member_mixing(state.index_map, state.labels_full, len(state.sample))
    return mixing if target == "sample" else mixing[state.index_map]
