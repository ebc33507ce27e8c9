"""Hostile index maps, Ground Truth job records, label configs, class lists and arguments."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

from tests.corpus.make_corpus import N_BASE, N_SAMPLE, Case, case


def npy_bytes(array, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


# ---- index maps --------------------------------------------------------------------------------


def map_case(target: Path, data: bytes, base: dict[str, Path], sample: bool = False) -> Case:
    target.write_bytes(data)
    argv = ["upsample", str(base["cloud"]), "--labels", str(base["sample_labels"])]
    argv += ["--map", str(target), "-o", str(target.parent / "out.npy")]
    argv += (
        ["--method", "knn", "--sample", str(base["sample"])] if sample else ["--method", "voxel"]
    )
    return Case("map", "", argv, target.name)


def _map(name: str, filename: str, make, sample: bool = False) -> None:
    case("map", name)(lambda d, b: map_case(d / filename, make(), b, sample))


GOOD_MAP = np.arange(N_BASE) % N_SAMPLE
_map("text named .npy", "text.npy", lambda: b"0\n1\n2\n")
_map("pickled objects", "pickled.npy", lambda: npy_bytes(np.array([None] * N_BASE), True))
_map("floats", "float.npy", lambda: npy_bytes(GOOD_MAP.astype(np.float64)))
_map("2-D", "square.npy", lambda: npy_bytes(GOOD_MAP.reshape(6, 10)))
_map("negative rows", "negative.npy", lambda: npy_bytes(GOOD_MAP - 3))
_map("wrong length", "short.npy", lambda: npy_bytes(GOOD_MAP[:-1]))
_map("rows past the sample", "past.npy", lambda: npy_bytes(GOOD_MAP + 5), sample=True)
_map("booleans", "bool.npy", lambda: npy_bytes(GOOD_MAP > 3))
_map("truncated", "cut.npy", lambda: npy_bytes(GOOD_MAP)[:-40])
_map("uint64 beyond int64", "u64.npy", lambda: npy_bytes(GOOD_MAP.astype(np.uint64) + 2**63))


@case("map", "record of another sample")
def _map_record(d: Path, b: dict[str, Path]) -> Case:
    made = map_case(d / "other.npy", npy_bytes(GOOD_MAP.astype(np.int32)), b, sample=True)
    record = {"sample_points": N_SAMPLE, "sample_xyz_sha256": "0" * 64, "full_points": N_BASE}
    (d / "other.json").write_text(json.dumps(record))
    return made


# ---- Ground Truth job records --------------------------------------------------------------------


def good_record() -> dict:
    return {
        "frame_path": "frame.bin", "frame_format": "binary/xyzrgb", "n_points": N_SAMPLE,
        "offset": [0.0, 0.0, 0.0], "origin": "centre",
        "classes": [{"id": 0, "name": "floor", "color": [10, 20, 30]}],
        "timestamp": 1.0, "created": "2026-01-01T00:00:00+00:00",
        "label_config_path": "frame.label_config.json", "job_name": "job-1",
        "region": "us-east-1", "bucket": "bucket", "input_prefix": "p/in",
        "output_prefix": "p/out", "label_attribute_name": "job-1-ref",
        "role_arn": "arn:aws:iam::123456789012:role/gt",
        "workteam_arn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t",
        "job_arn": "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/job-1",
        "version": 1,
    }  # fmt: skip


def record_case(d: Path, data: bytes | dict, command: str = "submit") -> Case:
    target = d / "frame.gt.json"
    target.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    if command == "submit":
        argv = ["gt", "submit", str(target), "--dry-run"]
    else:
        argv = ["gt", "status", str(target), "--region", "us-east-1"]
    return Case("record", "", argv, target.name)


def _record(name: str, change: dict | bytes, command: str = "submit") -> None:
    def build(d: Path, b: dict[str, Path]) -> Case:
        data = change if isinstance(change, bytes) else good_record() | change
        return record_case(d, data, command)

    case("record", name)(build)


_record("not JSON", b"{oops")
_record("a JSON list", b"[1, 2]")
_record("n_points a string", {"n_points": "twenty"})
_record("n_points negative", {"n_points": -3})
_record("offset of two numbers", {"offset": [1.0, 2.0]})
_record("offset NaN", {"offset": ["nan", 0, 0]})
_record("classes a dict", {"classes": {"0": "floor"}})
_record("class without a name", {"classes": [{"id": 0, "color": [1, 2, 3]}]})
_record("class colour a word", {"classes": [{"id": 0, "name": "a", "color": "red"}]})
_record("frame_path a number", {"frame_path": 7})
_record("timestamp a word", {"timestamp": "yesterday"})
_record("job_name a list", {"job_name": ["a"]}, "status")
_record("a newer version", {"version": 99})
_record("not UTF-8", b"\xff\xfe{}")


# ---- label configs and class lists --------------------------------------------------------------


def export_case(d: Path, b: dict[str, Path], option: str, filename: str, data: bytes) -> Case:
    target = d / filename
    target.write_bytes(data)
    argv = ["gt", "export", str(b["sample"]), "-o", str(d), option, str(target)]
    return Case("config", "", argv, target.name)


def _config(name: str, option: str, filename: str, data: object) -> None:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    case("config", name)(lambda d, b: export_case(d, b, option, filename, raw))


_config("config: not JSON", "--label-config", "config.json", b"{labels:")
_config("config: labels a string", "--label-config", "config.json", {"labels": "floor"})
_config("config: entry without label", "--label-config", "config.json", {"labels": [{"x": 1}]})
_config("config: no labels", "--label-config", "config.json", {"labels": []})
_config(
    "config: instructions a list",
    "--label-config",
    "config.json",
    {"labels": [{"label": "a"}], "instructions": ["x"]},
)
_config(
    "config: 40 labels",
    "--label-config",
    "config.json",
    {"labels": [{"label": f"c{i}"} for i in range(40)]},
)  # noqa: E501
_config("config: label a number", "--label-config", "config.json", {"labels": [{"label": 5}]})
_config("classes: bad JSON", "--classes", "classes.json", b"[{")
_config("classes: no id", "--classes", "classes.json", [{"name": "floor"}])
_config(
    "classes: colour of two", "--classes", "classes.json", [{"id": 0, "name": "a", "color": [1, 2]}]
)  # noqa: E501
_config("classes: text without ids", "--classes", "classes.txt", b"floor\nwall\n")


# ---- arguments and outputs ----------------------------------------------------------------------


def downsample(b: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return ["downsample", str(b["cloud"]), "-o", str(out), "--method", "voxel-mean", *extra]


def _argument(name: str, extra: list[str], expect: str) -> None:
    case("argument", name)(
        lambda d, b: Case("argument", "", downsample(b, d / "s.xyz", *extra), expect)
    )


_argument("rotate NaN", ["--voxel-size", "0.5", "--rotate", "nan", "0", "0"], "--rotate")
_argument("rotate infinite", ["--voxel-size", "0.5", "--rotate", "0", "inf", "0"], "--rotate")
_argument("rotate 1e999", ["--voxel-size", "0.5", "--rotate", "0", "0", "1e999"], "--rotate")
_argument("voxel size 1e-300", ["--voxel-size", "1e-300"], "--voxel-size")
_argument("voxel size subnormal", ["--voxel-size", "5e-324"], "--voxel-size")
_argument("seed negative", ["--voxel-size", "0.5", "--seed", "-1"], "--seed")


@case("argument", "empty output name")
def _empty_output(d: Path, b: dict[str, Path]) -> Case:
    argv = downsample(b, d / "s.xyz", "--voxel-size", "0.5")
    argv[argv.index("-o") + 1] = ""
    return Case("argument", "", argv, "empty file name")


@case("argument", "empty input name")
def _empty_input(d: Path, b: dict[str, Path]) -> Case:
    return Case("argument", "", ["info", ""], "name is empty")


@case("argument", "endpoint not a URL")
def _endpoint(d: Path, b: dict[str, Path]) -> Case:
    made = record_case(d, good_record(), "status")
    made.argv += ["--endpoint-url", "not a url"]
    made.expect = "--endpoint-url"
    return made


@case("argument", "endpoint ftp")
def _endpoint_ftp(d: Path, b: dict[str, Path]) -> Case:
    made = record_case(d, good_record(), "status")
    made.argv += ["--endpoint-url", "ftp://127.0.0.1:1/"]
    made.expect = "--endpoint-url"
    return made


@case("argument", "tile NaN")
def _tile(d: Path, b: dict[str, Path]) -> Case:
    argv = ["evaluate", str(b["cloud"]), str(b["cloud"]), "--tile", "0", "0", "0", "nan", "1", "1"]
    return Case("argument", "", argv, "--tile")


@case("output", "gt export map rows past the sample")
def _gt_map_past(d: Path, b: dict[str, Path]) -> Case:
    (d / "past.npy").write_bytes(npy_bytes((np.arange(N_BASE) % (N_SAMPLE + 4)).astype(np.int32)))
    argv = ["gt", "export", str(b["sample"]), "-o", str(d / "gt"), "--map", str(d / "past.npy")]
    os.mkdir(d / "gt")
    return Case("output", "", argv, "past.npy")


@case("output", "gt export into the folder of its input map")
def _gt_map_overwrite(d: Path, b: dict[str, Path]) -> Case:
    target = d / "frame.index_map.npy"
    target.write_bytes(npy_bytes((np.arange(N_BASE) % N_SAMPLE).astype(np.int64)))
    argv = ["gt", "export", str(b["sample"]), "-o", str(d), "--map", str(target)]
    return Case("output", "", argv, "frame.index_map.npy")


@case("output", "second output in a missing folder")
def _missing_folder(d: Path, b: dict[str, Path]) -> Case:
    extra = ["--voxel-size", "0.5", "--map", str(d / "nowhere" / "m.npy")]
    return Case("output", "", downsample(b, d / "s.xyz", *extra), "m.npy")


@case("output", "labels above 255 for a LAS cloud output")
def _las_labels(d: Path, b: dict[str, Path]) -> Case:
    (d / "wide.labels").write_text("300\n" * N_SAMPLE)
    argv = ["upsample", str(b["cloud"]), "--labels", str(d / "wide.labels"), "--map", str(b["map"])]
    argv += ["--method", "voxel", "-o", str(d / "out.npy"), "--cloud-output", str(d / "out.las")]
    return Case("output", "", argv, "out.las")


@case("output", "output is a symlink to the input")
def _symlink(d: Path, b: dict[str, Path]) -> Case:
    os.symlink(b["cloud"].name, d / "link.xyz")
    return Case("output", "", downsample(b, d / "link.xyz", "--voxel-size", "0.5"), "link.xyz")


@case("output", "output is a hard link to the input")
def _hardlink(d: Path, b: dict[str, Path]) -> Case:
    os.link(b["cloud"], d / "hard.xyz")
    return Case("output", "", downsample(b, d / "hard.xyz", "--voxel-size", "0.5"), "hard.xyz")


@case("output", "output is a folder")
def _folder(d: Path, b: dict[str, Path]) -> Case:
    os.mkdir(d / "taken.xyz")
    return Case("output", "", downsample(b, d / "taken.xyz", "--voxel-size", "0.5"), "taken.xyz")


@case("output", "labels output is the labels input by another path")
def _dotdot(d: Path, b: dict[str, Path]) -> Case:
    other = d.parent / d.name / ".." / d.name / b["sample_labels"].name
    argv = ["upsample", str(b["cloud"]), "--labels", str(b["sample_labels"])]
    argv += ["--map", str(b["map"]), "--method", "voxel", "-o", str(other)]
    return Case("output", "", argv, b["sample_labels"].name)


@case("output", "the map's record would replace someone's file")
def _record_taken(d: Path, b: dict[str, Path]) -> Case:
    (d / "m.json").write_text('{"my": "settings"}')
    extra = ["--voxel-size", "0.5", "--map", str(d / "m.npy")]
    return Case("output", "", downsample(b, d / "s.xyz", *extra), "m.json")


@case("output", "sample and map are one file")
def _same_outputs(d: Path, b: dict[str, Path]) -> Case:
    extra = ["--voxel-size", "0.5", "--map", str(d / "s.npy")]
    return Case("output", "", downsample(b, d / "s.npy", *extra), "s.npy")
