"""Boundary refinement for `core.transfer_auto`: decide inside voxels that straddle classes.

A voxel whose neighbouring sample points all carry its label is pure: its full points take
the map label, exactly. Only the full points of mixed voxels are refined. Their labels are
a vote of nearby full-resolution points (thinned to a few per voxel), weighted by distance
and, optionally, by whether the voter's local surface passes through the point: a table's
plane does not pass through the foot of a cup standing on it, so the table does not outvote
the cup there even when it is closer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from core.progress import CancelFn, ProgressFn, chunked

#: Voters kept per sample point (voxel): enough for a smooth vote, bounded cost on dense clouds.
VOTERS_PER_VOXEL = 24
#: Points decided by a full vote per voxel; the others of a very dense voxel copy the nearest.
DECIDERS_PER_VOXEL = 64
#: Neighbours that vote for a refined point (nearest first, within 2 sigma).
N_VOTERS = 256
#: Neighbours for a local plane (normal) fit.
N_NORMAL = 16
#: Sample neighbours looked at to decide whether a voxel is mixed, and how far (in voxels).
MIXED_NEIGHBOURS = 12
MIXED_RADIUS = 1.5
#: Plane distance (in voxels) over which a voter's surface is "through the point".
PLANE_TOLERANCE = 0.15
#: Share of a voxel's points that keep its own label at least (with `Setting.majority`).
MAJORITY_SHARE = 0.5
#: Sharpness of the "parallel planes" weight |n_voter . n_point| ** power.
PARALLEL_POWER = 4
_CHUNK = 20_000


@dataclass(frozen=True)
class Setting:
    """One way to label the full points of mixed voxels.

    Attributes
    ----------
    name : str
        "map", "knn5" or "smooth" / "surface" followed by sigma.
    sigma : float
        Width of the distance weight, in voxels (0 for map and knn5).
    surface : bool
        Weigh voters by how well their local plane passes through the point.
    majority : bool
        Then make the voxel's own label win at least half of its points, as the labeler
        said (a sample point's label is the majority of its voxel).
    """

    name: str
    sigma: float = 0.0
    surface: bool = False
    majority: bool = False


SETTINGS = (
    Setting("map"),
    Setting("knn5"),
    Setting("smooth-0.5", 0.5, False, True),
    Setting("surface-0.35", 0.35, True, True),
    Setting("surface-0.5", 0.5, True, True),
    Setting("surface-0.75", 0.75, True, True),
    Setting("surface-1.0", 1.0, True, True),
)


def vote_scores(labels: np.ndarray, weights: np.ndarray, n_classes: int) -> np.ndarray:
    """Summed weight per class (n, C) float64 of (n, K) voter class codes and weights.

    Codes < 0 (no voter) are ignored.
    """
    n, k = labels.shape
    ok = labels >= 0
    rows = np.repeat(np.arange(n), k).reshape(n, k)
    flat = rows[ok] * n_classes + labels[ok]
    return np.bincount(flat, weights[ok], minlength=n * n_classes).reshape(n, n_classes)


def mixed_samples(sample_xyz: np.ndarray, codes: np.ndarray, voxel_size: float) -> np.ndarray:
    """(M,) bool: labeled sample points with a differently labeled neighbour within 1.5 voxels.

    Unlabeled sample points (code < 0) count as mixed: their voxels need a vote anyway.
    """
    labeled = codes >= 0
    mixed = ~labeled
    if labeled.sum() < 2:
        return mixed
    xyz = sample_xyz[labeled]
    k = min(MIXED_NEIGHBOURS, len(xyz))
    dist, idx = cKDTree(xyz).query(
        xyz, k, distance_upper_bound=MIXED_RADIUS * voxel_size, workers=-1
    )
    near = np.isfinite(dist)
    own = codes[labeled]
    other = own[np.where(near, idx, 0)]
    mixed[np.flatnonzero(labeled)] = ((other != own[:, None]) & near).any(axis=1)
    return mixed


def near_mixed(sample_xyz: np.ndarray, mixed: np.ndarray, radius: float) -> np.ndarray:
    """(M,) bool: sample points within `radius` of a mixed one (the band worth voting from)."""
    if not mixed.any():
        return mixed.copy()
    dist, _ = cKDTree(sample_xyz[mixed]).query(
        sample_xyz, 1, distance_upper_bound=radius, workers=-1
    )
    return np.isfinite(dist)


def thin_voters(index_map: np.ndarray, band: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of full points in band voxels, about `VOTERS_PER_VOXEL` per voxel, at random.

    Thinning to a fixed density keeps the vote's cost and its neighbourhoods the same
    relative size at every voxel size (and in the coarse self-test on the sample).
    """
    inside = np.flatnonzero(band[index_map])
    return inside[thin_per_voxel(index_map[inside], VOTERS_PER_VOXEL, rng)]


def thin_per_voxel(voxel: np.ndarray, per_voxel: int, rng: np.random.Generator) -> np.ndarray:
    """Indices into `voxel` (n,) int keeping about `per_voxel` points of each voxel, at random."""
    if len(voxel) == 0:
        return np.zeros(0, np.int64)
    counts = np.bincount(voxel)
    keep_p = per_voxel / np.maximum(counts[voxel], 1)
    return np.flatnonzero(rng.random(len(voxel)) < keep_p)


def local_normals(
    points: np.ndarray, tree: cKDTree, query: np.ndarray, cancel: CancelFn | None = None
) -> np.ndarray:
    """Unit normal (n, 3) float64 of the plane through the `N_NORMAL` points nearest each query."""
    k = min(N_NORMAL, len(points))
    normals = np.zeros((len(query), 3))
    if k < 3:
        return normals
    for part in chunked(len(query), _CHUNK, None, cancel):
        _, idx = tree.query(query[part], k, workers=-1)
        nb = points[idx]
        nb = nb - nb.mean(axis=1, keepdims=True)
        cov = np.einsum("nki,nkj->nij", nb, nb)
        # eigh sorts eigenvalues ascending: the first eigenvector is the plane normal.
        normals[part] = np.linalg.eigh(cov)[1][:, :, 0]
    return normals


def refine(
    query_xyz: np.ndarray,
    voter_xyz: np.ndarray,
    voter_codes: np.ndarray,
    own_codes: np.ndarray,
    n_classes: int,
    voxel_size: float,
    settings: list[Setting],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> dict[Setting, tuple[np.ndarray, np.ndarray]]:
    """Class code (n,) int64 and own-label share (n,) float64 of each query point, per setting.

    Parameters
    ----------
    query_xyz : (n, 3) float64
        Full points of mixed voxels.
    voter_xyz : (V, 3) float64
        Thinned full points around the boundaries.
    voter_codes : (V,) int64
        Their current class codes (map label, or knn5 inside mixed voxels).
    own_codes : (n,) int64
        Class code of each query point's own sample point (-1 if unlabeled).
    settings : list of Setting
        Smoothing settings (sigma > 0).
    """
    n = len(query_xyz)
    out = {s: (np.full(n, -1, np.int64), np.zeros(n)) for s in settings}
    if not settings or len(voter_xyz) == 0 or len(query_xyz) == 0:
        return out
    tree = cKDTree(voter_xyz)
    need_surface = any(s.surface for s in settings)
    voter_normals = local_normals(voter_xyz, tree, voter_xyz, cancel) if need_surface else None
    reach = 2.0 * max(s.sigma for s in settings) * voxel_size
    k = min(N_VOTERS, len(voter_xyz))
    for part in chunked(len(query_xyz), _CHUNK, progress, cancel, "deciding inside mixed voxels"):
        q = query_xyz[part]
        dist, idx = tree.query(q, k, distance_upper_bound=reach, workers=-1)
        valid = np.isfinite(dist)
        idx = np.where(valid, idx, 0)
        dx = np.where(valid, dist, 0.0) / voxel_size
        codes = np.where(valid, voter_codes[idx], -1)
        agree = None
        if voter_normals is not None:
            agree = _surface_agreement(q, voter_xyz, voter_normals, idx, tree, voxel_size)
        for s in settings:
            w = np.exp(-0.5 * (dx / s.sigma) ** 2)
            if s.surface and agree is not None:
                w = w * agree
            scores = vote_scores(codes, w, n_classes)
            best = scores.argmax(axis=1)
            best[scores.max(axis=1) <= 0] = -1
            own = own_codes[part]
            share = scores[np.arange(len(own)), np.maximum(own, 0)] / np.maximum(
                scores.sum(1), 1e-300
            )
            out[s][0][part] = best
            out[s][1][part] = np.where(own >= 0, share, 0.0)
    return out


def _surface_agreement(
    q: np.ndarray,
    voter_xyz: np.ndarray,
    voter_normals: np.ndarray,
    idx: np.ndarray,
    tree: cKDTree,
    voxel_size: float,
) -> np.ndarray:
    """(n, K) weight in [0, 1]: the voter's plane passes through q and is parallel to q's."""
    own_normal = local_normals(voter_xyz, tree, q)
    nb_normal = voter_normals[idx]
    offset = np.einsum("nkj,nkj->nk", nb_normal, q[:, None, :] - voter_xyz[idx]) / voxel_size
    parallel = np.abs(np.einsum("nkj,nj->nk", nb_normal, own_normal))
    return np.exp(-0.5 * (offset / PLANE_TOLERANCE) ** 2) * parallel**PARALLEL_POWER


def enforce_majority(
    codes: np.ndarray, own_codes: np.ndarray, own_share: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """Give each voxel's own label to at least half of its points (the likeliest first).

    Parameters
    ----------
    codes : (n,) int64
        Decided class codes of the points of mixed voxels.
    own_codes : (n,) int64
        Class code of each point's sample point (-1: unlabeled, left alone).
    own_share : (n,) float64
        Share of the vote the own label got at each point.
    groups : (n,) int
        Sample point (voxel) of each point.
    """
    out = codes.copy()
    order = np.lexsort((-own_share, groups))
    g = groups[order]
    counts = np.bincount(g)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(g)) - starts[g]
    need = np.ceil(MAJORITY_SHARE * counts[g])
    flip = order[(rank < need) & (own_codes[order] >= 0)]
    out[flip] = own_codes[flip]
    return out
