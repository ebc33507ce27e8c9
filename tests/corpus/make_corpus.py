"""Hostile inputs for every reader and command, generated (no stored binaries).

``make_corpus(folder)`` writes one sub-folder per case, each holding a small valid base
(a cloud, a sample, its index map and labels, a job record) plus the hostile file, and
returns the cases: the command line to run, the name the error must mention, and the
window loader the file goes through (``"cloud"``, ``"labels"`` or None).

Run it alone to look at the files: ``python -m tests.corpus.make_corpus /tmp/corpus``.
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

N_BASE, N_SAMPLE = 60, 20


@dataclass
class Case:
    """One hostile input and how to feed it to the command line."""

    kind: str
    name: str
    argv: list[str]
    expect: str  # must appear in the error line (a file name or an option)
    loader: str | None = None  # "cloud" or "labels": also fed to the window
    target: Path | None = None
    folder: Path = field(default_factory=Path)
    line: int | None = None  # the line the error must name, when the file has lines


def base_xyz(n: int = N_BASE) -> np.ndarray:
    """(n, 6) float64 x,y,z,r,g,b of a small deterministic cloud."""
    k = np.arange(n, dtype=np.float64)
    xyz = np.column_stack([k % 5, (k // 5) % 4, k // 20]) * 0.5
    rgb = np.column_stack([k * 3 % 256, k * 7 % 256, k * 11 % 256])
    return np.column_stack([xyz, rgb])


def text_lines(rows: np.ndarray) -> bytes:
    return "".join(
        f"{x:.3f},{y:.3f},{z:.3f},{int(r)},{int(g)},{int(b)}\n" for x, y, z, r, g, b in rows
    ).encode()


def write_base(folder: Path) -> dict[str, Path]:
    """The valid files every case may use (they must stay unchanged too)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = base_xyz()
    paths = {k: folder / v for k, v in BASE_NAMES.items()}
    paths["cloud"].write_bytes(text_lines(rows))
    paths["sample"].write_bytes(text_lines(rows[:N_SAMPLE]))
    np.save(paths["map"], (np.arange(N_BASE) % N_SAMPLE).astype(np.int32))
    paths["sample_labels"].write_text("".join(f"{k % 3}\n" for k in range(N_SAMPLE)))
    return paths


BASE_NAMES = {
    "cloud": "base.xyz",
    "sample": "base_sample.xyz",
    "map": "base_map.npy",
    "sample_labels": "base_sample.labels",
}

Builder = Callable[[Path, dict[str, Path]], Case]
REGISTRY: list[tuple[str, str, Builder]] = []


def case(kind: str, name: str):
    def register(builder: Builder) -> Builder:
        REGISTRY.append((kind, name, builder))
        return builder

    return register


def info_case(kind: str, target: Path, data: bytes) -> Case:
    """Read `data` as the cloud file `target` with ``denselabel info``."""
    target.write_bytes(data)
    return Case(kind, "", ["info", str(target)], target.name, "cloud", target)


def labels_case(kind: str, target: Path, data: bytes, base: dict[str, Path]) -> Case:
    """Carry `data` (labels of the sample) back with ``upsample --method voxel``."""
    target.write_bytes(data)
    out = target.parent / "out_labels.npy"
    argv = ["upsample", str(base["cloud"]), "--labels", str(target), "--map", str(base["map"])]
    argv += ["--method", "voxel", "-o", str(out)]
    return Case(kind, "", argv, target.name, "labels", target)


def at_line(made: Case, line: int | None) -> Case:
    made.line = line
    return made


# ---- text clouds -------------------------------------------------------------------------

GOOD = text_lines(base_xyz(8))


def _text(name: str, filename: str, data: bytes, line: int | None = None) -> None:
    case("text", name)(lambda d, b: at_line(info_case("text", d / filename, data), line))


_text("empty", "empty.xyz", b"")
_text("blank lines only", "blank.xyz", b"\n  \n\t\n")
_text("NUL bytes", "binary.xyz", GOOD[:40] + b"\0\0\0\x01" + GOOD[40:], line=2)
_text("utf-16 with BOM", "utf16.xyz", "\ufeff1,2,3\n4,5,6\n".encode("utf-16-le"))
_text("utf-16 without BOM", "utf16nobom.txt", "1 2 3\n4 5 6\n7 8 9\n".encode("utf-16-le"))
_text("latin-1 bytes", "latin1.xyz", GOOD + "1,2,3é\n".encode("latin-1"), line=9)
_text("mixed delimiters", "mixed.csv", GOOD + b"1 2 3 4 5 6\n", line=9)
_text("a short line", "short.xyz", GOOD + b"1,2,3,4\n" + GOOD, line=9)
_text("NaN coordinate", "nan.xyz", GOOD + b"nan,1,2,3,4,5\n", line=9)
_text("infinite coordinate", "inf.xyz", GOOD + b"1,inf,2,3,4,5\n", line=9)
_text("a word", "word.xyz", GOOD + b"1,2,three,4,5,6\n", line=9)
_text("colour 300", "colour.xyz", GOOD + b"1,2,3,300,4,5\n", line=9)
_text("five values", "five.xyz", b"1 2 3 4 5\n" * 3, line=1)
_text("two values", "two.xyz", b"1 2\n" * 3, line=1)
_text("header only", "header.csv", b"x,y,z,r,g,b\n")
_text("prose", "prose.txt", b"hello there\nthis is not a cloud\n", line=2)
_text("label 1.5", "label.csv", b"x,y,z,label\n1,2,3,1.5\n")
_text("label 70000", "label_big.csv", b"x,y,z,label\n1,2,3,70000\n")
_text("huge number", "huge.xyz", b"1e999,2,3\n4,5,6\n", line=1)
_text("missing coordinates", "gap.csv", b"1,,3\n4,5,6\n", line=1)


# ---- PLY -----------------------------------------------------------------------------------


def ply_header(count: int | str, fmt: str = "binary_little_endian", props: str = "") -> bytes:
    props = props or "property float x\nproperty float y\nproperty float z\n"
    return f"ply\nformat {fmt} 1.0\nelement vertex {count}\n{props}end_header\n".encode()


XYZ_F4 = np.arange(30, dtype="<f4").tobytes()


def _ply(name: str, filename: str, data: bytes, line: int | None = None) -> None:
    case("ply", name)(lambda d, b: at_line(info_case("ply", d / filename, data), line))


_ply("not PLY", "notply.ply", b"hello world\n")
_ply("no end_header", "noend.ply", b"ply\nformat ascii 1.0\nelement vertex 1\n")
_ply("10^12 vertices claimed", "huge.ply", ply_header(10**12) + XYZ_F4)
_ply("10^9 ascii vertices claimed", "hugeascii.ply", ply_header(10**9, "ascii") + b"1 2 3\n")
_ply("truncated binary", "cut.ply", ply_header(100) + XYZ_F4)
_ply("bad ascii token", "badtoken.ply", ply_header(3, "ascii") + b"1 2 3\n1 x 3\n1 2 3\n", line=9)
_ply("short ascii line", "shortline.ply", ply_header(3, "ascii") + b"1 2 3\n1 2\n1 2 3\n", line=9)
_ply("unknown type", "type.ply", ply_header(1, props="property float128 x\n") + XYZ_F4, line=4)
_ply("unknown format", "format.ply", ply_header(1, "binary_middle_endian") + XYZ_F4, line=2)
_ply(
    "no vertex element",
    "novertex.ply",
    b"ply\nformat ascii 1.0\nelement face 1\nproperty float a\nend_header\n1\n",
)
_ply("no z", "noz.ply", ply_header(1, props="property float x\nproperty float y\n") + XYZ_F4)
_ply(
    "repeated property",
    "dup.ply",
    ply_header(1, props="property float x\nproperty float x\nproperty float z\n") + XYZ_F4,
    line=5,
)
_ply("negative count", "negative.ply", ply_header(-5) + XYZ_F4)
_ply("count not a number", "count.ply", ply_header("many") + XYZ_F4, line=3)
_ply("NaN coordinate", "nan.ply", ply_header(1) + np.array([np.nan, 1, 2], "<f4").tobytes())
_ply("property before element", "early.ply", b"ply\nformat ascii 1.0\nproperty float x\n", line=3)
_ply(
    "huge face list before vertices",
    "faces.ply",
    b"ply\nformat binary_little_endian 1.0\nelement face 1000000000000\n"
    b"property list uchar int vertex_indices\n" + ply_header(2)[30:] + XYZ_F4,
)
_ply(
    "label 2.5",
    "label.ply",
    ply_header(1, "ascii", "property float x\nproperty float y\nproperty float z\n"
               "property float label\n") + b"1 2 3 2.5\n",
)  # fmt: skip
_ply("empty file", "empty.ply", b"")


# ---- PCD -----------------------------------------------------------------------------------


def pcd_header(points: int | str, data: str = "binary", **over: str) -> bytes:
    keys = {"FIELDS": "x y z", "SIZE": "4 4 4", "TYPE": "F F F", "COUNT": "1 1 1"}
    keys |= over
    lines = ["VERSION 0.7", *(f"{k} {v}" for k, v in keys.items())]
    lines += [f"WIDTH {points}", "HEIGHT 1", f"POINTS {points}", f"DATA {data}"]
    return ("\n".join(lines) + "\n").encode()


def _pcd(name: str, filename: str, data: bytes, line: int | None = None) -> None:
    case("pcd", name)(lambda d, b: at_line(info_case("pcd", d / filename, data), line))


_pcd("no DATA line", "nodata.pcd", b"VERSION 0.7\nFIELDS x y z\n")
_pcd("unknown encoding", "enc.pcd", pcd_header(1, "zip") + XYZ_F4, line=9)
_pcd("10^12 points claimed", "huge.pcd", pcd_header(10**12) + XYZ_F4)
_pcd("10^9 ascii points claimed", "hugeascii.pcd", pcd_header(10**9, "ascii") + b"1 2 3\n")
_pcd("truncated binary", "cut.pcd", pcd_header(100) + XYZ_F4)
_pcd("bad ascii token", "badtoken.pcd", pcd_header(3, "ascii") + b"1 2 3\n1 x 3\n1 2 3\n", line=11)
_pcd("no x field", "nox.pcd", pcd_header(1, FIELDS="a y z") + XYZ_F4)
_pcd("SIZE shorter than FIELDS", "size.pcd", pcd_header(1, SIZE="4 4") + XYZ_F4, line=3)
_pcd("unknown TYPE", "type.pcd", pcd_header(1, TYPE="F F Q") + XYZ_F4, line=4)
_pcd("COUNT 3 on x", "count.pcd", pcd_header(1, COUNT="3 1 1") + XYZ_F4, line=5)
_pcd("SIZE 3", "size3.pcd", pcd_header(1, SIZE="3 4 4") + XYZ_F4, line=3)
_pcd("negative POINTS", "negative.pcd", pcd_header(-4) + XYZ_F4)
_pcd(
    "compressed size mismatch",
    "lzfsize.pcd",
    pcd_header(2, "binary_compressed") + struct.pack("<II", 4, 999) + b"abcd",
)
_pcd(
    "compressed claims 10^12 points",
    "lzfhuge.pcd",
    pcd_header(10**12, "binary_compressed") + struct.pack("<II", 4, 0) + b"abcd",
)
_pcd(
    "corrupt LZF",
    "lzfbad.pcd",
    pcd_header(2, "binary_compressed") + struct.pack("<II", 4, 24) + b"\xff\xff\xff\xff",
)
_pcd(
    "unknown keyword", "keyword.pcd", b"VERSION 0.7\nCOLOUR red\n" + pcd_header(1) + XYZ_F4, line=2
)


if __name__ == "__main__":
    from tests.corpus.corpus_more import make_corpus

    cases = make_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus"))
    kinds: dict[str, int] = {}
    for c in cases:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    print(json.dumps(kinds, indent=1), len(cases))
