"""Ground Truth's output: the output manifest and the zlib label file, decoded to class ids.

The label file holds one uint8 class index a point, in the frame's point order. Indices
are mapped through the manifest line's ``color-map`` (not the label list's order); 255
and any index missing from the ``color-map`` mean unlabeled.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.classes import LabelClass
from core.cloud import UNLABELED
from core.errors import InputError


def decode_label_bytes(
    data: bytes,
    color_map: dict | None,
    n_expected: int | None,
    path: str | Path | None = None,
) -> np.ndarray:
    """Ground Truth class indices from the bytes of a consolidated ``.zlib`` label file.

    Parameters
    ----------
    data : bytes
        zlib-compressed, one uint8 index a point.
    color_map : dict or None
        The output line's ``color-map`` (``{"0": {"class-name": ...}}``); indices not in
        it become 255. None keeps every index (255 still means unlabeled).
    n_expected : int or None
        Points in the frame; a different count is an error.

    Returns
    -------
    (N,) uint8
        Ground Truth indices, 255 = unlabeled.
    """
    try:
        # Bounded: a small hostile file must not inflate to gigabytes before the count check.
        inflater = zlib.decompressobj()
        limit = max(2 * n_expected + 1, 1 << 24) if n_expected is not None else 0
        raw = inflater.decompress(data, limit)
        if not inflater.eof and (n_expected is None or len(raw) <= n_expected):
            raise zlib.error("incomplete or truncated stream")
    except zlib.error as exc:
        raise InputError(
            f"this is not a zlib-compressed Ground Truth label file ({exc}); give the .zlib "
            "file named in the output manifest.",
            path,
        ) from exc
    labels = np.frombuffer(raw, dtype=np.uint8).copy()
    if n_expected is not None and len(labels) != n_expected:
        count = f"{len(labels):,}" if inflater.eof else f"more than {len(labels) - 1:,}"
        raise InputError(
            f"the label file has {count} labels but the frame has {n_expected:,} "
            "points; fetch the labels of the job made from this frame.",
            path,
        )
    if color_map is not None:
        known = np.array(sorted(_indices(color_map)), dtype=np.int64)
        labels[~np.isin(labels, known)] = UNLABELED
    return labels


def check_color_map(color_map: Any, path: str | Path | None = None) -> dict | None:
    """The ``color-map`` if it has Ground Truth's shape ({"0": {"class-name": ...}}), else
    InputError naming the field."""
    if color_map is None:
        return None
    if not isinstance(color_map, dict) or not all(
        isinstance(v, dict | None) for v in color_map.values()
    ):
        raise InputError(
            'the color-map must map label indices to {"class-name": ...} objects; give the '
            "output manifest Ground Truth wrote.",
            path,
            field="color-map",
        )
    return color_map


def _indices(color_map: dict) -> set[int]:
    return {int(k) for k in color_map if str(k).isdigit() and int(k) != UNLABELED}


def gt_to_class_ids(
    gt_index: np.ndarray, color_map: dict | None, classes: list[LabelClass]
) -> tuple[np.ndarray, list[str]]:
    """The app's class ids for Ground Truth indices, matched by class name through `color_map`.

    Names are matched exactly, then ignoring case; without a ``color-map`` the i-th class
    of `classes` (the label config order) stands for index i.

    Returns
    -------
    labels : (N,) uint8, or uint16 when a class id exceeds 254
        255 = unlabeled.
    unmatched : list of str
        Names in the ``color-map`` that match no class (their points become unlabeled).
    """
    big = any(c.id > UNLABELED for c in classes)
    dtype = np.uint16 if big else np.uint8
    lut = np.full(256, UNLABELED, dtype=dtype)
    unmatched: list[str] = []
    if color_map is None:
        for i, c in enumerate(classes[:UNLABELED]):
            lut[i] = c.id
    else:
        exact = {c.name: c.id for c in classes}
        folded = {c.name.casefold(): c.id for c in classes}
        for key, entry in color_map.items():
            if not str(key).isdigit() or int(key) >= UNLABELED:
                continue
            name = str((entry or {}).get("class-name", ""))
            class_id = exact.get(name, folded.get(name.casefold()))
            if class_id is None:
                unmatched.append(name)
            else:
                lut[int(key)] = class_id
    return lut[np.asarray(gt_index, dtype=np.uint8)], unmatched


def parse_manifest(text: str, path: str | None = None) -> list[dict[str, Any]]:
    """The JSON objects of a JSON Lines manifest (blank lines skipped)."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise InputError(
                f"the manifest line is not JSON ({exc}); give the manifest Ground Truth wrote.",
                path,
                number,
            ) from exc
        if not isinstance(entry, dict):
            raise InputError(
                "the manifest line is not a JSON object; give the manifest Ground Truth wrote.",
                path,
                number,
            )
        lines.append(entry)
    return lines


def pick_line(lines: list[dict[str, Any]], frame_uri: str | None) -> dict[str, Any]:
    """The manifest line for our frame (by ``source-ref``; the only line if there is one)."""
    for entry in lines:
        if frame_uri is not None and entry.get("source-ref") == frame_uri:
            return entry
    if len(lines) == 1:
        return lines[0]
    raise InputError(
        f"the output manifest has no line for {frame_uri} among its {len(lines)} lines; check "
        "that the record belongs to this job."
    )


def label_reference(
    entry: dict[str, Any], attribute: str | None, path: str | Path | None = None
) -> tuple[str, dict | None]:
    """(URI of the label file, its ``color-map``) from one output manifest line.

    Every field is checked before use; a frame Ground Truth could not label gives its
    ``failure-reason``.
    """
    if not attribute or attribute not in entry:
        refs = [k for k in entry if k.endswith("-ref") and k != "source-ref"]
        failed = [
            k for k, v in entry.items()
            if k.endswith("-metadata") and isinstance(v, dict) and "failure-reason" in v
        ]  # fmt: skip
        if attribute and f"{attribute}-metadata" in entry or (not refs and failed):
            key = f"{attribute}-metadata" if attribute in entry or not failed else failed[0]
            metadata = entry.get(key)
            reason = metadata.get("failure-reason") if isinstance(metadata, dict) else None
            raise InputError(
                f"Ground Truth produced no labels for this frame ({reason or 'no reason given'}); "
                "check the job's worker results and submit a new job.",
                path,
            )
        if len(refs) != 1:
            named = f"the label attribute {attribute!r}" if attribute else "a label attribute"
            raise InputError(
                f"the output manifest line has no {named} (a '...-ref' field); check that the "
                "manifest belongs to this job.",
                path,
            )
        attribute = refs[0]
    reference = entry[attribute]
    if not isinstance(reference, str) or not reference:
        raise InputError(
            "the label file reference is not a path or s3:// address; give the output "
            "manifest Ground Truth wrote.",
            path,
            field=attribute,
        )
    metadata = entry.get(f"{attribute}-metadata") or {}
    if not isinstance(metadata, dict):
        raise InputError(
            "the metadata must be a JSON object; give the output manifest Ground Truth wrote.",
            path,
            field=f"{attribute}-metadata",
        )
    return reference, check_color_map(metadata.get("color-map"), path)


@dataclass
class FetchedLabels:
    """Labels fetched from a finished job.

    Attributes
    ----------
    labels_sample : (N,) uint8 or uint16
        The app's class ids per frame point (255 = unlabeled).
    gt_index : (N,) uint8
        Ground Truth's indices, after the ``color-map`` check.
    labels_full : (M,) or None
        Carried to every full-cloud point through the record's index map, when it has one.
    n_frames : int
        Frames of the job; with several, the labels above are stitched in sample order.
    missing_frames : list of int
        Frames (from 1) Ground Truth gave no labels: their tiles stay unlabeled.
    """

    labels_sample: np.ndarray
    gt_index: np.ndarray
    color_map: dict | None
    label_uri: str
    output_manifest_uri: str
    labels_full: np.ndarray | None = None
    unmatched: list[str] = field(default_factory=list)
    n_frames: int = 1
    missing_frames: list[int] = field(default_factory=list)
    frame_label_uris: list[str] = field(default_factory=list)

    @property
    def n_unlabeled(self) -> int:
        return int(np.count_nonzero(self.labels_sample == UNLABELED))
