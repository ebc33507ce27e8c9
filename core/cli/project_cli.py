"""What the commands share for projects: reading one, its full cloud, and `info` on it."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from core.cli.common import read_cloud_step, require_file
from core.cli.console import Console
from core.cloud import PointCloud
from core.errors import InputError
from core.project import Project, check_source


def read_project_step(console: Console, path: str | Path) -> Project:
    """Load a project with a progress step."""
    from core.project_file import load_project

    path = require_file(path, "project file")
    with console.step(f"reading {path.name}") as progress:
        return load_project(path, progress=progress, cancel=console.cancel)


def project_cloud(console: Console, project: Project, path: str | Path) -> PointCloud:
    """The project's full cloud: included in it, or read from its source if unchanged."""
    if project.cloud is not None:
        return project.cloud
    problem = check_source(project)
    if problem is not None:
        raise InputError(
            problem[:-1] + "; open the project in the window and locate the original.", path
        )
    assert project.source_path is not None
    cloud = read_cloud_step(console, project.source_path)
    if len(cloud) != project.n_points:
        raise InputError(
            f"the source cloud now has {len(cloud):,} points where the project has "
            f"{project.n_points:,}; open the project in the window to locate the original.",
            path,
        )
    return cloud


def run_info(args: argparse.Namespace) -> int:
    """``denselabel info PROJECT``: what a project holds, and whether its source is there."""
    from core.project_file import read_manifest

    path = require_file(args.file, "project file")
    manifest = read_manifest(path)
    project = read_project_step(args.console, path)
    summary = {
        "project": str(path),
        "format_version": manifest.get("format_version"),
        "saved": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(project.saved_at)),
        "source": project.source_path,
        "source_problem": check_source(project),
        "points": project.n_points,
        "holds": project.summary(),
        "rotation": project.rotation,
        "sample_settings": project.sample_settings,
        "classes": [{"id": c.id, "name": c.name} for c in project.classes],
        "arrays": manifest.get("arrays", {}),
    }
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print(format_project_summary(summary))
    return 0


def format_project_summary(summary: dict) -> str:
    """The summary as aligned text lines."""
    rotation = summary["rotation"] or {}
    lines = [
        f"project {summary['project']} (format {summary['format_version']})",
        f"saved   {summary['saved']}",
        f"source  {summary['source'] or '(included)'}",
        f"        {summary['source_problem'] or 'found, unchanged'}",
        f"points  {summary['points']:,}",
        "holds   " + "; ".join(summary["holds"]),
        "rotate  z={z:g} y={y:g} x={x:g} about {about}".format(
            z=rotation.get("z", 0.0),
            y=rotation.get("y", 0.0),
            x=rotation.get("x", 0.0),
            about=rotation.get("about", "origin"),
        ),
    ]
    if summary["sample_settings"]:
        settings = summary["sample_settings"]
        lines.append("sample  " + ", ".join(f"{k}={v}" for k, v in settings.items()))
    if summary["classes"]:
        lines.append("classes " + ", ".join(f"{c['id']} {c['name']}" for c in summary["classes"]))
    return "\n".join(lines)
