"""The rest of the hostile corpus: LAS/LAZ, npy, labels, Ground Truth files, arguments."""

from __future__ import annotations

import io
import json
import os
import zlib
from pathlib import Path

import numpy as np

from tests.corpus import corpus_files  # noqa: F401  (registers the remaining kinds)
from tests.corpus.make_corpus import (
    N_BASE,
    N_SAMPLE,
    REGISTRY,
    Case,
    base_xyz,
    case,
    info_case,
    labels_case,
    text_lines,
    write_base,
)

# ---- LAS / LAZ -----------------------------------------------------------------------------


def las_bytes(n: int = 30, laz: bool = False) -> bytes:
    import laspy

    header = laspy.LasHeader(point_format=2, version="1.2")
    header.scales = np.array([0.01, 0.01, 0.01])
    points = laspy.ScaleAwarePointRecord.zeros(n, header=header)
    rows = base_xyz(n)
    points.x, points.y, points.z = rows[:, 0], rows[:, 1], rows[:, 2]
    buffer = io.BytesIO()
    with laspy.open(buffer, mode="w", header=header, do_compress=laz, closefd=False) as writer:
        writer.write_points(points)
    return buffer.getvalue()


def patched(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


def _las(name: str, filename: str, make) -> None:
    case("las", name)(lambda d, b: info_case("las", d / filename, make()))


NAN3 = np.array([np.nan] * 3, "<f8").tobytes()
_las("not LAS", "random.las", lambda: os.urandom(400))
_las("cut header", "cuthead.las", lambda: las_bytes()[:100])
_las("10^9 points claimed", "huge.las", lambda: patched(las_bytes(), 107, b"\x00\xca\x9a\x3b"))
_las("scale NaN", "nanscale.las", lambda: patched(las_bytes(), 131, NAN3))
_las("scale 0", "zeroscale.las", lambda: patched(las_bytes(), 131, bytes(24)))
_las("offset infinite", "infoffset.las", lambda: patched(las_bytes(), 155, b"\0" * 6 + b"\xf0\x7f"))
_las("truncated points", "cut.las", lambda: las_bytes()[:-200])
_las("point data past the end", "offset.las", lambda: patched(las_bytes(), 96, b"\xff\xff\x00\x00"))
_las("truncated LAZ", "cut.laz", lambda: las_bytes(400, laz=True)[:-300])
_las(
    "corrupt LAZ chunk",
    "corrupt.laz",
    lambda: (lambda b: b[:-120] + bytes(x ^ 0x5A for x in b[-120:-60]) + b[-60:])(
        las_bytes(400, laz=True)
    ),
)


def laz_with_bad_chunk_table() -> bytes:
    """A LAZ whose compressed chunk table decodes to an impossible size (lazrs panics)."""
    import struct

    data = bytearray(las_bytes(3000, laz=True))
    start = struct.unpack_from("<I", data, 96)[0]  # offset to the point data
    table = struct.unpack_from("<q", data, start)[0]
    data[table + 9] ^= 0xFF
    return bytes(data)


_las("corrupt LAZ chunk table (a Rust panic)", "table.laz", laz_with_bad_chunk_table)


# ---- npy clouds ------------------------------------------------------------------------------


def npy_bytes(array, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _npy(name: str, filename: str, make) -> None:
    case("npy", name)(lambda d, b: info_case("npy", d / filename, make()))


_npy("pickled objects", "pickled.npy", lambda: npy_bytes(np.array([{"x": 1}] * 3), True))
_npy("text named .npy", "text.npy", lambda: b"1,2,3\n4,5,6\n")
_npy("5 columns", "five.npy", lambda: npy_bytes(np.zeros((4, 5))))
_npy("1-D", "flat.npy", lambda: npy_bytes(np.zeros(9)))
_npy("NaN coordinate", "nan.npy", lambda: npy_bytes(np.array([[np.nan, 0, 0], [1, 2, 3]])))
_npy("truncated data", "cut.npy", lambda: npy_bytes(np.zeros((1000, 3)))[:500])
_npy(
    "header claims 10^12 rows",
    "huge.npy",
    lambda: npy_bytes(np.zeros((1, 3))).replace(b"(1, 3)", b"(1000000000000, 3)"),
)  # noqa: E501
_npy("structured dtype", "struct.npy", lambda: npy_bytes(np.zeros(3, "f4,f4,f4")))
_npy("colour 300", "colour.npy", lambda: npy_bytes(np.array([[0, 0, 0, 300.0, 1, 1]])))
_npy("no rows", "empty.npy", lambda: npy_bytes(np.zeros((0, 3))))


# ---- label files -----------------------------------------------------------------------------

LABELS = "".join(f"{k % 3}\n" for k in range(N_SAMPLE))


def _labels(name: str, filename: str, make, line: int | None = None) -> None:
    def build(d: Path, b: dict[str, Path]) -> Case:
        made = labels_case("labels", d / filename, make(), b)
        made.line = line
        return made

    case("labels", name)(build)


_labels("two numbers on a line", "two.labels", lambda: ("1 2\n" + LABELS[4:]).encode(), line=1)
_labels("a word", "word.labels", lambda: (LABELS[:6] + "wall\n" + LABELS[8:]).encode(), line=4)
_labels("negative", "neg.labels", lambda: ("-1\n" + LABELS[2:]).encode(), line=1)
_labels("70000", "big.labels", lambda: ("70000\n" + LABELS[2:]).encode(), line=1)
_labels("one too many", "more.labels", lambda: (LABELS + "1\n").encode())
_labels("empty", "empty.labels", lambda: b"")
_labels(
    "NUL bytes", "nul.labels", lambda: LABELS.encode()[:10] + b"\0" + LABELS.encode()[11:], line=6
)
_labels("utf-16", "utf16.labels", lambda: LABELS.encode("utf-16"))
_labels("float 1.5 in npy", "float.npy", lambda: npy_bytes(np.full(N_SAMPLE, 1.5)))
_labels("pickled npy", "pickled.npy", lambda: npy_bytes(np.array([None] * N_SAMPLE), True))
_labels("2 columns npy", "cols.npy", lambda: npy_bytes(np.zeros((N_SAMPLE, 2), np.int32)))
_labels("text named .npy", "textlabels.npy", lambda: LABELS.encode())
_labels("zlib: not zlib", "notzlib.zlib", lambda: b"plain bytes, not compressed")
_labels("zlib: truncated", "cut.zlib", lambda: zlib.compress(bytes(N_SAMPLE * 50))[:-6])
_labels("zlib: wrong count", "count.zlib", lambda: zlib.compress(bytes(N_SAMPLE + 3)))
_labels("zlib: a bomb", "bomb.zlib", lambda: zlib.compress(bytes(200_000_000), 9))


# ---- output manifests ------------------------------------------------------------------------


def manifest(line: object, zlib_ok: bool = True) -> bytes:
    text = line if isinstance(line, str) else json.dumps(line)
    return (text + "\n").encode()


def good_line(**meta) -> dict:
    metadata = {"color-map": {"0": {"class-name": "floor"}, "1": {"class-name": "wall"}}} | meta
    return {
        "source-ref": "s3://b/frame.bin",
        "job-ref": "labels.zlib",
        "job-ref-metadata": metadata,
    }


def _manifest(name: str, make) -> None:
    def build(d: Path, b: dict[str, Path]) -> Case:
        (d / "labels.zlib").write_bytes(zlib.compress(bytes(N_SAMPLE)))
        return labels_case("manifest", d / "output.manifest", make(), b)

    case("manifest", name)(build)


_manifest("not JSON", lambda: b"{not json\n")
_manifest("a JSON list", lambda: manifest([1, 2]))
_manifest("color-map is a list", lambda: manifest(good_line(**{"color-map": ["floor", "wall"]})))
_manifest(
    "metadata is a string",
    lambda: manifest({"source-ref": "s3://b/f", "job-ref": "labels.zlib", "job-ref-metadata": "x"}),
)
_manifest("two frames", lambda: manifest(good_line()) * 2)
_manifest("no label attribute", lambda: manifest({"source-ref": "s3://b/f"}))
_manifest(
    "label reference a number",
    lambda: manifest({"source-ref": "s3://b/f", "job-ref": 7, "job-ref-metadata": {}}),
)
_manifest("label file missing", lambda: manifest(good_line() | {"job-ref": "s3://b/gone.zlib"}))
_manifest(
    "failed frame",
    lambda: manifest({"source-ref": "s3://b/f", "job-metadata": {"failure-reason": "Timeout"}}),
)
_manifest("color-map entry a string", lambda: manifest(good_line(**{"color-map": {"0": "floor"}})))
_manifest("empty", lambda: b"\n")


def make_corpus(folder: Path) -> list[Case]:
    """Write every case into its own sub-folder of `folder`; return the cases."""
    cases = []
    for number, (kind, name, build) in enumerate(REGISTRY):
        sub = Path(folder) / f"{number:03d}_{kind}"
        base = write_base(sub)
        made = build(sub, base)
        made.kind, made.name, made.folder = kind, name, sub
        cases.append(made)
    return cases


__all__ = ["N_BASE", "make_corpus", "text_lines"]
