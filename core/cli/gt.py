"""``denselabel gt``: label a sample with SageMaker Ground Truth from the command line.

``gt export`` writes the frame, label config and job record; ``gt submit`` uploads and
creates the job (``--dry-run`` prints the exact request and every problem, calling no
AWS); ``gt status | stop | fetch`` take the record; ``gt jobs`` and ``gt workteams`` list.
Credentials come only from boto3's normal chain (``--profile``, environment, SSO).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from core.cli import gt_frames
from core.cli.common import add_command, positive_int, read_cloud_step, require_file
from core.errors import InputError

SETTINGS_FROM_RECORD = ("region", "bucket", "role_arn", "workteam_arn")


def register(subparsers) -> None:
    gt = subparsers.add_parser(
        "gt",
        help="label a sample with SageMaker Ground Truth (export, submit, status, fetch)",
        description="Ground Truth 3D point cloud semantic segmentation. Note: AWS no longer "
        "opens Ground Truth to new accounts; existing accounts keep it.",
    )
    commands = gt.add_subparsers(title="gt commands", dest="gt_command", metavar="GT_COMMAND")
    _register_export(commands)
    _register_submit(commands)
    for name, summary, func in (
        ("status", "show the job's status and label counts", run_status),
        ("stop", "stop the job", run_stop),
    ):
        parser = add_command(commands, name, summary)
        parser.add_argument("record", metavar="RECORD", help="the job record (.gt.json)")
        _add_aws_arguments(parser, region_required=False)
        if name == "status":
            parser.add_argument("--watch", action="store_true", help="poll until the job ends")
            parser.add_argument("--json", action="store_true", help="print JSON")
        parser.set_defaults(func=func)
    fetch = add_command(commands, "fetch", "download and decode the labels of a finished job")
    fetch.add_argument("record", metavar="RECORD", help="the job record (.gt.json)")
    fetch.add_argument("-o", "--output", required=True, metavar="LABELS", help=".npy or .txt")
    fetch.add_argument("--full", metavar="LABELS_FULL", help="also write every point's label")
    _add_aws_arguments(fetch, region_required=False)
    fetch.set_defaults(func=run_fetch)
    for name, summary, func in (
        ("jobs", "list earlier labeling jobs in a region", run_jobs),
        ("workteams", "list the work teams (and their ARNs) in a region", run_workteams),
    ):
        parser = add_command(commands, name, summary)
        _add_aws_arguments(parser, region_required=True)
        if name == "jobs":
            parser.add_argument("--name-contains", help="only jobs whose name holds this")
            parser.add_argument("--limit", type=positive_int, default=50, help="at most N jobs")
        parser.set_defaults(func=func)
    gt.set_defaults(func=lambda args: _usage(gt))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _add_aws_arguments(parser: argparse.ArgumentParser, region_required: bool) -> None:
    parser.add_argument("--region", required=region_required, help="AWS region of the job")
    parser.add_argument("--profile", help="AWS profile (default: boto3's normal chain)")
    parser.add_argument(
        "--endpoint-url",
        type=endpoint_url,
        help="S3 endpoint, for testing against a local S3 such as moto",
    )


def endpoint_url(text: str) -> str:
    """An argparse type: an http(s)://HOST[:PORT] address."""
    from urllib.parse import urlparse

    try:
        parts = urlparse(text)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
        parts = urlparse("")
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise argparse.ArgumentTypeError(
            f"expected an address such as http://127.0.0.1:5000 or https://s3.example.com, "
            f"got {text!r}"
        )
    return text


def _add_class_arguments(parser: argparse.ArgumentParser) -> None:
    from core.groundtruth.export import DEFAULT_FORMAT, FORMATS

    group = parser.add_mutually_exclusive_group()
    group.add_argument("--classes", metavar="FILE", help="class list (JSON or 'ID NAME' lines)")
    group.add_argument(
        "--class",
        dest="class_names",
        action="append",
        metavar="NAME",
        help="a class name (repeat; ids from 0)",
    )
    group.add_argument("--label-config", metavar="FILE", help="a Ground Truth label config")
    parser.add_argument("--format", default=DEFAULT_FORMAT, choices=FORMATS, help="frame format")
    parser.add_argument(
        "--origin",
        default="centre",
        choices=("centre", "minimum"),
        help="recentre the frame on the cloud's centre or minimum corner",
    )
    parser.add_argument("--map", metavar="MAP.npy", help="the sample's index map (to carry back)")
    gt_frames.add_frame_arguments(parser)


def _register_export(commands) -> None:
    parser = add_command(commands, "export", "write the frame, label config and job record")
    parser.add_argument("sample", metavar="SAMPLE", help="the downsampled cloud to label")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    _add_class_arguments(parser)
    parser.set_defaults(func=run_export)


def _register_submit(commands) -> None:
    from core.groundtruth.request import JobSettings

    d = JobSettings("", "", "", "", "", "")
    parser = add_command(commands, "submit", "upload and create the labeling job")
    parser.add_argument("source", metavar="SAMPLE|RECORD", help="a sample cloud or a .gt.json")
    parser.add_argument("-o", "--output", metavar="DIR", help="export folder (for a SAMPLE)")
    _add_aws_arguments(parser, region_required=False)
    parser.add_argument("--bucket", help="S3 bucket in the job's region")
    parser.add_argument("--prefix", default="denselabel", help="S3 prefix (default: denselabel)")
    parser.add_argument("--role-arn", help="the Ground Truth execution role")
    parser.add_argument("--workteam-arn", help="a private or vendor work team")
    parser.add_argument("--job-name", help="unique job name (default: from the file name)")
    parser.add_argument("--label-attribute-name", help="default: JOBNAME-ref")
    parser.add_argument(
        "--task-time-limit",
        type=int,
        default=d.task_time_limit_s,
        metavar="S",
        help="seconds a worker has per frame (default: 8 h)",
    )
    parser.add_argument(
        "--task-availability",
        type=int,
        default=d.task_availability_s,
        metavar="S",
        help="seconds the task stays offered (default: 10 days)",
    )
    parser.add_argument("--max-concurrent-tasks", type=int, metavar="N", help="1 to 5000")
    parser.add_argument(
        "--keyword",
        dest="keywords",
        action="append",
        metavar="WORD",
        help="task keyword (repeat, 1 to 5; letters, digits, spaces)",
    )
    parser.add_argument("--title", default=d.task_title, help="task title workers see")
    parser.add_argument("--description", default=d.task_description, help="task description")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the request and every problem; call no AWS, write nothing",
    )
    parser.add_argument(
        "--fix-cors",
        action="store_true",
        help="add the CORS rule Ground Truth needs to the bucket (keeps others)",
    )
    _add_class_arguments(parser)
    parser.set_defaults(func=run_submit)


def _classes(args: argparse.Namespace):
    from core.groundtruth.labelconfig import check_classes, choose_classes

    classes, short, full = choose_classes(args.classes, args.class_names, args.label_config)
    problems = check_classes(classes, short, full)
    if problems:
        source = args.classes or args.label_config
        raise InputError(" ".join(problems), source, field=None if source else "--class")
    return classes, short, full


def _export(args: argparse.Namespace, out_dir: Path, write: bool):
    from core.groundtruth import export

    classes, short, full = _classes(args)
    source = getattr(args, "sample", None) or args.source
    sample = read_cloud_step(args.console, source)
    index_map = None
    if args.map:
        from core.index_map import check_pair, load_index_map

        index_map = load_index_map(require_file(args.map, "index map"))
        check_pair(args.map, index_map, sample)
    if not write:
        return export.plan_export(sample, out_dir, classes, **_frame_settings(args, source))
    made = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        return _export_into(args, out_dir, sample, source, classes, short, full, index_map)
    except BaseException:
        if made:  # leave nothing behind, not even the folder
            with contextlib.suppress(OSError):
                out_dir.rmdir()
        raise


def _export_into(args, out_dir, sample, source, classes, short, full, index_map):
    from core.groundtruth import export

    with args.console.step("exporting the frame") as progress:
        return export.export_frame(
            sample,
            out_dir,
            classes,
            **_frame_settings(args, source),
            index_map=index_map,
            short_instruction=short,
            full_instruction=full,
            progress=progress,
            cancel=args.console.cancel,
            inputs=[p for p in (args.map, args.classes, args.label_config) if p],
        )


def _frame_settings(args: argparse.Namespace, source: str | None) -> dict:
    """What the planned export (review, dry run) and the written one share."""
    return dict(
        fmt=args.format, origin=args.origin, sample_path=source, **gt_frames.frame_options(args)
    )


def run_export(args: argparse.Namespace) -> int:
    rec = _export(args, Path(args.output), write=True)
    gt_frames.say_frames(rec)
    print(rec.path)
    return 0


def _record(path: str):
    from core.groundtruth.record import load_record

    return load_record(require_file(path, "job record"))


def _settings(args: argparse.Namespace, rec):
    from core.groundtruth.request import JobSettings, default_job_name

    values: dict[str, str] = {
        k: str(getattr(args, k) or getattr(rec, k, None) or "") for k in SETTINGS_FROM_RECORD
    }
    missing = [f"--{k.replace('_', '-')}" for k, v in values.items() if not v]
    if missing:
        raise InputError(f"give {', '.join(missing)} to submit a labeling job.")
    stem = Path(rec.sample_path or rec.frame_path).stem
    return JobSettings(
        region=values["region"],
        bucket=values["bucket"],
        role_arn=values["role_arn"],
        workteam_arn=values["workteam_arn"],
        prefix=args.prefix,
        job_name=args.job_name or default_job_name(stem),
        label_attribute_name=args.label_attribute_name,
        task_title=args.title,
        task_description=args.description,
        task_keywords=tuple(args.keywords) if args.keywords else JobSettings.task_keywords,
        task_time_limit_s=args.task_time_limit,
        task_availability_s=args.task_availability,
        max_concurrent_tasks=args.max_concurrent_tasks,
    )


def _clients(args: argparse.Namespace, region: str | None):
    from core.groundtruth import flow

    if not region:
        raise InputError("give --region (the record has none).")
    return flow.connect(
        flow.AwsTarget(region=region, profile=args.profile, endpoint_url=args.endpoint_url)
    )


def run_submit(args: argparse.Namespace) -> int:
    from core.groundtruth import flow, labelconfig, s3
    from core.groundtruth.errors import ValidationFailed
    from core.groundtruth.record import RECORD_SUFFIX

    is_record = args.source.endswith(RECORD_SUFFIX)
    config = None
    if is_record:
        rec = _record(args.source)
    else:
        out_dir = Path(args.output or Path(args.source).with_name(Path(args.source).stem + "_gt"))
        rec = _export(args, out_dir, write=not args.dry_run)
        gt_frames.say_frames(rec)
        classes, short, full = _classes(args)
        config = labelconfig.label_config(classes, short, full)
    settings = _settings(args, rec)
    if args.dry_run:
        prepared = flow.prepare(rec, settings, label_config=config)
        print(prepared.request_json)
        for line in prepared.warnings:
            print(f"denselabel: warning: {line}", file=sys.stderr)
        for line in prepared.problems:
            print(f"denselabel: problem: {line}", file=sys.stderr)
        return 1 if prepared.problems else 0
    clients = _clients(args, settings.region)
    prepared = flow.prepare(rec, settings, clients, label_config=config)
    if not prepared.ok:  # before the CORS change and any upload
        raise ValidationFailed(prepared.problems)
    cors, needs_change = s3.propose_cors(clients.s3, settings.bucket)
    if needs_change and args.fix_cors:
        s3.apply_cors(clients.s3, settings.bucket, cors)
    elif needs_change:
        print(
            f"denselabel: warning: bucket {settings.bucket} lacks the CORS rule the worker UI "
            "needs, so tasks may not load; rerun with --fix-cors to add it (your rules stay).",
            file=sys.stderr,
        )
    with args.console.step("submitting") as progress:
        rec = flow.submit(rec, settings, clients, progress=progress, cancel=args.console.cancel)
    print(f"submitted {rec.job_name}; record: {rec.path}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from core.groundtruth import jobs

    rec = _submitted(args.record)
    sm = _clients(args, args.region or rec.region).sagemaker

    def show(status: jobs.JobStatus) -> None:
        if args.json:
            print(json.dumps(status.to_dict()), flush=True)
        else:
            print(status.summary(), flush=True)

    if args.watch:
        jobs.wait_for_job(sm, rec.job_name, on_status=show, cancel=args.console.cancel)
    else:
        show(jobs.describe_job(sm, rec.job_name))
    return 0


def _submitted(path: str):
    rec = _record(path)
    if not rec.job_name or not rec.job_arn:
        raise InputError("this record was never submitted; run 'denselabel gt submit' first.", path)
    return rec


def run_stop(args: argparse.Namespace) -> int:
    from core.groundtruth import jobs

    rec = _submitted(args.record)
    jobs.stop_job(_clients(args, args.region or rec.region).sagemaker, rec.job_name)
    print(f"asked AWS to stop {rec.job_name}; it will show Stopping, then Stopped.")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from core.atomic import atomic_outputs, check_outputs
    from core.groundtruth import flow
    from core.labels_io import write_labels

    rec = _submitted(args.record)
    if args.full and not rec.index_map_path:
        raise InputError(
            "the record has no index map, so --full cannot be written; export with --map, or "
            "use 'denselabel upsample' with the fetched sample labels.",
            args.record,
        )
    outputs = [args.output] + ([args.full] if args.full else [])
    check_outputs(outputs, [args.record, rec.resolve(rec.index_map_path)])
    clients = _clients(args, args.region or rec.region)
    with args.console.step("fetching labels") as progress:
        fetched = flow.fetch_labels(rec, clients, progress=progress, cancel=args.console.cancel)
    if args.full and fetched.labels_full is None:
        raise InputError(
            "the index map named in the record is missing; put it back or run 'denselabel "
            "upsample' with the fetched sample labels.",
            rec.index_map_path,
        )
    with atomic_outputs(outputs) as temps:  # both files or neither
        write_labels(temps[0], fetched.labels_sample)
        if args.full and fetched.labels_full is not None:
            write_labels(temps[1], fetched.labels_full)
    gt_frames.say_fetched(fetched)
    n = len(fetched.labels_sample)
    print(f"{n:,} labels ({fetched.n_unlabeled:,} unlabeled) written to {args.output}")
    if fetched.unmatched:
        names = ", ".join(fetched.unmatched)
        print(
            f"denselabel: warning: classes {names} match no class; left unlabeled.", file=sys.stderr
        )
    if args.full and fetched.labels_full is not None:
        print(f"{len(fetched.labels_full):,} full-cloud labels written to {args.full}")
    return 0


def run_jobs(args: argparse.Namespace) -> int:
    from core.groundtruth import jobs

    sm = _clients(args, args.region).sagemaker
    for status in jobs.list_jobs(sm, name_contains=args.name_contains, limit=args.limit):
        created = f"{status.created:%Y-%m-%d %H:%M}" if status.created else "?"
        print(f"{status.name}\t{status.status}\t{created}")
    return 0


def run_workteams(args: argparse.Namespace) -> int:
    from core.groundtruth import jobs

    for team in jobs.list_workteams(_clients(args, args.region).sagemaker):
        print(f"{team.name}\t{team.arn}\t{team.portal_url or ''}")
    return 0
