"""Real scans as several Ground Truth frames: lone-star.laz (518,862 points, a terrestrial
scan, intensity only, georeferenced) is over AWS's 500,000 points, so `gt export` makes
frames by default. No AWS call: the frames on disk are checked against the scan."""

from __future__ import annotations

import numpy as np

from core.cli import main
from core.groundtruth.multiframe import load_frames
from core.groundtruth.record import load_record
from core.io import read_cloud


def test_a_scan_over_the_limit_goes_as_frames_that_keep_millimetres(data_dir, tmp_path, capsys):
    scan = data_dir / "lone-star.laz"
    out = tmp_path / "gt"
    out.mkdir()
    code = main(["gt", "export", str(scan), "-o", str(out), "--class", "ground", "--class", "tree"])
    printed, said = capsys.readouterr()
    assert code == 0, said
    rec = load_record(printed.strip())
    cloud = read_cloud(scan)
    assert rec.n_points == len(cloud) == 518_862
    assert rec.n_frames >= 2 and max(rec.frame_point_counts()) <= 500_000
    assert f"518,862 sample points in {rec.n_frames} frames" in said

    frames, owner = load_frames(rec)
    assert cloud.intensity is not None and cloud.rgb is None
    inten = cloud.intensity.astype(np.float64)
    grey = (inten - inten.min()) / (inten.max() - inten.min()) * 255.0  # over the whole scan
    covered = np.zeros(len(cloud), bool)
    for name, frame in zip(rec.frame_files(), frames, strict=True):
        values = np.fromfile(out / name, "<f4").reshape(-1, 6)
        assert len(values) == len(frame.rows)
        # Georeferenced coordinates come back to the millimetre through the record's offset.
        restored = values[:, :3].astype(np.float64) + np.asarray(rec.offset)
        np.testing.assert_allclose(restored, cloud.xyz[frame.rows] + cloud.offset, atol=1e-3)
        # Intensity as grey on one scale, so neighbouring frames look alike.
        np.testing.assert_allclose(values[:, 3], grey[frame.rows], atol=0.01)
        covered[frame.rows] = True
    assert covered.all()
    # Every point's labels will come from a frame that shows it.
    for number, frame in enumerate(frames):
        assert np.isin(np.flatnonzero(owner == number), frame.rows).all()
