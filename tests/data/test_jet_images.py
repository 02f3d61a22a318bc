"""Jet images: pixel placement, energy fractions, truth labels, quark vs gluon widths, file checks."""

import h5py
import numpy as np
import pytest

from qhep.data.events import EventSample, generate_events
from qhep.data.io import read_jet_images, write_jet_images
from qhep.data.jet_images import jet_images
from qhep.errors import SchemaError


def _toy(particles, partons, parton_pdg):
    p4 = np.asarray(particles, float)
    pp4 = np.asarray(partons, float)
    axis = np.array([[1.0, 0.0, 0.0]])
    return EventSample(p4, np.zeros(len(p4), np.int32), np.zeros(len(p4), np.float32), np.array([0, len(p4)]),
                       pp4, np.asarray(parton_pdg, np.int32), np.array([0, len(pp4)]), np.array([0.9]), axis,
                       np.array([0.1]), 20.0, {})


def test_pixel_placement_and_fractions():
    # jet along +x; a particle at +0.2 rad towards increasing polar angle (-z) lands right of centre
    a = 0.2
    ev = _toy([[10, 0, 0, 10], [np.cos(a), 0, -np.sin(a), 1.0], [-5, 0, 0, 5], [-4, 1, 0, np.hypot(4, 1)]],
              [[11, 0, 0, 11], [-9, 0, 0, 9]], [1, 21])
    j = jet_images(ev, pixels=8, radius=0.4)
    assert j.images.shape == (2, 8, 8)
    assert list(j.labels) == [1, 0]  # +x hemisphere matches the quark, -x the gluon
    img = j.images[0]
    p_jet = np.array([10 + np.cos(a), 0, -np.sin(a)])
    theta_axis = np.arctan2(-p_jet[2], p_jet[0])  # axis sits slightly off the first particle
    assert img.sum() == pytest.approx(1.0, rel=1e-6)
    assert img[4, int((a - theta_axis + 0.4) / 0.1)] == pytest.approx(1.0 / 11.0, rel=1e-5)
    # the -x jet: particle at atan(1/4) = 0.245 rad sideways, both inside, fractions add to 1
    assert j.images[1].sum() == pytest.approx(1.0, rel=1e-6)


@pytest.fixture(scope="module")
def qg():
    return generate_events(300, "ee-qq", seed=1), generate_events(300, "ee-gg", seed=2)


@pytest.mark.parametrize("mode", ["hemisphere", "exclusive"])
def test_gluon_jets_are_broader(qg, mode):
    q, g = (jet_images(e, pixels=16, mode=mode) for e in qg)
    assert q.labels.mean() > 0.97 and g.labels.mean() < 0.03  # labels from the nearest truth parton
    c = (np.arange(16) + 0.5) / 16 * 0.8 - 0.4
    r = np.hypot(*np.meshgrid(c, c))
    mean_q, mean_g = q.images.mean(0), g.images.mean(0)
    assert (mean_g * r).sum() / mean_g.sum() > 1.1 * (mean_q * r).sum() / mean_q.sum()
    assert q.images.sum((1, 2)).mean() > g.images.sum((1, 2)).mean()  # more of a quark jet inside the window
    assert (q.images.sum((1, 2)) <= 1 + 1e-5).all()
    np.testing.assert_allclose(q.jet_energy.mean(), 62.5, rtol=0.05)


def test_round_trip_and_schema(tmp_path, qg):
    j = jet_images(qg[0], pixels=8)
    path = write_jet_images(tmp_path / "j.h5", j)
    back = read_jet_images(path)
    np.testing.assert_array_equal(back.images, j.images)
    np.testing.assert_array_equal(back.labels, j.labels)
    assert back.attrs["pixels"] == 8
    with h5py.File(path, "a") as fh:
        del fh["labels"]
        fh["labels"] = np.full(len(j.labels), 3, np.int8)
    with pytest.raises(SchemaError, match="'labels'"):
        read_jet_images(path)
