"""Shower physics, each expectation computed independently of the generator."""

import numpy as np
import pytest

from qhep.data import generate_showers
from qhep.data.showers import MATERIALS


def _fine(energy, n=3000, **kw):
    return generate_showers(n, energies_gev=np.full(n, float(energy)), geometry_name="fine", seed=5, **kw)


def _profiles(sample):
    g = sample.geometry
    cube = sample.showers_mev.reshape(len(sample.energies_gev), g.n_layers, -1)
    return cube.sum(-1).mean(0), cube.sum(1).mean(0)


def _t_max(sample):
    longi, _ = _profiles(sample)
    edges = np.array(sample.geometry.layer_edges_x0)
    centers = 0.5 * (edges[1:] + edges[:-1])
    i = int(np.argmax(longi))
    c = np.polyfit(centers[i - 3:i + 4], longi[i - 3:i + 4], 2)
    return -c[1] / (2 * c[0])


def test_shower_maximum_grows_like_log_energy():
    t10, t100 = _t_max(_fine(10, stochastic=0)), _t_max(_fine(100, stochastic=0))
    # Rossi: T_max = ln(E/E_c) + const, so a decade in energy moves it by ln(10) X0
    assert t100 - t10 == pytest.approx(np.log(10.0), abs=0.25)
    ec = MATERIALS["pbwo4"].ec_mev
    assert t100 == pytest.approx(np.log(100e3 / ec) - 0.86, abs=0.6)  # PDG/Grindhammer-Peters T_hom


def test_ninety_percent_within_one_moliere_radius():
    _, radial = _profiles(_fine(50, stochastic=0))
    # fine rings are 0.1 R_M wide: the first ten lie within one Moliere radius
    assert radial[:10].sum() / radial.sum() == pytest.approx(0.90, abs=0.04)


@pytest.mark.parametrize("a", [0.05, 0.2])
def test_resolution_matches_stochastic_term(a):
    e = 40.0
    s = generate_showers(20000, energies_gev=np.full(20000, e), stochastic=a, seed=9)
    visible = s.showers_mev.sum(1)
    ratio = visible / s.deposited_mev  # sampling alone: sigma/mean = a / sqrt(E_dep / GeV)
    expected = a / np.sqrt(s.deposited_mev.mean() / 1000.0)
    assert ratio.std() == pytest.approx(expected, rel=0.05)
    # total resolution: sampling plus leakage fluctuations, so at least a/sqrt(E), not much more
    total = visible.std() / visible.mean()
    assert a / np.sqrt(e) * 0.97 < total < np.hypot(a / np.sqrt(e), 0.02)


@pytest.mark.parametrize("material", ["pbwo4", "siw"])
def test_mean_visible_fraction_is_the_sampling_fraction(material):
    s = generate_showers(20000, (20, 80), material_name=material, seed=4)
    f_s = MATERIALS[material].sampling_fraction
    assert (s.showers_mev.sum(1) / s.deposited_mev).mean() == pytest.approx(f_s, rel=0.005)
    assert (s.deposited_mev / (1000 * s.energies_gev)).mean() > 0.95  # >= 25 X0 contains the shower


def test_geometries_and_spectra():
    for geo, n_vox in (("8px", 8), ("8px-lateral", 8), ("8x8", 64)):
        s = generate_showers(500, (10, 100), geometry_name=geo, seed=1)
        assert s.showers_mev.shape == (500, n_vox) and np.all(s.showers_mev >= 0)
    lat = generate_showers(4000, (50, 50), geometry_name="8px-lateral", seed=1).showers_mev.mean(0)
    np.testing.assert_allclose(lat, lat[::-1], rtol=0.05)  # symmetric about the axis
    log = generate_showers(20000, (1, 100), spectrum="log-uniform", seed=2).energies_gev
    assert np.median(log) == pytest.approx(10.0, rel=0.05)
    with pytest.raises(ValueError, match="unknown geometry"):
        generate_showers(1, geometry_name="9px")


def test_same_seed_same_showers():
    a = generate_showers(100, seed=3).showers_mev
    np.testing.assert_array_equal(a, generate_showers(100, seed=3).showers_mev)
    assert not np.array_equal(a, generate_showers(100, seed=4).showers_mev)
