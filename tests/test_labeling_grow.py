"""Region growing from a click over the sample's neighbour graph."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from core.downsample import downsample
from core.labeling.grow import grow_region, neighbour_graph
from core.scene import FLOOR, WALL, make_scene


@pytest.fixture(scope="module")
def sample():
    full = make_scene(400_000, seed=8)
    return downsample(full, "voxel-nearest", voxel_size=0.03).sample


@pytest.fixture(scope="module")
def graph(sample):
    return neighbour_graph(sample.xyz, k=10)


def reference_grow(graph, rgb, seed, max_gap, max_colour, max_angle_deg) -> np.ndarray:
    """Plain-Python breadth-first search with the same rules."""
    min_cos = np.cos(np.radians(max_angle_deg))
    taken = {seed}
    queue = deque([seed])
    colour = rgb.astype(np.float64)
    while queue:
        u = queue.popleft()
        for v, gap in zip(graph.neighbours[u], graph.distances[u], strict=True):
            v = int(v)
            if v in taken or gap > max_gap:
                continue
            if abs(float(np.dot(graph.normals[u], graph.normals[v]))) < min_cos:
                continue
            if np.sum((colour[v] - colour[seed]) ** 2) > max_colour**2:
                continue
            taken.add(v)
            queue.append(v)
    return np.array(sorted(taken))


def test_normals_of_floor_and_walls(sample, graph) -> None:
    floor = sample.labels == FLOOR
    assert np.median(np.abs(graph.normals[floor, 2])) > 0.99
    walls = sample.labels == WALL
    assert np.median(np.abs(graph.normals[walls, 2])) < 0.05
    np.testing.assert_allclose(np.linalg.norm(graph.normals, axis=1), 1, atol=1e-5)


def test_a_click_on_the_floor_grows_the_floor(sample, graph) -> None:
    seed = int(np.flatnonzero(sample.labels == FLOOR)[100])
    segment = grow_region(
        graph, seed, rgb=sample.rgb, max_gap=0.08, max_colour=40, max_angle_deg=25
    )
    got = sample.labels[segment]
    floor_total = np.count_nonzero(sample.labels == FLOOR)
    assert np.mean(got == FLOOR) > 0.99, "the floor segment leaked into other objects"
    assert np.count_nonzero(got == FLOOR) > 0.9 * floor_total
    expect = reference_grow(graph, sample.rgb, seed, 0.08, 40, 25)
    np.testing.assert_array_equal(segment, expect)


def test_allowed_and_limit(sample, graph) -> None:
    seed = int(np.flatnonzero(sample.labels == WALL)[0])
    allowed = sample.xyz[:, 2] < 1.0
    allowed[seed] = True
    segment = grow_region(graph, seed, rgb=sample.rgb, allowed=allowed, max_gap=0.08)
    assert allowed[segment].all()
    few = grow_region(graph, seed, rgb=sample.rgb, max_points=50, max_gap=0.08)
    assert len(few) == 50 and seed in few
