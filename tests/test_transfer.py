"""Carrying labels back: the index map, and a KNN vote that matches scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree
from sklearn.neighbors import KNeighborsClassifier

from core.cloud import UNLABELED, PointCloud
from core.downsample import downsample
from core.errors import Cancelled, InputError
from core.metrics import evaluate
from core.scene import make_scene
from core.transfer import transfer_labels_knn, transfer_labels_map


@pytest.fixture(scope="module")
def test55(data_dir) -> PointCloud:
    table = np.loadtxt(data_dir / "test55.xyz", delimiter=",")
    labels = np.loadtxt(data_dir / "test55.labels", dtype=np.int64).astype(np.uint8)
    return PointCloud(xyz=table[:, :3], rgb=table[:, 3:6], labels=labels, source="test55")


def test_map_transfer_is_the_sample_label_of_each_point() -> None:
    labels_sample = np.array([3, 7, 255], dtype=np.uint8)
    index_map = np.array([2, 0, 0, 1], dtype=np.int32)
    out = transfer_labels_map(labels_sample, index_map)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [255, 3, 3, 7])
    with pytest.raises(InputError):
        transfer_labels_map(labels_sample, np.array([3]))


def test_voxel_nearest_labels_come_back_through_the_map(test55: PointCloud) -> None:
    result = downsample(test55, "voxel-nearest", voxel_size=0.01)
    assert result.sample.labels is not None and test55.labels is not None
    labels_full = transfer_labels_map(result.sample.labels, result.index_map)
    assert evaluate(labels_full, test55.labels).accuracy > 0.95


def test_knn_uniform_k3_predicts_like_sklearn_on_real_scan(test55: PointCloud) -> None:
    sample = downsample(test55, "voxel-mean", voxel_size=0.01)
    # A perfect labeler: each sample point gets the label of the nearest real point.
    nearest = cKDTree(test55.xyz).query(sample.sample.xyz)[1]
    assert test55.labels is not None
    labels_sample = test55.labels[nearest]
    ours = transfer_labels_knn(sample.sample.xyz, labels_sample, test55.xyz, k=3)
    theirs = KNeighborsClassifier(n_neighbors=3).fit(sample.sample.xyz, labels_sample)
    expected = theirs.predict(test55.xyz)
    differ = np.flatnonzero(ours != expected)
    # Only where the 3rd and 4th neighbours are equally far may the two disagree.
    dist = cKDTree(sample.sample.xyz).query(test55.xyz[differ], k=4)[0]
    assert np.all(dist[:, 2] == dist[:, 3])
    assert len(differ) < 1e-3 * len(test55)


def test_knn_distance_weights_match_sklearn() -> None:
    cloud = make_scene(60_000, seed=4)
    sample = downsample(cloud, "voxel-nearest", voxel_size=0.08)
    full = cloud.xyz[::3]
    assert sample.sample.labels is not None
    ours = transfer_labels_knn(
        sample.sample.xyz, sample.sample.labels, full, k=5, weights="distance"
    )
    model = KNeighborsClassifier(n_neighbors=5, weights="distance")
    expected = model.fit(sample.sample.xyz, sample.sample.labels).predict(full)
    assert (ours != expected).mean() < 1e-3


def test_ties_go_to_the_lowest_label_and_exact_hits_win() -> None:
    sample = np.array([[0.0, 0, 0], [2.0, 0, 0]])
    labels = np.array([5, 2], dtype=np.uint8)
    full = np.array([[1.0, 0, 0], [0.0, 0, 0]])
    np.testing.assert_array_equal(transfer_labels_knn(sample, labels, full, k=2), [2, 2])
    out = transfer_labels_knn(sample, labels, full, k=2, weights="distance")
    np.testing.assert_array_equal(out, [2, 5])


def test_unlabeled_sample_points_do_not_vote_and_far_points_stay_unlabeled() -> None:
    sample = np.array([[0.0, 0, 0], [0.1, 0, 0], [5.0, 0, 0]])
    labels = np.array([UNLABELED, 4, 9], dtype=np.uint16)
    full = np.array([[0.0, 0, 0], [5.05, 0, 0], [2.5, 0, 0]])
    out = transfer_labels_knn(sample, labels, full, k=1, max_distance=0.5)
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, [4, 9, UNLABELED])
    everyone_unlabeled = np.full(3, UNLABELED, np.uint8)
    out = transfer_labels_knn(sample, everyone_unlabeled, full)
    np.testing.assert_array_equal(out, [UNLABELED] * 3)


def test_k_larger_than_the_voters() -> None:
    out = transfer_labels_knn(np.zeros((1, 3)), np.array([3], np.uint8), np.ones((4, 3)), k=5)
    np.testing.assert_array_equal(out, [3, 3, 3, 3])


def test_knn_bad_input_progress_and_cancel() -> None:
    xyz = np.zeros((3, 3))
    with pytest.raises(InputError):
        transfer_labels_knn(xyz, np.zeros(2, np.uint8), xyz)
    with pytest.raises(InputError):
        transfer_labels_knn(xyz, np.zeros(3, np.uint8), xyz, weights="gaussian")
    with pytest.raises(InputError):
        transfer_labels_knn(xyz, np.zeros(3, np.uint8), xyz, k=0)
    seen: list[float] = []
    transfer_labels_knn(xyz, np.zeros(3, np.uint8), xyz, progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0
    with pytest.raises(Cancelled):
        transfer_labels_knn(xyz, np.zeros(3, np.uint8), xyz, cancel=lambda: True)


def reference_knn(sample_xyz, labels, full_xyz, k, weights, max_distance):
    """One point at a time: scipy's tree, then the vote written out plainly."""
    voters = labels != UNLABELED
    xyz, lab = sample_xyz[voters], labels[voters]
    tree = cKDTree(xyz)
    out = np.full(len(full_xyz), UNLABELED, labels.dtype)
    bound = np.inf if max_distance is None else max_distance * (1 + 1e-12)
    dist, idx = tree.query(full_xyz, k=min(k, len(xyz)), distance_upper_bound=bound)
    dist, idx = dist.reshape(len(full_xyz), -1), idx.reshape(len(full_xyz), -1)
    for i in range(len(full_xyz)):
        ok = idx[i] < len(xyz)
        if not ok.any():
            continue
        d, lab_i = dist[i][ok], lab[idx[i][ok]]
        if weights == "distance":
            w = (d == 0).astype(float) if (d == 0).any() else 1.0 / d
        else:
            w = np.ones(len(d))
        support: dict[int, float] = {}
        for label, weight in zip(lab_i.tolist(), w.tolist(), strict=True):
            support[label] = support.get(label, 0.0) + weight
        best = max(support.values())
        out[i] = min(label for label, s in support.items() if s == best)
    return out


@pytest.mark.parametrize(
    ("k", "weights", "max_distance"),
    [(1, "uniform", None), (3, "uniform", 0.03), (5, "distance", None), (4, "distance", 0.08)],
)
def test_knn_equals_a_plain_reference_on_a_room(k: int, weights: str, max_distance) -> None:
    cloud = make_scene(80_000, seed=8)
    sample = downsample(cloud, "voxel-nearest", voxel_size=0.06).sample
    assert sample.labels is not None
    labels = sample.labels.copy()
    labels[np.random.default_rng(1).random(len(labels)) < 0.1] = UNLABELED
    # Some points far outside the room too.
    full = np.vstack([cloud.xyz[::4], [[20.0, 0, 0], [-3.0, 2.0, 1.0]]])
    ours = transfer_labels_knn(
        sample.xyz, labels, full, k=k, weights=weights, max_distance=max_distance
    )
    expected = reference_knn(sample.xyz, labels, full, k, weights, max_distance)
    assert (ours != expected).mean() < 1e-3


def test_knn_on_random_clouds_of_odd_shapes() -> None:
    rng = np.random.default_rng(3)
    for trial in range(30):
        m = int(rng.integers(1, 400))
        scale = rng.choice([0.0, 1e-3, 1.0, 1e3], size=3)
        sample = rng.normal(size=(m, 3)) * scale
        labels = rng.integers(0, 4, m).astype(np.uint8 if trial % 3 else np.int64)
        full = rng.normal(size=(300, 3)) * scale * 1.5
        k = int(rng.integers(1, 6))
        max_distance = None if trial % 2 else float(np.median(np.abs(sample))) + 1e-6
        ours = transfer_labels_knn(sample, labels, full, k=k, max_distance=max_distance)
        expected = reference_knn(sample, labels, full, k, "uniform", max_distance)
        np.testing.assert_array_equal(ours, expected)


def test_points_far_outside_the_sample_get_their_nearest_label() -> None:
    cloud = make_scene(20_000, seed=2)
    assert cloud.labels is not None
    far = np.array([[100.0, 2.0, 1.0], [-50.0, -50.0, -50.0], [3.0, 2.5, 40.0]])
    out = transfer_labels_knn(cloud.xyz, cloud.labels, far, k=1)
    nearest = cKDTree(cloud.xyz).query(far)[1]
    np.testing.assert_array_equal(out, cloud.labels[nearest])


@pytest.mark.parametrize(
    ("scan", "voxel", "k", "weights"),
    [
        ("brighton_small", 0.205, 3, "uniform"),
        ("test55", 0.0042, 3, "uniform"),
        ("test55", 0.0042, 5, "distance"),
    ],
)
def test_knn_equals_sklearn_on_real_scans_sampled_to_a_quarter(
    data_dir, scan: str, voxel: float, k: int, weights: str
) -> None:
    """The benchmark's case: a voxel-mean sample of about a quarter, labeled perfectly."""
    from core.io import read_cloud
    from core.labels_io import read_labels

    cloud = read_cloud(data_dir / f"{scan}.xyz")
    truth = read_labels(data_dir / f"{scan}.labels", len(cloud))
    result = downsample(cloud, "voxel-mean", voxel_size=voxel)
    assert 0.2 < len(result.sample) / len(cloud) < 0.3
    # Each sample point takes the label of its voxel's first point (any labeler will do).
    first = np.full(len(result.sample), -1)
    first[result.index_map[::-1]] = np.arange(len(cloud))[::-1]
    labels_sample = truth[first]
    ours = transfer_labels_knn(result.sample.xyz, labels_sample, cloud.xyz, k=k, weights=weights)
    model = KNeighborsClassifier(n_neighbors=k, weights=weights, algorithm="kd_tree")
    expected = model.fit(result.sample.xyz, labels_sample).predict(cloud.xyz)
    np.testing.assert_array_equal(ours, expected)
