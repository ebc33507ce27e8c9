"""LAS/LAZ on the real scans, and our writer's round trips."""

from __future__ import annotations

from pathlib import Path

import laspy
import numpy as np
import pytest

from core.cloud import UNLABELED, PointCloud
from core.errors import Cancelled, InputError
from core.io import peek_point_count, read_cloud, write_cloud
from core.labels_io import read_labels


def test_brighton_laz_matches_the_text_export(data_dir: Path) -> None:
    laz = read_cloud(data_dir / "brighton_small.laz")
    text = read_cloud(data_dir / "brighton_small.xyz")
    assert len(laz) == len(text) == 401286
    np.testing.assert_allclose(laz.xyz + laz.offset, text.xyz + text.offset, atol=0.01)
    # 8-bit colour stored in the 16-bit fields is kept as is, not divided by 256.
    np.testing.assert_array_equal(laz.rgb, text.rgb)
    np.testing.assert_array_equal(laz.labels, read_labels(data_dir / "brighton_small.labels"))


def test_autzen_is_recentred_with_rgb_and_classes(data_dir: Path) -> None:
    cloud = read_cloud(data_dir / "autzen_trim.las")
    assert len(cloud) == 110000 == peek_point_count(data_dir / "autzen_trim.las")
    assert cloud.rgb is not None and cloud.rgb.dtype == np.uint8
    assert set(np.unique(cloud.labels).tolist()) == {1, 2}
    np.testing.assert_array_equal(cloud.offset, [636001, 848935, 406])
    assert np.abs(cloud.xyz).max() < 2000  # float32-safe after recentring
    raw = laspy.read(data_dir / "autzen_trim.las")
    np.testing.assert_allclose(cloud.xyz[:, 0] + cloud.offset[0], raw.x, rtol=0, atol=1e-9)


def test_lone_star_has_intensity_and_no_colour(data_dir: Path) -> None:
    seen: list[float] = []
    cloud = read_cloud(data_dir / "lone-star.laz", progress=lambda f, _m: seen.append(f))
    assert len(cloud) == 518862
    assert cloud.rgb is None and cloud.labels is None  # every classification is 0
    assert cloud.intensity is not None and cloud.intensity.max() > 0
    assert seen[-1] == 1.0


def test_cancel(data_dir: Path) -> None:
    with pytest.raises(Cancelled):
        read_cloud(data_dir / "lone-star.laz", cancel=lambda: True)


@pytest.mark.parametrize("suffix", [".las", ".laz"])
def test_round_trip_georeferenced(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(4)
    n = 3000
    cloud = PointCloud(
        xyz=rng.uniform(0, 800, (n, 3)),
        rgb=rng.integers(0, 256, (n, 3)),
        intensity=rng.integers(0, 4000, n),
        offset=np.array([515000.0, 4918000.0, 2300.0]),
    )
    labels = rng.integers(0, 20, n).astype(np.uint8)
    labels[:50] = UNLABELED
    write_cloud(cloud, tmp_path / f"out{suffix}", labels=labels)
    back = read_cloud(tmp_path / f"out{suffix}")
    np.testing.assert_allclose(back.xyz + back.offset, cloud.xyz + cloud.offset, rtol=0, atol=6e-5)
    np.testing.assert_array_equal(back.rgb, cloud.rgb)
    np.testing.assert_array_equal(back.labels, labels)
    np.testing.assert_array_equal(back.intensity, cloud.intensity)
    raw = laspy.read(tmp_path / f"out{suffix}")
    assert raw.red.max() > 255  # 8-bit colour scaled to 16-bit for other tools


def test_round_trip_without_colour(tmp_path: Path, data_dir: Path) -> None:
    cloud = read_cloud(data_dir / "lone-star.laz").subset(np.arange(0, 518862, 50))
    write_cloud(cloud, tmp_path / "out.laz")
    back = read_cloud(tmp_path / "out.laz")
    assert back.rgb is None
    np.testing.assert_allclose(back.xyz + back.offset, cloud.xyz + cloud.offset, atol=6e-6)


def test_labels_above_255_are_refused(tmp_path: Path) -> None:
    cloud = PointCloud(xyz=np.zeros((2, 3)))
    with pytest.raises(InputError, match="0-255"):
        write_cloud(cloud, tmp_path / "out.las", labels=np.array([1, 300], np.uint16))
