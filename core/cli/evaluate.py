"""``denselabel evaluate PREDICTED TRUE``: accuracy, per-class IoU, mIoU and confusion matrix."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from core.cli.common import add_command, finite_float, read_cloud_step, require_file
from core.cli.console import Console
from core.cloud import UNLABELED, PointCloud
from core.errors import InputError


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "evaluate",
        "score predicted labels against known labels",
        "Compare PREDICTED with TRUE point by point: accuracy, IoU per class, mean IoU and "
        f"the confusion matrix. Points whose TRUE label is {UNLABELED} are not scored; a "
        f"predicted {UNLABELED} counts as wrong. Each of PREDICTED and TRUE is a labels file "
        "(.npy, or text with one integer a line) or a point cloud carrying labels (LAS "
        "classification, a PLY label property, a 7-column text file).",
    )
    parser.add_argument("predicted", metavar="PREDICTED", help="the labels to score")
    parser.add_argument("true", metavar="TRUE", help="the known labels")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--classes", metavar="CLASSES_FILE", help="class names (JSON or 'ID NAME' lines)"
    )
    parser.add_argument(
        "--tile",
        nargs=6,
        type=finite_float,
        metavar=("XMIN", "YMIN", "ZMIN", "XMAX", "YMAX", "ZMAX"),
        help="score only the points inside this box (the file's coordinates)",
    )
    parser.add_argument(
        "--cloud",
        metavar="FILE",
        help="point positions for --tile when neither PREDICTED nor TRUE is a point cloud",
    )
    parser.set_defaults(func=run)


def read_any_labels(
    console: Console, path: str, n_expected: int | None = None
) -> tuple[np.ndarray, PointCloud | None]:
    """Labels from a labels file, or those carried by a point cloud file (and the cloud)."""
    from core.labels_import import is_cloud_file
    from core.labels_io import read_labels

    path_obj = require_file(path, "labels file")
    if not is_cloud_file(path_obj):
        with console.step(f"reading {path_obj.name}"):
            return read_labels(path_obj, n_expected=n_expected), None
    cloud = read_cloud_step(console, path_obj)
    if cloud.labels is None:
        raise InputError(
            "this point cloud carries no labels (no classification or label field); "
            "give a labels file or a labeled cloud.",
            path_obj,
        )
    if n_expected is not None and len(cloud.labels) != n_expected:
        raise InputError(
            f"this cloud has {len(cloud.labels):,} points but {n_expected:,} labels were "
            "expected; compare labels of the same cloud.",
            path_obj,
        )
    return cloud.labels, cloud


def run(args: argparse.Namespace) -> int:
    from core.metrics import evaluate

    console: Console = args.console
    names = _class_names(args.classes, args.true)
    true, true_cloud = read_any_labels(console, args.true)
    predicted, predicted_cloud = read_any_labels(console, args.predicted, n_expected=len(true))
    mask = None
    if args.tile is not None:
        mask = _tile_mask(console, args, true_cloud or predicted_cloud, len(true))
    with console.step("scoring"):
        scores = evaluate(predicted, true, mask=mask)
    result = scores.to_dict()
    result["class_names"] = {str(c): names.get(c, f"class {c}") for c in scores.classes}
    if mask is not None:
        result["tile"] = {"min": args.tile[:3], "max": args.tile[3:]}
        result["points_in_tile"] = int(np.count_nonzero(mask))
        predicted, true = predicted[mask], true[mask]
    if args.json:
        print(json.dumps(result, indent=1, default=_json_default))
    else:
        if mask is not None:
            print(f"tile           {int(np.count_nonzero(mask)):,} points inside")
        print(format_scores(scores, names, _unlabeled_per_class(predicted, true, scores.classes)))
    return 0


def _tile_mask(console: Console, args, cloud: PointCloud | None, n_points: int) -> np.ndarray:
    """Points inside the --tile box, in file coordinates (the reader's offset added back)."""
    from core.metrics import crop_tile

    if args.cloud is not None:
        cloud = read_cloud_step(console, args.cloud)
    if cloud is None:
        raise InputError("--tile needs point positions; give --cloud FILE (the full cloud).")
    if len(cloud) != n_points:
        raise InputError(
            f"the cloud has {len(cloud):,} points but there are {n_points:,} labels; give "
            "the cloud these labels belong to.",
            cloud.source or args.cloud,
        )
    lo, hi = np.asarray(args.tile[:3]) - cloud.offset, np.asarray(args.tile[3:]) - cloud.offset
    mask = crop_tile(cloud.xyz, lo, hi)
    if not mask.any():
        raise InputError("no point lies inside the tile; check its corners with 'denselabel info'.")
    return mask


def _unlabeled_per_class(predicted: np.ndarray, true: np.ndarray, classes) -> list[int]:
    """For each class, how many of its true points were left unlabeled by the prediction."""
    missed = true[(predicted == UNLABELED) & (true != UNLABELED)]
    return [int(np.count_nonzero(missed == c)) for c in classes]


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _class_names(path: str | None, true_path: str) -> dict[int, str]:
    """Names from --classes, or from ``NAME.classes.txt|json`` beside TRUE if there is one."""
    from core.classes import read_classes

    if path is None:
        stem = Path(true_path).with_suffix("")
        found = [
            p for p in (Path(f"{stem}.classes.txt"), Path(f"{stem}.classes.json")) if p.is_file()
        ]
        if not found:
            return {}
        path = str(found[0])
    return {c.id: c.name for c in read_classes(require_file(path, "class list"))}


def format_scores(scores, names: dict[int, str], unlabeled: list[int]) -> str:
    """Accuracy, mIoU, a per-class table and the confusion matrix as text.

    `unlabeled` holds, per class of ``scores.classes``, the true points predicted
    unlabeled; the confusion matrix leaves them out, so they get their own column.
    """
    confusion = np.asarray(scores.confusion)
    lines = [
        f"scored points  {scores.n_scored:,}",
        f"accuracy       {scores.accuracy:.4f}",
        f"mIoU           {scores.miou:.4f}",
        f"left unlabeled {scores.n_unlabeled_predicted:,} (predicted {UNLABELED}, counted wrong)",
        "",
        f"{'class':>6}  {'name':<24} {'IoU':>7} {'true points':>12}",
    ]
    for row, label in enumerate(scores.classes):
        iou = scores.per_class_iou.get(label, float("nan"))
        count = int(confusion[row].sum()) + unlabeled[row] if confusion.size else 0
        lines.append(f"{label:>6}  {names.get(label, '')[:24]:<24} {iou:7.4f} {count:>12,}")
    lines += ["", "confusion matrix (rows: true, columns: predicted; last: left unlabeled)"]
    values = [*confusion.ravel().tolist(), *unlabeled]
    width = max([8] + [len(f"{v:,}") + 1 for v in values])
    header = [f"{c:>{width}}" for c in scores.classes] + [f"{UNLABELED:>{width}}"]
    lines.append(" " * 6 + "".join(header))
    for row, label in enumerate(scores.classes):
        cells = [*confusion[row].tolist(), unlabeled[row]] if confusion.size else [unlabeled[row]]
        lines.append(f"{label:>6}" + "".join(f"{v:>{width},}" for v in cells))
    return "\n".join(lines)
