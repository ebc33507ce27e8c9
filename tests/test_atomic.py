"""Outputs are written atomically and never over an input."""

from __future__ import annotations

import os

import pytest

from core.atomic import atomic_write, refuse_overwriting_inputs
from core.errors import InputError


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "labels.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target, "w") as handle:
        handle.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.txt"]


def test_a_finished_write_replaces_the_file_with_normal_permissions(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_write(target, "w") as handle:
        handle.write("new")
    assert target.read_text() == "new"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_writing_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(InputError, match="does not exist"), atomic_write(tmp_path / "no" / "x"):
        pass


def test_an_output_that_is_an_input_is_refused(tmp_path):
    scan = tmp_path / "scan.xyz"
    scan.write_text("0,0,0\n")
    with pytest.raises(InputError, match="overwrite an input"):
        refuse_overwriting_inputs(tmp_path / "." / "scan.xyz", [scan])
    refuse_overwriting_inputs(tmp_path / "other.xyz", [scan])


def test_writing_never_changes_the_process_umask(tmp_path, monkeypatch):
    # Setting the umask, even briefly, races with other threads creating files.
    def no_umask(_mask):
        raise AssertionError("os.umask called while writing")

    monkeypatch.setattr(os, "umask", no_umask)
    with atomic_write(tmp_path / "out.txt", "w") as handle:
        handle.write("done")
    assert (tmp_path / "out.txt").read_text() == "done"
