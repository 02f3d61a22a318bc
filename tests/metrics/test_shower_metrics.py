"""Shower metrics: sensitivity to a response shift, fair floors, an unfolded AUC with a leak-free error."""

from __future__ import annotations

import numpy as np
import pytest

from qhep.data import generate_showers
from qhep.metrics.showers import (
    classifier_auc_with_error,
    energy_matched_split,
    evaluate,
    features,
    layout_from_attrs,
    response_in_bins,
)


@pytest.fixture(scope="module")
def showers():
    return generate_showers(5000, (10, 100), seed=11)


def test_three_percent_energy_scale_shift_is_flagged(showers):
    """A copy of real showers with every energy x 1.03, 2,500 per side: flagged far beyond the floor."""
    a, b = energy_matched_split(showers.energies_gev, np.random.default_rng(0))
    x, e = showers.showers_mev, showers.energies_gev
    keys = ("response_bias", "classifier_auc")
    floor = evaluate(x[a], x[b], e[a], e[b], bootstrap=5, metrics=keys)
    shifted = evaluate(x[a], 1.03 * x[b], e[a], e[b], bootstrap=5, metrics=keys)
    assert len(a) == len(b) == 2500
    # the response bias is the shift itself, measured independently of the classifier
    assert shifted["response_bias"]["value"] == pytest.approx(0.03, abs=0.002)
    assert shifted["response_bias"]["value"] > floor["response_bias"]["value"] + 5 * shifted["response_bias"]["std"]
    flagged_auc = shifted["classifier_auc"]["value"] > floor["classifier_auc"]["value"] + 3 * (
        floor["classifier_auc"]["std"] + shifted["classifier_auc"]["std"])
    assert flagged_auc


def test_energy_matched_floor_is_below_the_independent_energy_floor(showers):
    """W1 of the total energy between halves at matched energies < between samples at independent energies."""
    rng = np.random.default_rng(3)
    a, b = energy_matched_split(showers.energies_gev, rng)
    e = showers.energies_gev
    assert np.abs(np.sort(e[a]) - np.sort(e[b])).max() < 0.2  # GeV: neighbours in energy
    other = generate_showers(2500, (10, 100), seed=12)
    x = showers.showers_mev
    matched = evaluate(x[a], x[b], e[a], e[b], bootstrap=0, metrics=("w1_total_gev",))["w1_total_gev"]["value"]
    indep = evaluate(x[a], other.showers_mev, e[a], other.energies_gev, bootstrap=0,
                     metrics=("w1_total_gev",))["w1_total_gev"]["value"]
    assert matched < indep / 2


def test_auc_of_two_halves_is_consistent_with_half_and_can_fall_below(showers):
    """Unfolded: over seeds the AUC of one sample against itself scatters around 0.5 on both sides."""
    x, e = showers.showers_mev, showers.energies_gev
    values = []
    for seed in range(6):  # a new split each time: one split's own fluctuation is shared by every refit
        a, b = energy_matched_split(e, np.random.default_rng(100 + seed))
        auc, std = classifier_auc_with_error(x[a], x[b], e[a], e[b], np.random.default_rng(seed), bootstrap=20)
        assert abs(auc - 0.5) < 4 * std + 0.01
        values.append(auc)
    assert min(values) < 0.5 < max(values) + 0.02


def test_auc_error_is_a_test_half_bootstrap_of_the_right_size(showers):
    """The std matches the Hanley-McNeil error of an AUC near 0.5 on the test halves (no train/test leak)."""
    a, b = energy_matched_split(showers.energies_gev, np.random.default_rng(1))
    x, e = showers.showers_mev, showers.energies_gev
    _, std = classifier_auc_with_error(x[a], x[b], e[a], e[b], np.random.default_rng(0), bootstrap=200)
    n = len(a) // 2  # test events per class
    hanley = np.sqrt((n + 1) / (12 * n * n) * 2)  # AUC = 0.5: var = (n1 + n2 + 1) / (12 n1 n2)
    assert std == pytest.approx(hanley, rel=0.25)


def test_response_in_bins_matches_a_direct_computation(showers):
    x, e = showers.showers_mev, showers.energies_gev
    edges = np.array([10.0, 40.0, 100.0])
    out = response_in_bins(x, e, edges)
    r = x.sum(1) / (1000 * e)
    low = r[e < 40]
    assert out["count"][0] == len(low)
    assert out["mean"][0] == pytest.approx(low.mean())
    assert out["resolution"][0] == pytest.approx(low.std(ddof=1) / low.mean())


def test_layout_features_use_layer_depths(showers):
    layout = layout_from_attrs(showers.file_attributes(), showers.showers_mev.shape[1])
    assert layout is not None and layout.n_layers == 8
    f = features(showers.showers_mev[:10], showers.energies_gev[:10], layout)
    frac = showers.showers_mev[:10] / showers.showers_mev[:10].sum(1, keepdims=True)
    assert f[:, 2] == pytest.approx(frac @ layout.layer_depth_x0)  # centre of energy, X0
    assert f[:, 1] == pytest.approx(showers.showers_mev[:10].sum(1) / (1000 * showers.energies_gev[:10]))


def test_bad_inputs_are_refused(showers):
    x, e = showers.showers_mev[:50], showers.energies_gev[:50]
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        evaluate(x, bad, e, e)
    with pytest.raises(ValueError, match="bootstrap"):
        evaluate(x, x, e, e, bootstrap=-1)
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate(x, x, e, e, metrics=("fdp",))


def test_a_generator_confined_to_a_latent_subspace_is_caught_whatever_the_seed(showers):
    """Real showers projected on 4 principal axes of their log energies: separated, seed after seed.

    A small DNN on raw inputs passed such samples at AUC 0.6-0.9 depending on its seed; the
    whitened inputs make the missing directions a cut any tree finds.
    """
    a, b = energy_matched_split(showers.energies_gev, np.random.default_rng(2))
    x, e = showers.showers_mev, showers.energies_gev
    logs = np.log(x[b])
    mu = logs.mean(0)
    _, _, vt = np.linalg.svd(logs - mu, full_matrices=False)
    projected = np.exp(mu + (logs - mu) @ vt[:4].T @ vt[:4])
    aucs = [classifier_auc_with_error(x[a], projected, e[a], e[b], np.random.default_rng(s), bootstrap=0)[0]
            for s in range(3)]
    assert min(aucs) > 0.95
    assert max(aucs) - min(aucs) < 0.03


def test_vectorised_w1_equals_scipy(showers):
    from scipy import stats

    from qhep.metrics.showers import _w1_columns

    a, b = showers.showers_mev[:300], showers.showers_mev[300:600] * 1.1
    want = [stats.wasserstein_distance(a[:, i], b[:, i]) for i in range(a.shape[1])]
    assert _w1_columns(a, b) == pytest.approx(want, rel=1e-9)
    assert _w1_columns(a, b[:250]) == pytest.approx([stats.wasserstein_distance(a[:, i], b[:250, i])
                                                     for i in range(a.shape[1])], rel=1e-9)

