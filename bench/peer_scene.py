"""An independent synthetic room for comparing with other tools (not `core.scene`).

Uniform floor and walls, Gaussian blobs of points floating in the room and resting on
the floor: label boundaries everywhere. The floor is a checkerboard of two classes
(0.5 m tiles), the walls are banded in two classes (0.4 m bands), and each blob has one
of six classes; blobs overlap each other and the floor, so voxels mix classes across
the whole room, unlike `core.scene` where most of the room is one big surface.
"""

from __future__ import annotations

import numpy as np

ROOM = (6.0, 5.0, 3.0)
#: Share of the points on the floor, on the walls and in the blobs.
SHARES = (0.3, 0.3, 0.4)
N_BLOBS = 300
NOISE = 0.002  # metres of sensor noise on the floor and walls


def make_peer_scene(n_points: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, colours and labels of the room.

    Returns
    -------
    xyz : (N, 3) float64
        Metres, origin at a floor corner.
    rgb : (N, 3) uint8
    labels : (N,) uint8
        0-1 floor tiles, 2-3 wall bands, 4-9 blobs.
    """
    rng = np.random.default_rng(seed)
    n_floor = int(n_points * SHARES[0])
    n_wall = int(n_points * SHARES[1])
    n_blob = n_points - n_floor - n_wall
    parts = [_floor(rng, n_floor), _walls(rng, n_wall), _blobs(rng, n_blob)]
    xyz = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    # Shuffled, as a scanner's order is not the labels' order.
    order = rng.permutation(len(xyz))
    xyz, labels = xyz[order], labels[order]
    palette = rng.integers(0, 256, size=(10, 3), dtype=np.uint8)
    shade = rng.integers(-20, 21, size=(len(xyz), 1))
    rgb = np.clip(palette[labels].astype(np.int16) + shade, 0, 255).astype(np.uint8)
    return xyz, rgb, labels


def _floor(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    xyz = np.column_stack(
        [rng.uniform(0, ROOM[0], n), rng.uniform(0, ROOM[1], n), rng.normal(0, NOISE, n)]
    )
    tiles = (np.floor(xyz[:, 0] / 0.5) + np.floor(xyz[:, 1] / 0.5)).astype(np.int64)
    return xyz, (tiles % 2).astype(np.uint8)


def _walls(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Four walls, points in proportion to their area, noise along each wall's normal."""
    a, b = ROOM[0], ROOM[1]
    along = rng.uniform(0, 2 * (a + b), n)
    z = rng.uniform(0, ROOM[2], n)
    depth = rng.normal(0, NOISE, n)
    on_x = (along < a) | ((along >= a + b) & (along < 2 * a + b))  # walls along x
    t = np.where(along < a + b, along, along - (a + b))  # position along walls 0-1 or 2-3
    far = along >= a + b
    x = np.where(on_x, t, np.where(far, 0.0, a) + depth)
    y = np.where(on_x, np.where(far, b, 0.0) + depth, t - a)
    bands = (np.floor(along / 0.4) + np.floor(z / 0.4)).astype(np.int64) % 2
    return np.column_stack([x, y, z]), (2 + bands).astype(np.uint8)


def _blobs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    centres = rng.uniform([0.3, 0.3, 0.0], [ROOM[0] - 0.3, ROOM[1] - 0.3, 2.0], (N_BLOBS, 3))
    sigma = rng.uniform(0.05, 0.25, N_BLOBS)
    classes = rng.integers(4, 10, N_BLOBS).astype(np.uint8)
    which = rng.integers(0, N_BLOBS, n)
    xyz = centres[which] + rng.normal(size=(n, 3)) * sigma[which, None]
    xyz[:, 2] = np.abs(xyz[:, 2])  # blobs on the floor rest on it
    return xyz, classes[which]
