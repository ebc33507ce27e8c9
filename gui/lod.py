"""Which points of a big cloud the viewport draws (the display budget).

Computation always uses every point; only drawing is capped, because VTK on software
OpenGL draws about 5M points a second and a slider must answer within 0.3 s.
"""

from __future__ import annotations

import numpy as np


def display_index(n_points: int, budget: int, seed: int = 0) -> np.ndarray | None:
    """Rows to draw: a uniform random subset in file order, or None to draw every row.

    Parameters
    ----------
    n_points : int
        Points in the cloud.
    budget : int
        Most points to draw.

    Returns
    -------
    (M,) int64, sorted, or None
        M = budget when the cloud is bigger than the budget; None otherwise. Sorted rows
        keep the gathers from the full arrays cache-friendly (random order costs 3x at 20M).
    """
    if n_points <= budget:
        return None
    rng = np.random.default_rng(seed)
    if n_points <= 4 * budget:
        # Keep each row with a chance a little over budget / n, then drop the few thousand
        # extra at random: 20-35 ms, where a permutation and a sort took 0.35 s for a
        # 2.7M-voxel preview on the UI thread.
        extra = 6.0 * np.sqrt(budget) + 64  # six standard deviations of the kept count
        mask = rng.random(n_points, dtype=np.float32) < (budget + extra) / n_points
        if np.count_nonzero(mask) < budget:  # about once in a billion draws
            return np.sort(rng.permutation(n_points)[:budget])
    else:
        # Mark 1.2 * budget random rows (with repeats) in a mask: O(n) bytes and fast, where
        # np.unique over the draws costs ~0.6 s. With n >= 4 * budget at least `budget` survive.
        mask = np.zeros(n_points, dtype=bool)
        mask[rng.integers(0, n_points, size=budget + budget // 5)] = True
    picked = np.flatnonzero(mask)
    drop = rng.choice(len(picked), size=len(picked) - budget, replace=False)
    mask[picked[drop]] = False
    return np.flatnonzero(mask)


def describe_decimation(n_drawn: int, n_points: int) -> str:
    """'showing 1.5M of 20M points', or '' when everything is drawn."""
    if n_drawn >= n_points:
        return ""
    return f"showing {human_count(n_drawn)} of {human_count(n_points)} points"


def human_count(n: int) -> str:
    """12,345 -> '12,345'; 1_500_000 -> '1.5M'."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.3g}M"
    return f"{n:,}"
