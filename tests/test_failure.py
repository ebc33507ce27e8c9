"""core.failure.describe: every kind of failure as the one sentence the CLI and the window show."""

from __future__ import annotations

import errno
import tempfile

import pytest

from core.atomic import atomic_path
from core.errors import Cancelled, InputError
from core.failure import describe, exit_status, user_path


def raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001
        return caught


def test_input_errors_keep_their_sentence_with_file_line_and_field():
    assert describe(InputError("bad value; fix it.", "/d/scan.ply", 7)) == (
        "scan.ply, line 7: bad value; fix it."
    )
    assert describe(InputError("must be text; fix it.", "/d/r.gt.json", field="job_name")) == (
        "r.gt.json, field 'job_name': must be text; fix it."
    )
    assert exit_status(InputError("x")) == 2


def test_an_interrupt_hidden_inside_a_library_error_still_reads_as_cancelled():
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as inner:
            raise SystemError("returned a result with an exception set") from inner
    except SystemError as exc:
        assert describe(exc).startswith("cancelled")
        assert exit_status(exc) == 130
    assert exit_status(Cancelled()) == 130


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EACCES, "permission denied"),
        (errno.ENOSPC, "disk is full"),
        (errno.EROFS, "read-only"),
        (errno.ENOENT, "no such file"),
    ],
)
def test_os_errors_name_the_users_file_not_the_hidden_temporary(code, words):
    exc = OSError(code, "x", "/data/out/.labels.k2j4h5g6.npy")
    sentence = describe(exc)
    assert sentence.startswith("labels.npy: ") and words in sentence, sentence
    assert "; " in sentence and exit_status(exc) == 2


def test_the_temporary_name_maps_back_to_the_output():
    assert user_path("/d/.frame.gt.abcdefgh.json") == "/d/frame.gt.json"
    assert user_path("/d/.scan.a_c9efgh") == "/d/scan"
    assert user_path("/d/plain.txt") == "/d/plain.txt"


def test_a_failed_temporary_is_reported_under_the_output_name(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(
            errno.EACCES, "Permission denied", str(tmp_path / ".out.zzzzzzzz.xyz")
        )

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(InputError) as caught, atomic_path(tmp_path / "out.xyz"):
        pass
    assert str(caught.value).startswith("out.xyz: permission denied"), caught.value


def test_a_bug_is_one_line_naming_the_exception_and_where():
    sentence = describe(raised(TypeError("bad\noperand")))
    assert "\n" not in sentence
    assert sentence.startswith("unexpected TypeError at test_failure.py:")
    assert "report" in sentence and exit_status(TypeError()) == 1


def test_memory_errors_say_what_to_do():
    assert "larger voxel size" in describe(MemoryError())
