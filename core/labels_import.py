"""Labels for the downsampled cloud, and their class list, from the files a user may hold.

A labeling step can end in many files: Ground Truth's output manifest and its zlib label
file, a npy or one-label-per-line text, or a labeled PLY/LAS/text of the small cloud written
by another tool. `read_sample_labels` takes any of them and checks the length against the
sample before anything changes; `read_class_list` takes a Ground Truth colour map, a label
category configuration, a job record or a classes file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.classes import LabelClass, default_color, read_classes
from core.cloud import UNLABELED, PointCloud, in_frame_of
from core.errors import InputError

#: Extensions `read_sample_labels` accepts, for file dialogs.
LABEL_EXTENSIONS: tuple[str, ...] = (
    ".zlib",
    ".manifest",
    ".jsonl",
    ".npy",
    ".labels",
    ".txt",
    ".csv",
)
LABEL_EXTENSIONS += (".xyz", ".ply", ".las", ".laz")
#: Extensions `read_class_list` accepts.
CLASS_LIST_EXTENSIONS = (".json", ".txt", ".manifest", ".jsonl")

_CLOUD_EXTENSIONS = (".ply", ".las", ".laz", ".xyz", ".pts", ".pcd")
_TEXT_EXTENSIONS = (".txt", ".csv", ".labels")


@dataclass
class ImportedLabels:
    """Labels read for the sample.

    Attributes
    ----------
    labels : (N,) uint8 or uint16
        One class id per sample point; 255 means unlabeled.
    classes : list of LabelClass or None
        The classes that came with the file (a Ground Truth colour map), else None.
    source : str
        The file the labels came from.
    """

    labels: np.ndarray
    classes: list[LabelClass] | None
    source: str


def labels_file_filter() -> str:
    """A Qt file-dialog filter for label files."""
    patterns = " ".join(f"*{ext}" for ext in LABEL_EXTENSIONS)
    return f"Label files ({patterns});;All files (*)"


def read_sample_labels(
    path: str | Path, n_expected: int, *, classes: list[LabelClass] | None = None
) -> ImportedLabels:
    """Read labels for a sample of `n_expected` points from any supported file.

    Parameters
    ----------
    path : str or Path
        A Ground Truth output manifest (.manifest/.jsonl) or zlib label file, a .npy of
        labels (N,) or of a labeled cloud (N, 7), text with one label a line, or a labeled
        cloud (.ply label property, .las/.laz classification, text x,y,z,r,g,b,label).
    n_expected : int
        Points in the sample; a file of another length is refused.
    classes : list of LabelClass, optional
        The class list in use. A Ground Truth colour map whose names all match it is
        mapped onto its ids (by name); otherwise the colour map's indices become the ids.

    Raises
    ------
    InputError
        Unreadable file, no labels in it, or a length other than `n_expected`.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("the label file does not exist; choose another file.", path)
    suffix = path.suffix.lower()
    found = None
    if suffix in (".manifest", ".jsonl"):
        labels, found = _labels_from_output_manifest(path, n_expected, classes or [])
    elif is_cloud_file(path):
        labels = _labels_from_cloud(path)
    else:
        from core.labels_io import read_labels

        labels = read_labels(path, n_expected=n_expected)
    _check_length(labels, n_expected, path)
    return ImportedLabels(labels=labels, classes=found, source=str(path))


def _check_length(labels: np.ndarray, n_expected: int, path: Path) -> None:
    if len(labels) != n_expected:
        raise InputError(
            f"the file has {len(labels):,} labels but the downsampled cloud has "
            f"{n_expected:,} points; choose the labels made for this sample.",
            path,
        )


def is_cloud_file(path: str | Path) -> bool:
    """True if `path` holds a point cloud rather than a plain list of labels.

    Cloud extensions (.ply .las .laz .xyz .pts .pcd) always are; a .npy of shape (N, >=3)
    and text (.txt .csv .labels) whose first data line has 3 or more values are sniffed
    as clouds, since a labels file holds one value a line. A cloud of only x,y,z then
    reads as "carries no labels", which tells the user more than "not a label".
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _CLOUD_EXTENSIONS:
        return True
    if suffix == ".npy":
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError):
            return False  # let read_labels explain what is wrong with it
        return array.ndim == 2 and array.shape[1] >= 3
    if suffix in _TEXT_EXTENSIONS:
        return len(_first_data_line(path).replace(",", " ").split()) >= 3
    return False


def _first_data_line(path: Path) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.strip() and not line.lstrip().startswith("#"):
                    return line
    except OSError:
        pass
    return ""


def _labels_from_cloud(path: Path) -> np.ndarray:
    from core.io import read_cloud

    cloud = read_cloud(path)
    if cloud.labels is None:
        raise InputError(
            "the point cloud has no labels (no label property or classification); "
            "choose a labeled file.",
            path,
        )
    return cloud.labels


def _labels_from_output_manifest(
    path: Path, n_expected: int, known: list[LabelClass]
) -> tuple[np.ndarray, list[LabelClass]]:
    from core.groundtruth.output import decode_label_bytes, gt_to_class_ids

    ref, color_map = _manifest_reference(path)
    label_file = _local_label_file(path, ref)
    gt_index = decode_label_bytes(label_file.read_bytes(), color_map, n_expected, path=label_file)
    if known and color_map:
        labels, unmatched = gt_to_class_ids(gt_index, color_map, known)
        if not unmatched:
            return labels, list(known)
    return gt_index, classes_from_color_map(color_map)


def _manifest_reference(path: Path) -> tuple[str, dict[str, Any]]:
    """(label file URI, colour map) of the output manifest's one frame."""
    from core.groundtruth.output import label_reference, parse_manifest

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the manifest as UTF-8 text ({exc}); give the output manifest Ground "
            "Truth wrote.",
            path,
        ) from exc
    lines = parse_manifest(text, str(path))
    if len(lines) != 1:
        # A job of several frames needs the frames' rows kept beside its record to put
        # the labels back in sample order; the manifest alone does not say where they go.
        raise InputError(
            f"the output manifest holds {len(lines)} frames; fetch them with the job's record "
            "(Ground Truth panel: Open job record, then Fetch labels; or 'denselabel gt fetch "
            "NAME.gt.json'), which stitches the frames into sample order.",
            path,
        )
    ref, color_map = label_reference(lines[0], None, path)
    return ref, color_map or {}


def _local_label_file(manifest: Path, ref: str) -> Path:
    """Find the zlib file the manifest points at, downloaded beside the manifest."""
    name = ref.rstrip("/").rsplit("/", 1)[-1]
    direct = Path(ref) if not ref.startswith("s3://") else None
    candidates = [p for p in (direct, manifest.parent / name) if p is not None]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    found = sorted(manifest.parent.rglob(name))
    if found:
        return found[0]
    raise InputError(
        f"the manifest points to {ref}; download {name} next to the manifest, "
        "or open the .zlib label file directly.",
        manifest,
    )


def classes_from_color_map(color_map: dict[str, Any]) -> list[LabelClass]:
    """Classes from a Ground Truth ``color-map`` ({"0": {"class-name", "hex-color"}}).

    The keys are the label indices stored per point, so they become the class ids.
    """
    classes = []
    # Non-numeric keys cannot be stored per point, so they cannot be a class.
    by_id = {int(k): v for k, v in color_map.items() if str(k).isdigit()}
    for i, key in enumerate(sorted(by_id)):
        entry = by_id[key] or {}
        name = str(entry.get("class-name") or f"class {key}")
        color = _hex_to_rgb(entry.get("hex-color")) or default_color(i)
        classes.append(LabelClass(key, name, color))
    return _distinct_colors(classes)


def classes_from_label_config(config: dict[str, Any]) -> list[LabelClass]:
    """Classes from a label category configuration ({"labels": [{"label": name}]}).

    Ground Truth stores the position in that list per point, so ids count from 0.
    """
    labels = config.get("labels")
    if not isinstance(labels, list) or not all(isinstance(item, dict) for item in labels):
        raise InputError(
            'must be a list of {"label": NAME} entries; fix the label config.', field="labels"
        )
    names = [str(item.get("label", f"class {i}")) for i, item in enumerate(labels)]
    return [LabelClass(i, name, default_color(i)) for i, name in enumerate(names)]


def read_class_list(path: str | Path) -> list[LabelClass]:
    """Read a class list from a colour map, label config, job record, manifest or classes file.

    Raises
    ------
    InputError
        The file holds none of these.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".manifest", ".jsonl"):
        return classes_from_color_map(_manifest_reference(path)[1])
    if suffix != ".json":
        return read_classes(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"cannot read the class list as JSON ({exc}); fix the file or choose another.", path
        ) from exc
    return _classes_from_json_object(data, path)


def _classes_from_json_object(data: Any, path: Path) -> list[LabelClass]:
    if isinstance(data, list):
        return read_classes(path)
    if isinstance(data, dict):
        if isinstance(data.get("labels"), list):
            try:
                return classes_from_label_config(data)
            except InputError as exc:
                raise InputError(exc.message, path, field="labels") from exc
        if isinstance(data.get("color-map"), dict):
            from core.groundtruth.output import check_color_map

            return classes_from_color_map(check_color_map(data["color-map"], path) or {})
        if isinstance(data.get("classes"), list):
            return [_class_from_dict(d, i, path) for i, d in enumerate(data["classes"])]
        if data and all(str(k).isdigit() and isinstance(v, dict) for k, v in data.items()):
            return classes_from_color_map(data)
    raise InputError(
        "no class list found: expected a colour map, a label category configuration "
        "(with 'labels'), a job record (with 'classes') or a list of id/name/color; "
        "choose one of those files.",
        path,
    )


def _class_from_dict(item: Any, index: int, path: Path) -> LabelClass:
    try:
        color = item.get("color") or default_color(index)
        return LabelClass(int(item["id"]), str(item["name"]), _rgb(color))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"class {index + 1} needs a whole-number id and a name ({exc}); fix the class.", path
        ) from exc


def _rgb(color: Any) -> tuple[int, int, int]:
    if isinstance(color, str):
        return _hex_to_rgb(color) or (128, 128, 128)
    r, g, b = (int(c) for c in color)
    return (r, g, b)


def _hex_to_rgb(value: Any) -> tuple[int, int, int] | None:
    if not isinstance(value, str):
        return None
    text = value.strip().lstrip("#")
    if len(text) != 6:
        return None
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        return None


def _distinct_colors(classes: list[LabelClass]) -> list[LabelClass]:
    """Replace repeated colours by palette colours, so every class can be told apart."""
    seen: set[tuple[int, int, int]] = set()
    out = []
    for i, item in enumerate(classes):
        color = item.color
        if color in seen:
            color = default_color(i)
        seen.add(color)
        out.append(LabelClass(item.id, item.name, color))
    return out


def read_known_labels(
    path: str | Path, full: PointCloud, *, tolerance: float = 0.01
) -> tuple[np.ndarray, int]:
    """Known labels for scoring: one per full point, or a labeled cloud of a part (a tile).

    A labeled cloud of another length is matched to the full cloud point by point on its
    coordinates (the nearest full point within `tolerance` metres); every full point it
    does not cover stays UNLABELED, so only the part is scored.

    Returns
    -------
    labels : (N,) uint8 or uint16
    n_known : int
        Full points that got a known label.
    """
    path = Path(path)
    if not is_cloud_file(path):
        labels = read_sample_labels(path, len(full)).labels
        return labels, int(np.count_nonzero(labels != UNLABELED))
    from core.io import read_cloud

    part = in_frame_of(read_cloud(path), full)
    if part.labels is None:
        raise InputError("the point cloud has no labels; choose a labeled file.", path)
    part_xyz = part.xyz
    if len(part) == len(full) and np.allclose(part_xyz, full.xyz, atol=tolerance):
        return part.labels, int(np.count_nonzero(part.labels != UNLABELED))
    from scipy.spatial import cKDTree

    lo, hi = part_xyz.min(axis=0) - tolerance, part_xyz.max(axis=0) + tolerance
    # Only full points inside the part's box can match: keeps the query small for a tile.
    rows = np.flatnonzero(np.all((full.xyz >= lo) & (full.xyz <= hi), axis=1))
    distance, nearest = cKDTree(part_xyz).query(full.xyz[rows], distance_upper_bound=tolerance)
    hit = np.isfinite(distance)
    if not hit.any():
        raise InputError(
            f"no point of the file lies on the cloud (within {tolerance * 1000:.0f} mm); "
            "choose labels of a part of this cloud.",
            path,
        )
    labels = np.full(len(full), UNLABELED, dtype=part.labels.dtype)
    labels[rows[hit]] = part.labels[nearest[hit]]
    return labels, int(np.count_nonzero(labels != UNLABELED))
