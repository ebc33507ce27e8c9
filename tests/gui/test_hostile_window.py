"""The hostile corpus through the window's loaders: the CLI's sentence in a dialog, nothing lost.

Each cloud file goes through File > Open and each label file through the labels panel, after
a good cloud (and a sample with labels) was loaded: the dialog shows the same sentence as
``denselabel`` prints, and the loaded cloud, sample and labels are still there.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.cli import main
from tests.corpus.corpus_more import make_corpus
from tests.corpus.make_corpus import N_SAMPLE
from tests.gui.conftest import wait_for_job


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return [c for c in make_corpus(tmp_path_factory.mktemp("corpus")) if c.loader]


def cli_sentence(case, capsys) -> str:
    """What the command line says about the case's file."""
    assert main(["-q", *case.argv]) == 2
    return capsys.readouterr().err.strip().removeprefix("denselabel: error: ")


def load_base(qtbot, window, case):
    from core.io import read_cloud
    from gui.session import DownsampleSettings

    wait_for_job(qtbot, window.open_file(case.folder / "base.xyz"))
    cloud = window.session.state.cloud
    sample = read_cloud(case.folder / "base_sample.xyz")
    index_map = np.arange(len(cloud)) % N_SAMPLE
    window.session.set_sample(sample, index_map, DownsampleSettings("voxel-nearest", 0.5))
    return cloud, sample


def test_every_hostile_file_shows_the_cli_sentence_and_keeps_the_work(
    qtbot, main_window, dialogs, cases, capsys
):
    assert len(cases) >= 80
    for case in cases:
        expected = cli_sentence(case, capsys)
        cloud, sample = load_base(qtbot, main_window, case)
        main_window.session.set_sample_labels(np.arange(N_SAMPLE, dtype=np.uint8) % 3)
        labels = main_window.session.state.labels_sample
        dialogs.clear()
        if case.loader == "cloud":
            wait_for_job(qtbot, main_window.open_file(case.target))
        else:
            job = main_window.panels["Labels"].source.load_labels(str(case.target))
            wait_for_job(qtbot, job)
        assert [text for _, text in dialogs] == [expected], case.name
        state = main_window.session.state
        assert state.cloud is cloud and state.sample is sample, case.name
        assert state.labels_sample is labels, case.name


HOSTILE_CLASS_LISTS = {
    "config_list.json": {"labels": ["floor", "wall"]},
    "colour_map_string.json": {"color-map": {"0": "floor"}},
    "numbers.json": [1, 2],
    "bad_id.json": {"classes": [{"id": "x", "name": "floor"}]},
    "not_json.json": "{oops",
    "words.txt": "floor\nwall\n",
    "manifest.manifest": "[1]\n",
}


def test_hostile_class_lists_show_a_sentence_and_keep_the_classes(main_window, dialogs, tmp_path):
    import json

    from core.classes import make_classes

    main_window.session.set_classes(make_classes(["floor", "wall"]))
    before = list(main_window.session.state.classes)
    for name, content in HOSTILE_CLASS_LISTS.items():
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        dialogs.clear()
        main_window.panels["Labels"].source.load_classes(str(path))
        assert len(dialogs) == 1 and dialogs[0][1].startswith(name), (name, dialogs)
        assert "; " in dialogs[0][1], dialogs[0][1]
        assert main_window.session.state.classes == before, name
