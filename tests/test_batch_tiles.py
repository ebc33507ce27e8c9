"""KNN carry-back over 4 tiles with a neighbour buffer gives the whole cloud's labels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from core.cli import main
from core.io import read_cloud, write_cloud
from core.scene import make_scene
from core.transfer import transfer_labels_knn

KNN = ["--method", "knn", "--k", "3", "--max-distance", "0.3"]


@pytest.fixture(scope="module")
def quadrants(tmp_path_factory):
    """A room split into 4 LAZ tiles, each with a voxel sample and its labels (.npy)."""
    folder = tmp_path_factory.mktemp("quadrants")
    cloud = make_scene(24_000, seed=2)
    cloud.offset = np.array([300_000.0, 5_000_000.0, 20.0])
    mid = np.median(cloud.xyz[:, :2], axis=0)
    east, north = cloud.xyz[:, 0] >= mid[0], cloud.xyz[:, 1] >= mid[1]
    truth = cKDTree(cloud.xyz)
    for index, keep in enumerate([~east & ~north, east & ~north, ~east & north, east & north]):
        write_cloud(cloud.subset(keep), folder / f"q{index}.laz")
        argv = ["downsample", str(folder / f"q{index}.laz"), "-o", str(folder / f"q{index}.s.ply")]
        assert main([*argv, "--method", "voxel-mean", "--voxel-size", "0.15", "-q"]) == 0
        sample = read_cloud(folder / f"q{index}.s.ply")
        # The labeler's answer: the true class of the nearest full point.
        shift = sample.offset - cloud.offset
        labels = cloud.labels[truth.query(sample.xyz + shift)[1]]
        np.save(folder / f"q{index}.s.labels.npy", labels.astype(np.uint8))
    return folder, cloud


def _whole_cloud_labels(folder, cloud) -> list[np.ndarray]:
    """One knn over every tile's sample at once, for each tile's points."""
    parts, votes = [], []
    for index in range(4):
        sample = read_cloud(folder / f"q{index}.s.ply")
        parts.append(sample.xyz + sample.offset - cloud.offset)
        votes.append(np.load(folder / f"q{index}.s.labels.npy"))
    xyz, labels = np.concatenate(parts), np.concatenate(votes)
    out = []
    for index in range(4):
        tile = read_cloud(folder / f"q{index}.laz")
        points = tile.xyz + tile.offset - cloud.offset
        out.append(transfer_labels_knn(xyz, labels, points, k=3, max_distance=0.3))
    return out


def _batch(folder, workers_args, buffer_args, tag):
    argv = ["batch", "upsample", str(folder / "q?.laz"), *workers_args, *buffer_args]
    argv += ["--state", str(folder / f"{tag}.json"), "--"]
    argv += ["--labels", "{parent}/{stem}.s.labels.npy", "--sample", "{parent}/{stem}.s.ply"]
    argv += [*KNN, "-o", "{parent}/{stem}." + tag + ".npy"]
    return main(argv)


def test_tiles_with_a_buffer_get_the_whole_clouds_labels(quadrants, capsys):
    folder, cloud = quadrants
    assert _batch(folder, ["--workers", "2"], [], "buffered") == 0
    out = capsys.readouterr().out
    assert out.count("neighbouring tiles") == 4
    expected = _whole_cloud_labels(folder, cloud)
    for index in range(4):
        got = np.load(folder / f"q{index}.buffered.npy")
        assert np.array_equal(got, expected[index]), f"tile {index}"


def test_without_the_buffer_labels_change_at_the_borders(quadrants):
    folder, cloud = quadrants
    assert _batch(folder, ["--workers", "2"], ["--buffer", "0.0001"], "alone") == 0
    expected = _whole_cloud_labels(folder, cloud)
    changed = sum(
        int(np.count_nonzero(np.load(folder / f"q{i}.alone.npy") != expected[i])) for i in range(4)
    )
    assert changed > 0  # what the buffer is for: tiles alone disagree near their edges
