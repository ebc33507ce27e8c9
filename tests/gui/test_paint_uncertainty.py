"""Colour by uncertainty: each point takes the colour of how mixed its sample point's
full-cloud members are (core.labeling.uncertainty.member_mixing), with a colour bar."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor

from core.labeling.uncertainty import member_mixing, review_queue, vote_disagreement
from core.transfer import transfer_labels_knn
from gui import coloring, uncertainty_view
from gui.session import TransferSettings
from tests.gui.conftest import load_review_scene, voxel_nearest_scene, wait_for_preview

VOXEL = 0.1


@pytest.fixture(scope="module")
def scene():
    return voxel_nearest_scene(40_000, 7, VOXEL)


def _bars(window) -> list:
    return [
        prop
        for renderer in window.viewport.plotter.renderers
        for prop in renderer.GetViewProps()
        if isinstance(prop, vtkScalarBarActor) and prop.GetVisibility()
    ]


def test_colour_by_uncertainty_with_its_colour_bar(
    qtbot, main_window, tmp_path, monkeypatch, scene
):
    cloud, down, _ = scene
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    wait_for_preview(qtbot, main_window)
    legend = main_window.panels["Labels"].legend
    index = legend.color_by.findData("uncertainty")
    assert not legend.color_by.model().item(index).isEnabled()  # nothing carried back yet
    session.set_sample_labels(down.sample.labels.copy())
    carried = transfer_labels_knn(down.sample.xyz, down.sample.labels, cloud.xyz, k=5)
    session.set_full_labels(carried.copy())
    assert legend.color_by.model().item(index).isEnabled()
    # The user picks "Uncertainty" in the legend's Colour by.
    legend.color_by.setCurrentIndex(index)
    legend.color_by.activated.emit(index)
    assert session.state.display.color_by == "uncertainty"
    mixing = member_mixing(down.index_map, carried, len(down.sample))
    assert 0 < np.count_nonzero(mixing) < len(mixing)  # boundaries are unsure, the rest not
    viewport = main_window.viewport
    colours = np.asarray(viewport.full_layer.mesh.point_data["rgb"])
    assert len(colours) == len(cloud)  # small enough to draw every point
    np.testing.assert_array_equal(colours, coloring.uncertainty_colors(mixing[down.index_map]))
    sure, unsure = coloring.uncertainty_colors(np.array([0.0, 0.5], np.float32))
    assert (colours == sure).all(axis=1).sum() > len(colours) // 2
    assert (colours == unsure).all(axis=1).any()
    bars = _bars(main_window)
    assert len(bars) == 1 and bars[0].GetTitle() == "unsure"
    assert tuple(bars[0].GetLookupTable().GetTableRange()) == coloring.UNCERTAINTY_RANGE
    # The sample shows its own points' mixing; back to height, the bar says metres again.
    viewport.set_preview(None)  # the sample itself, not the downsample panel's live preview
    session.set_display(replace(session.state.display, show="sample"))
    colours = np.asarray(viewport.sample_layer.mesh.point_data["rgb"])
    np.testing.assert_array_equal(colours, coloring.uncertainty_colors(mixing))
    session.set_display(replace(session.state.display, color_by="height"))
    bars = _bars(main_window)
    assert len(bars) == 1 and bars[0].GetTitle() == "height"
    assert bars[0].GetLabelFormat().endswith(" m")


def test_uncertainty_and_review_queue_follow_the_knn_vote(
    qtbot, main_window, tmp_path, monkeypatch, scene
):
    """After a KNN carry-back, a place whose vote was split is unsure even where all its
    members got one label: the colours and the review queue use the larger of the two."""
    cloud, down, _ = scene
    session = load_review_scene(main_window, tmp_path, monkeypatch, scene, VOXEL)
    wait_for_preview(qtbot, main_window)
    session.set_transfer_settings(TransferSettings(method="knn", k=5, weights="uniform"))
    session.set_display(replace(session.state.display, color_by="uncertainty"))
    session.set_sample_labels(down.sample.labels.copy())
    carried = transfer_labels_knn(down.sample.xyz, down.sample.labels, cloud.xyz, k=5)
    session.set_full_labels(carried.copy())
    qtbot.waitUntil(
        lambda: uncertainty_view.method_doubt(session.state) is not None, timeout=20_000
    )
    vote = vote_disagreement(down.sample.xyz, down.sample.labels, k=5, weights="uniform")
    mixing = member_mixing(down.index_map, carried, len(down.sample))
    np.testing.assert_array_equal(uncertainty_view.method_doubt(session.state), vote)
    unsure = np.maximum(mixing, vote)
    assert (vote > mixing).sum() > 10, "split votes where every member got one label"
    colours = np.asarray(main_window.viewport.full_layer.mesh.point_data["rgb"])
    qtbot.waitUntil(
        lambda: np.array_equal(
            np.asarray(main_window.viewport.full_layer.mesh.point_data["rgb"]),
            coloring.uncertainty_colors(unsure[down.index_map]),
        ),
        timeout=10_000,
    )
    assert not np.array_equal(colours, coloring.uncertainty_colors(mixing[down.index_map]))
    box = main_window.panels["Label"].review
    box.find_places()
    qtbot.waitUntil(lambda: box.queue is not None, timeout=20_000)
    want = review_queue(down.sample.xyz, unsure, size=box.place_size.value())
    np.testing.assert_allclose(box.queue.scores, want.scores)
    # Painting the sample afterwards: that vote no longer describes the labels.
    session.state.labels_sample[:10] = 0
    assert uncertainty_view.method_doubt(session.state) is None
