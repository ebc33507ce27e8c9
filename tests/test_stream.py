"""Streaming LAS/LAZ steps equal the in-memory ones on clouds that fit."""

from __future__ import annotations

import laspy
import numpy as np
import pytest

from core.cli import main
from core.cloud import UNLABELED
from core.downsample import voxel_mean
from core.errors import Cancelled, InputError
from core.io import read_cloud, write_cloud
from core.scene import make_scene
from core.stream.downsample import stream_voxel_mean
from core.stream.upsample import open_index_map, stream_carry_back
from core.transfer import transfer_labels_knn
from core.voxel import corners


@pytest.fixture(scope="module")
def scene_laz(tmp_path_factory):
    """A 120k-point room placed at georeferenced coordinates, labels in classification."""
    cloud = make_scene(120_000, seed=3)
    cloud.offset = np.array([512_000.0, 4_100_000.0, 150.0])
    path = tmp_path_factory.mktemp("stream") / "room.laz"
    write_cloud(cloud, path, labels=cloud.labels)
    return path


@pytest.mark.parametrize("name", ["brighton_small.laz", "autzen_trim.las"])
def test_streamed_voxel_mean_equals_in_memory_on_its_grid(data_dir, tmp_path, name):
    path = data_dir / name
    cloud = read_cloud(path)
    expected = voxel_mean(cloud, 0.25)
    lo, _ = corners(cloud.xyz)  # the in-memory path anchors its grid at the minimum corner
    got = stream_voxel_mean(path, 0.25, tmp_path / "map.npy", origin=lo, chunk_points=50_000)
    assert np.array_equal(np.load(tmp_path / "map.npy"), expected.index_map)
    assert np.array_equal(got.sample.xyz, expected.sample.xyz)
    assert np.array_equal(got.sample.rgb, expected.sample.rgb)
    assert np.array_equal(got.sample.intensity, expected.sample.intensity)
    assert np.array_equal(got.sample.offset, cloud.offset) and got.n_full == len(cloud)


def test_global_grid_lets_tiles_join_without_seams(scene_laz, tmp_path):
    cloud = read_cloud(scene_laz)
    size = 0.1
    whole = stream_voxel_mean(scene_laz, size, None).sample
    absolute_x = cloud.xyz[:, 0] + cloud.offset[0]
    # A tile border on a multiple of the voxel size, as a tiling of a survey would put it.
    border = np.floor(np.median(absolute_x) / size) * size
    parts = []
    for index, keep in enumerate([absolute_x < border, absolute_x >= border]):
        tile = tmp_path / f"tile{index}.laz"
        write_cloud(cloud.subset(keep), tile)
        sample = stream_voxel_mean(tile, size, None, chunk_points=7_000).sample
        parts.append(sample.xyz + sample.offset)
    joined = np.concatenate(parts)
    assert len(joined) == len(whole)
    order = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    assert np.allclose(order(joined), order(whole.xyz + whole.offset), atol=1e-6, rtol=0)


def test_streamed_carry_back_equals_in_memory(scene_laz, tmp_path):
    cloud = read_cloud(scene_laz)
    result = stream_voxel_mean(scene_laz, 0.05, tmp_path / "map.npy", chunk_points=30_000)
    index_map = open_index_map(tmp_path / "map.npy", len(cloud))
    labels_sample = np.random.default_rng(0).integers(0, 4, len(result.sample)).astype(np.uint8)
    labels_sample[::17] = UNLABELED
    n, n_unlabeled = stream_carry_back(
        scene_laz, labels_sample, method="voxel", index_map=index_map,
        labels_output=tmp_path / "labels.npy", cloud_output=tmp_path / "labeled.laz",
        chunk_points=30_000,
    )  # fmt: skip
    expected = labels_sample[np.asarray(index_map)]
    assert n == len(cloud) and n_unlabeled == int(np.count_nonzero(expected == UNLABELED))
    assert np.array_equal(np.load(tmp_path / "labels.npy"), expected)
    labeled = laspy.read(tmp_path / "labeled.laz")
    original = laspy.read(scene_laz)
    assert np.array_equal(labeled.classification, expected)
    assert np.array_equal(labeled.X, original.X) and np.array_equal(labeled.red, original.red)


def test_streamed_knn_equals_in_memory_knn(scene_laz, tmp_path):
    cloud = read_cloud(scene_laz)
    sample = stream_voxel_mean(scene_laz, 0.2, None).sample
    labels_sample = np.random.default_rng(1).integers(0, 4, len(sample)).astype(np.uint8)
    expected = transfer_labels_knn(sample.xyz, labels_sample, cloud.xyz, k=3)
    stream_carry_back(
        scene_laz, labels_sample, method="knn", sample=sample,
        labels_output=tmp_path / "labels.txt", chunk_points=25_000,
    )  # fmt: skip
    assert np.array_equal(np.loadtxt(tmp_path / "labels.txt", dtype=np.uint8), expected)


def test_cli_streams_when_the_file_exceeds_the_budget(scene_laz, tmp_path, capsys):
    out, sample_map = tmp_path / "sample.ply", tmp_path / "map.npy"
    args = ["downsample", str(scene_laz), "-o", str(out), "--method", "voxel-mean"]
    args += ["--voxel-size", "0.05", "--map", str(sample_map), "--memory-budget", "0.001"]
    assert main(args) == 0
    assert "streamed" in capsys.readouterr().out
    sample = read_cloud(out)
    labels_sample = (np.arange(len(sample)) % 3).astype(np.uint8)
    np.save(tmp_path / "sample_labels.npy", labels_sample)
    labels_out, cloud_out = tmp_path / "full.npy", tmp_path / "full.las"
    args = ["upsample", str(scene_laz), "--labels", str(tmp_path / "sample_labels.npy")]
    args += ["--map", str(sample_map), "--method", "voxel", "-o", str(labels_out)]
    assert main([*args, "--cloud-output", str(cloud_out), "--stream", "-q"]) == 0
    assert "streamed" in capsys.readouterr().out
    expected = labels_sample[np.load(sample_map)]
    assert np.array_equal(np.load(labels_out), expected)
    assert np.array_equal(read_cloud(cloud_out).labels, expected)
    # The in-memory command on the same map gives the same labels.
    assert main([*args[:-1], str(tmp_path / "memory.npy"), "-q"]) == 0
    assert np.array_equal(np.load(tmp_path / "memory.npy"), expected)


def test_cli_refuses_what_streaming_cannot_do(scene_laz, tmp_path, capsys):
    base = ["downsample", str(scene_laz), "-o", str(tmp_path / "s.ply"), "--stream"]
    assert main([*base, "--method", "stride", "--target", "100"]) == 2
    assert "voxel-mean with --voxel-size" in capsys.readouterr().err
    assert (
        main([*base, "--method", "voxel-mean", "--voxel-size", "0.1", "--rotate", "1", "0", "0"])
        == 2
    )
    assert "cannot rotate" in capsys.readouterr().err
    assert not (tmp_path / "s.ply").exists()


def test_stream_cancel_leaves_no_map(scene_laz, tmp_path):
    with pytest.raises(Cancelled):
        stream_voxel_mean(scene_laz, 0.1, tmp_path / "map.npy", cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_map_of_another_cloud_is_refused(scene_laz, tmp_path):
    np.save(tmp_path / "short.npy", np.zeros(10, np.int32))
    with pytest.raises(InputError, match="has 10 entries"):
        open_index_map(tmp_path / "short.npy", 120_000)


_HOSTILE_LAS = {
    "huge.las": lambda c: c.patched(c.las_bytes(), 107, b"\x00\xca\x9a\x3b"),  # 10^9 claimed
    "nanscale.las": lambda c: c.patched(c.las_bytes(), 131, c.NAN3),
    "zeroscale.las": lambda c: c.patched(c.las_bytes(), 131, bytes(24)),
    "cut.las": lambda c: c.las_bytes()[:-200],
    "cut.laz": lambda c: c.las_bytes(laz=True)[:-60],
}


@pytest.mark.parametrize("name", sorted(_HOSTILE_LAS))
def test_streaming_a_hostile_las_gives_one_sentence(name, tmp_path, capsys):
    """The streaming reader refuses what the in-memory one refuses, before allocating."""
    from tests.corpus import corpus_more

    path = tmp_path / name
    path.write_bytes(_HOSTILE_LAS[name](corpus_more))
    before = path.read_bytes()
    out = tmp_path / "sample.ply"
    args = ["downsample", str(path), "-o", str(out), "--method", "voxel-mean"]
    args += ["--voxel-size", "0.1", "--stream", "-q"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and name in err[0] and "Traceback" not in err[0]
    assert ";" in err[0]  # says what to do
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
