"""A seeded synthetic room with known labels, for the demo, the tests and the benchmarks.

A 6 x 5 x 3 m room without a ceiling: floor, four walls, furniture (a table, a cabinet,
a sofa, boxes) and potted plants. Points lie on the surfaces with sensor noise, so
voxels at the boundaries mix classes as in a real scan. The layout lives in
``resources/scene.json``. Surfaces get points in proportion to their area.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from core.classes import LabelClass, make_classes
from core.cloud import PointCloud
from core.errors import InputError

SCENE_JSON = Path(__file__).parents[1] / "resources" / "scene.json"
FLOOR, WALL, FURNITURE, PLANT = 0, 1, 2, 3


@lru_cache(maxsize=1)
def scene_settings() -> dict[str, Any]:
    """The room layout from ``resources/scene.json``."""
    return json.loads(SCENE_JSON.read_text(encoding="utf-8"))


SCENE_CLASSES: list[LabelClass] = make_classes(scene_settings()["classes"])


@dataclass
class _Surface:
    """One primitive: a kind ("rect", "cylinder", "crown"), its shape, label and colour."""

    kind: str
    shape: tuple[Any, ...]
    area: float
    label: int
    color: tuple[int, int, int]


def make_scene(n_points: int, *, seed: int = 0) -> PointCloud:
    """A labeled room of `n_points` points.

    Returns
    -------
    PointCloud
        xyz (N, 3) float64 in metres (origin at a floor corner), rgb (N, 3) uint8,
        labels (N,) uint8 with the ids of `SCENE_CLASSES`.
    """
    n_points = int(n_points)
    if n_points < 1:
        raise InputError(f"the scene needs at least 1 point, got {n_points}.")
    settings = scene_settings()
    surfaces = _surfaces(settings)
    rng = np.random.default_rng(seed)
    areas = np.array([s.area for s in surfaces])
    counts = rng.multinomial(n_points, areas / areas.sum())
    xyz = np.empty((n_points, 3), np.float64)
    rgb = np.empty((n_points, 3), np.uint8)
    labels = np.empty(n_points, np.uint8)
    noise = settings["noise"]
    start = 0
    for surface, count in zip(surfaces, counts, strict=True):
        part = slice(start, start + int(count))
        xyz[part] = _SAMPLERS[surface.kind](rng, int(count), *surface.shape)
        shade = rng.normal(0.0, noise["rgb_sigma"], (int(count), 1))
        rgb[part] = np.clip(np.add(surface.color, shade), 0, 255)
        labels[part] = surface.label
        start += int(count)
    # Sensor noise in place, axis by axis, so 20M points need no (N, 3) temporary.
    for axis in range(3):
        xyz[:, axis] += rng.normal(0.0, noise["xyz_sigma"], n_points)
    return PointCloud(xyz=xyz, rgb=rgb, labels=labels, source=f"synthetic room (seed {seed})")


def _surfaces(settings: dict[str, Any]) -> list[_Surface]:
    room = settings["room"]
    sx, sy, sz = room["size"]
    floor, wall = tuple(room["floor_color"]), tuple(room["wall_color"])
    out = [_rect((0, 0, 0), (sx, 0, 0), (0, sy, 0), FLOOR, floor)]
    out += [
        _rect((0, 0, 0), (sx, 0, 0), (0, 0, sz), WALL, wall),
        _rect((0, sy, 0), (sx, 0, 0), (0, 0, sz), WALL, wall),
        _rect((0, 0, 0), (0, sy, 0), (0, 0, sz), WALL, wall),
        _rect((sx, 0, 0), (0, sy, 0), (0, 0, sz), WALL, wall),
    ]
    for box in settings["furniture"]:
        out += _box_faces(np.array(box["min"]), np.array(box["max"]), tuple(box["color"]))
    for plant in settings["plants"]:
        out += _plant(plant)
    return out


def _rect(origin: Any, edge_u: Any, edge_v: Any, label: int, color: Any) -> _Surface:
    o, u, v = (np.asarray(a, np.float64) for a in (origin, edge_u, edge_v))
    area = float(np.linalg.norm(np.cross(u, v)))
    return _Surface("rect", (o, u, v), area, label, tuple(color))


def _box_faces(lo: np.ndarray, hi: np.ndarray, color: tuple[int, int, int]) -> list[_Surface]:
    """The five faces of a box standing on something (the bottom one is hidden)."""
    dx, dy, dz = hi - lo
    ex, ey, ez = np.array([dx, 0, 0]), np.array([0, dy, 0]), np.array([0, 0, dz])
    faces = [
        (lo + ez, ex, ey),
        (lo, ex, ez),
        (lo + ey, ex, ez),
        (lo, ey, ez),
        (lo + ex, ey, ez),
    ]
    return [_rect(o, u, v, FURNITURE, color) for o, u, v in faces]


def _plant(plant: dict[str, Any]) -> list[_Surface]:
    """A pot, a stem and a leafy crown (counted as leaf area, so denser than a sphere)."""
    cx, cy = plant["centre"]
    base = float(plant.get("base_z", 0.0))
    r_pot, h_pot = plant["pot_radius"], plant["pot_height"]
    top = base + h_pot + plant["stem_height"]
    r_crown = plant["crown_radius"]
    pot, leaf = tuple(plant["pot_color"]), tuple(plant["leaf_color"])
    stem_colour = (90, 70, 40)
    return [
        _Surface(
            "cylinder", (cx, cy, r_pot, base, base + h_pot), 2 * np.pi * r_pot * h_pot, PLANT, pot
        ),
        _Surface(
            "cylinder",
            (cx, cy, 0.015, base + h_pot, top),
            2 * np.pi * 0.015 * (top - base),
            PLANT,
            stem_colour,
        ),
        _Surface("crown", (cx, cy, top, r_crown), 3 * 4 * np.pi * r_crown**2, PLANT, leaf),
    ]


def _sample_rect(rng: np.random.Generator, n: int, o: np.ndarray, u: np.ndarray, v: np.ndarray):
    a = rng.random((n, 1))
    b = rng.random((n, 1))
    return o + a * u + b * v


def _sample_cylinder(rng: np.random.Generator, n: int, cx, cy, r, z0, z1):
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([cx + r * np.cos(angle), cy + r * np.sin(angle), rng.uniform(z0, z1, n)])


def _sample_crown(rng: np.random.Generator, n: int, cx, cy, cz, r):
    """Leaves fill the outer shell of a slightly flattened ball."""
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True) + 1e-12
    radius = r * (0.55 + 0.45 * rng.random((n, 1)) ** 0.5)
    return np.array([cx, cy, cz]) + direction * radius * np.array([1.0, 1.0, 0.8])


_SAMPLERS: dict[str, Callable[..., np.ndarray]] = {
    "rect": _sample_rect,
    "cylinder": _sample_cylinder,
    "crown": _sample_crown,
}
