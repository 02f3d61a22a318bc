"""compare_with_floor: the real-vs-real floor beside the generated row, as ``qhep evaluate`` builds it."""

from __future__ import annotations

import numpy as np
import pytest

from qhep.data import generate_showers
from qhep.metrics import compare_with_floor
from qhep.metrics.showers import energy_matched_split, evaluate

KEYS = ("mean_image_rel_error", "w1_total_gev", "w1_response")


@pytest.fixture(scope="module")
def real():
    s = generate_showers(600, (10, 100), geometry_name="8px", seed=4)
    return s.showers_mev, s.energies_gev


@pytest.mark.filterwarnings("ignore:ks_2samp")  # identical energy lists: exact KS falls back
def test_a_perfect_generator_at_the_real_energies_scores_the_floor_exactly(real, monkeypatch):
    import qhep.metrics.floor as floor

    monkeypatch.setattr(floor, "evaluate", lambda *a, **k: evaluate(*a, **{**k, "metrics": KEYS}))
    cmp = compare_with_floor(real, real, seed=2, bootstrap=2)
    assert not cmp.independent and cmp.paired and cmp.n == 300
    assert cmp.metrics["generated"] == cmp.metrics["real-vs-real"]
    assert cmp.incident_energy_ks < 0.05  # neighbouring energies in the two halves
    a, b = energy_matched_split(real[1], np.random.default_rng(2))  # the split the floor uses
    np.testing.assert_array_equal(cmp.reference[1], real[1][a])
    np.testing.assert_array_equal(cmp.generated[1], real[1][b])


def test_independent_floor_and_a_shifted_generator(real, monkeypatch):
    import qhep.metrics.floor as floor

    monkeypatch.setattr(floor, "evaluate", lambda *a, **k: evaluate(*a, **{**k, "metrics": KEYS}))
    other = generate_showers(200, (10, 100), geometry_name="8px", seed=5)
    shifted = (1.1 * real[0][:400], real[1][:400])
    cmp = compare_with_floor(real, shifted, other=(other.showers_mev, other.energies_gev), bootstrap=0)
    assert cmp.independent and not cmp.paired and cmp.n == 200
    np.testing.assert_array_equal(cmp.reference[0], real[0][:200])
    w1 = {row: cmp.metrics[row]["w1_response"]["value"] for row in cmp.metrics}  # E_tot / E_inc
    assert w1["generated"] > 2 * w1["real-vs-real"]  # a 10 % energy scale shift stands out of the floor
