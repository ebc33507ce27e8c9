"""Fuzzed files: truncated and byte-flipped copies of valid clouds, per format (seeded).

Each result is a cloud (finite coordinates, consistent lengths) or one InputError
sentence; never another exception, a hang (each read is time-boxed in a thread) or an
allocation far beyond the file's size (tracemalloc peak). bench/bench_fuzz.py runs many more.
"""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.io import read_cloud, write_cloud
from core.scene import make_scene

FORMATS = (".xyz", ".ply", ".pcd", ".las", ".laz", ".npy")
SECONDS_EACH = 20.0
#: Allowed peak Python allocation: the result of a cloud this size, and then some.
PEAK_BYTES_PER_FILE_BYTE = 64


def valid_file(folder: Path, suffix: str, n: int = 400) -> Path:
    cloud = make_scene(n, seed=3)
    path = folder / f"valid{suffix}"
    write_cloud(cloud, path, labels=cloud.labels)
    return path


def mutants(data: bytes, rng: np.random.Generator, count: int) -> list[bytes]:
    """Truncations at spread offsets, then copies with a few random bytes flipped."""
    cuts = sorted(set(rng.integers(0, len(data), count // 2).tolist()))
    out = [data[:cut] for cut in cuts]
    for _ in range(count - len(out)):
        raw = bytearray(data)
        for at in rng.integers(0, len(raw), int(rng.integers(1, 6))):
            raw[at] ^= 1 << int(rng.integers(0, 8))
        out.append(bytes(raw))
    return out


def read_boxed(path: Path) -> tuple[str, object, int]:
    """('cloud'|'error'|'crash'|'hang', value, peak bytes) of reading `path` in a thread."""
    result: list = []

    def work() -> None:
        tracemalloc.start()
        try:
            result.append(("cloud", read_cloud(path)))
        except InputError as exc:
            result.append(("error", exc))
        except BaseException as exc:  # noqa: BLE001  exactly what the test looks for
            result.append(("crash", exc))
        finally:
            result.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(SECONDS_EACH)
    if thread.is_alive() or len(result) < 2:
        return "hang", None, 0
    return result[0][0], result[0][1], result[1]


def check_outcome(path: Path, size: int) -> None:
    kind, value, peak = read_boxed(path)
    assert kind != "hang", f"{path.name}: no answer within {SECONDS_EACH} s"
    assert kind != "crash", f"{path.name}: {type(value).__name__}: {value}"
    assert peak <= PEAK_BYTES_PER_FILE_BYTE * size + (8 << 20), f"{path.name}: peak {peak:,} B"
    if kind == "error":
        text = str(value)
        assert "\n" not in text and text.startswith(path.name), text
        return
    cloud = value
    assert np.isfinite(cloud.xyz).all()
    assert cloud.rgb is None or len(cloud.rgb) == len(cloud)
    assert cloud.labels is None or len(cloud.labels) == len(cloud)


@pytest.mark.parametrize("suffix", FORMATS)
def test_fuzzed_files_read_as_a_cloud_or_one_sentence(tmp_path, suffix):
    source = valid_file(tmp_path, suffix)
    read_cloud(source)  # compiles the numba parsers first: that is not the file's cost
    rng = np.random.default_rng(sum(map(ord, suffix)))
    for k, data in enumerate(mutants(source.read_bytes(), rng, 24)):
        path = tmp_path / f"fuzz{k:03d}{suffix}"
        path.write_bytes(data)
        check_outcome(path, len(data))
        path.unlink()


def test_fuzzed_real_scans(tmp_path, data_dir):
    rng = np.random.default_rng(7)
    for name in ("autzen_trim.las", "brighton_small.laz"):
        head = (data_dir / name).read_bytes()
        for k, data in enumerate(mutants(head, rng, 6)):
            path = tmp_path / f"real{k}{Path(name).suffix}"
            path.write_bytes(data)
            check_outcome(path, len(data))
            path.unlink()


def _label_files(folder: Path) -> list[tuple[Path, object]]:
    """Valid label, map and Ground Truth files, each with the function that reads it."""
    import json
    import zlib

    from core.groundtruth.labelconfig import read_label_config
    from core.groundtruth.record import load_record
    from core.index_map import load_index_map
    from core.labels_import import read_sample_labels

    labels = np.arange(300) % 7
    files = {
        "labels.txt": ("".join(f"{v}\n" for v in labels)).encode(),
        "labels.zlib": zlib.compress(labels.astype(np.uint8).tobytes()),
        "out.manifest": json.dumps(
            {"source-ref": "s3://b/f", "j-ref": "labels.zlib",
             "j-ref-metadata": {"color-map": {"0": {"class-name": "a"}}}}
        ).encode() + b"\n",
        "frame.gt.json": json.dumps(
            {"frame_path": "f.bin", "frame_format": "binary/xyzrgb", "n_points": 300,
             "offset": [0, 0, 0], "origin": "centre", "timestamp": 1.0, "created": "x",
             "classes": [{"id": 0, "name": "a", "color": [1, 2, 3]}]}
        ).encode(),
        "config.json": json.dumps({"labels": [{"label": "a"}, {"label": "b"}]}).encode(),
    }  # fmt: skip
    np.save(folder / "map.npy", labels.astype(np.int32))
    readers = {
        "labels.txt": lambda p: read_sample_labels(p, 300),
        "labels.zlib": lambda p: read_sample_labels(p, 300),
        "out.manifest": lambda p: read_sample_labels(p, 300),
        "frame.gt.json": load_record,
        "config.json": read_label_config,
    }
    out: list[tuple[Path, object]] = [(folder / "map.npy", load_index_map)]
    for name, data in files.items():
        (folder / name).write_bytes(data)
        out.append((folder / name, readers[name]))
    return out


def test_fuzzed_label_map_and_ground_truth_files_read_or_give_one_sentence(tmp_path):
    rng = np.random.default_rng(11)
    for source, reader in _label_files(tmp_path):
        original = source.read_bytes()
        for data in mutants(original, rng, 30):
            source.write_bytes(data)
            try:
                reader(source)  # type: ignore[operator]
            except InputError as exc:
                assert "\n" not in str(exc) and "; " in str(exc), str(exc)
        source.write_bytes(original)
