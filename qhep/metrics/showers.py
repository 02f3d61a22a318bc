"""Physics metrics for generated calorimeter showers, with uncertainties that mean something.

Every metric compares a generated sample with a real one *at the same incident energies*
(``e_real``, ``e_gen``: GeV); showers are in MeV.

- ``mean_image_rel_error``: mean over voxels of |<x_i>_gen - <x_i>_real| / <x_i>_real;
- ``w1_pixel``, ``ks_pixel``: mean over voxels of the Wasserstein-1 distance (in units of
  the real voxel's standard deviation) and the KS statistic;
- ``w1_total_gev``, ``ks_total``: the same for the total energy (W1 in GeV). Not conditioned
  on the incident energy: read it only between samples drawn at the same energies;
- ``w1_response``: W1 of the response r = E_tot / E_inc (dimensionless; conditioned on E_inc
  by construction);
- ``response_bias``, ``resolution_bias``: in equal-population bins of the real incident
  energy, the mean over bins of |<r>_gen / <r>_real - 1| and of |(sigma_r/<r>)_gen /
  (sigma_r/<r>)_real - 1|: the calorimeter response and resolution a physicist checks first;
- ``corr_diff``: mean |corr_gen - corr_real| over off-diagonal voxel pairs;
- ``classifier_auc``: boosted trees trained to tell real (label 1) from generated on one half
  of each sample and scored on the other half. They see what the CaloChallenge low-level
  classifier sees (voxel energies over the incident energy, linear and log, E_tot/E_inc,
  layer fractions, log E_inc) plus the log voxel energies whitened on the real sample, so a
  generator with too few dimensions or wrong correlations is caught. The AUC is reported as
  measured (0.5: indistinguishable; below 0.5 is possible and means noise), never folded to
  max(AUC, 1 - AUC). Its error is a bootstrap of the *test* half only, after the split, so no
  shower sits on both sides;
- ``fpd``, ``kpd``: Frechet and kernel (cubic polynomial kernel, unbiased MMD^2) distances on
  the high-level features of :func:`features` (named there exactly), standardised on the real
  sample, after Kansal et al.

Why by hand: the CaloChallenge evaluation script and jetnet's FPD/KPD target their own file
layouts and pull in TensorFlow/PyTorch-Geometric stacks; these are the same formulas on arrays
(scipy for W1/KS and the matrix square root).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg, stats

__all__ = ["METRICS", "Layout", "classifier_auc", "classifier_auc_with_error", "energy_matched_split", "evaluate",
           "features", "fpd", "kpd", "layout_from_attrs", "response_in_bins"]


@dataclass(frozen=True)
class Layout:
    """Which layer each voxel belongs to, and each layer's depth (X0), for layer-level features."""

    layer_of_voxel: np.ndarray  # (V,) int
    layer_depth_x0: np.ndarray  # (L,) centre of each layer, radiation lengths

    @property
    def n_layers(self) -> int:
        """Number of layers."""
        return int(len(self.layer_depth_x0))

    def layer_energies(self, showers: np.ndarray) -> np.ndarray:
        """(N, L) energy per layer (the voxels' unit)."""
        out = np.zeros((showers.shape[0], self.n_layers))
        np.add.at(out.T, self.layer_of_voxel, showers.T)
        return out


def layout_from_attrs(attrs: Mapping[str, Any], n_voxels: int) -> Layout | None:
    """The layer layout written by ``qhep data showers`` (None where the file does not describe one).

    qhep's files store voxels flattened as (layer, alpha, radial) with ``layer_edges_x0`` and
    either ``layer_bins`` (per-layer r edges and n_alpha) or ``radial_edges_rm`` and ``n_alpha``.
    """
    try:
        edges = np.asarray(attrs["layer_edges_x0"], dtype=np.float64)
        if attrs.get("sum_layers"):
            return None
        if attrs.get("layer_bins"):
            counts = [(len(b["r_edges_mm"]) - 1) * int(b["n_alpha"]) for b in attrs["layer_bins"]]
        else:
            counts = [(len(attrs["radial_edges_rm"]) - 1) * int(attrs["n_alpha"])] * (len(edges) - 1)
    except (KeyError, TypeError, ValueError):
        return None
    if sum(counts) != n_voxels or len(counts) != len(edges) - 1 or len(counts) < 2:
        return None
    return Layout(np.repeat(np.arange(len(counts)), counts), 0.5 * (edges[:-1] + edges[1:]))


def _pixel_std(real: np.ndarray) -> np.ndarray:
    return np.maximum(real.std(0), 1e-12)


def _response(showers_mev: np.ndarray, energies_gev: np.ndarray) -> np.ndarray:
    return showers_mev.sum(1) / (1000.0 * np.asarray(energies_gev))


def mean_image_rel_error(real, gen, er, eg, rng, layout=None) -> float:
    mr = real.mean(0)
    ok = mr > 0
    return float(np.mean(np.abs(gen.mean(0)[ok] - mr[ok]) / mr[ok]))


def _w1_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Wasserstein-1 distance of every column of ``a`` to the same column of ``b``.

    Equal sizes: the mean absolute difference of the sorted columns (exact, vectorised);
    otherwise scipy per column.
    """
    if len(a) == len(b):
        return np.mean(np.abs(np.sort(a, axis=0) - np.sort(b, axis=0)), axis=0)
    return np.array([stats.wasserstein_distance(a[:, i], b[:, i]) for i in range(a.shape[1])])


def w1_pixel(real, gen, er, eg, rng, layout=None) -> float:
    return float(np.mean(_w1_columns(real, gen) / _pixel_std(real)))


def ks_pixel(real, gen, er, eg, rng, layout=None) -> float:
    return float(np.mean(stats.ks_2samp(real, gen, axis=0, method="asymp").statistic))


def w1_total(real, gen, er, eg, rng, layout=None) -> float:
    return float(stats.wasserstein_distance(real.sum(1), gen.sum(1)) / 1000.0)


def ks_total(real, gen, er, eg, rng, layout=None) -> float:
    return float(stats.ks_2samp(real.sum(1), gen.sum(1), method="asymp").statistic)


def w1_response(real, gen, er, eg, rng, layout=None) -> float:
    return float(stats.wasserstein_distance(_response(real, er), _response(gen, eg)))


def response_in_bins(showers_mev: np.ndarray, energies_gev: np.ndarray, edges_gev: np.ndarray) -> dict[str, np.ndarray]:
    """Per incident-energy bin: mean response <r>, resolution sigma_r / <r>, and the count."""
    r = _response(showers_mev, energies_gev)
    which = np.clip(np.searchsorted(edges_gev, energies_gev, side="right") - 1, 0, len(edges_gev) - 2)
    mean = np.full(len(edges_gev) - 1, np.nan)
    res, count = mean.copy(), np.zeros(len(edges_gev) - 1, dtype=int)
    for b in range(len(edges_gev) - 1):
        rb = r[which == b]
        count[b] = len(rb)
        if len(rb) >= 2:
            mean[b], res[b] = rb.mean(), rb.std(ddof=1) / max(abs(rb.mean()), 1e-12)
    return {"mean": mean, "resolution": res, "count": count}


def _energy_edges(er: np.ndarray, bins: int = 5) -> np.ndarray:
    edges = np.quantile(er, np.linspace(0, 1, bins + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    return edges


def response_bias(real, gen, er, eg, rng, layout=None) -> float:
    edges = _energy_edges(er)
    a, b = response_in_bins(real, er, edges), response_in_bins(gen, eg, edges)
    return float(np.nanmean(np.abs(b["mean"] / a["mean"] - 1)))


def resolution_bias(real, gen, er, eg, rng, layout=None) -> float:
    edges = _energy_edges(er)
    a, b = response_in_bins(real, er, edges), response_in_bins(gen, eg, edges)
    return float(np.nanmean(np.abs(b["resolution"] / a["resolution"] - 1)))


def corr_diff(real, gen, er, eg, rng, layout=None) -> float:
    def corr(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.corrcoef(x, rowvar=False)
        return np.nan_to_num(c)

    d = np.abs(corr(real) - corr(gen))
    off = ~np.eye(d.shape[0], dtype=bool)
    return float(d[off].mean()) if off.any() else 0.0


def features(showers_mev: np.ndarray, energies_gev: np.ndarray, layout: Layout | None = None) -> np.ndarray:
    """High-level features, columns in this order.

    Total energy (GeV); response E_tot/E_inc; the longitudinal centre of energy and its width
    (in X0 with a ``layout``, else the voxel index: for qhep's 8-voxel files one voxel is one
    layer); the energy fraction of each layer (of each voxel without a layout).
    """
    total = showers_mev.sum(1)
    if layout is not None:
        per = layout.layer_energies(showers_mev)
        pos = layout.layer_depth_x0
    else:
        per, pos = showers_mev, np.arange(showers_mev.shape[1], dtype=np.float64)
    frac = np.divide(per, total[:, None], out=np.zeros_like(per, dtype=np.float64), where=total[:, None] > 0)
    centre = frac @ pos
    width = np.sqrt(np.maximum(frac @ pos**2 - centre**2, 0))
    return np.column_stack([total / 1000.0, _response(showers_mev, energies_gev), centre, width, frac])


def _standardised(real_f: np.ndarray, gen_f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu, sd = real_f.mean(0), np.maximum(real_f.std(0), 1e-12)
    return (real_f - mu) / sd, (gen_f - mu) / sd


def fpd(real, gen, er, eg, rng, layout=None) -> float:
    a, b = _standardised(features(real, er, layout), features(gen, eg, layout))
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean))


def kpd(real, gen, er, eg, rng, layout=None, max_n: int = 2000) -> float:
    a, b = _standardised(features(real, er, layout), features(gen, eg, layout))
    a, b = a[:max_n], b[:max_n]
    d = a.shape[1]

    def k(x, y):
        return (x @ y.T / d + 1) ** 3

    kxx, kyy, kxy = k(a, a), k(b, b), k(a, b)
    n, m = len(a), len(b)
    return float((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                 - 2 * kxy.mean())


def _classifier_inputs(showers_mev: np.ndarray, energies_gev: np.ndarray, layout: Layout | None) -> np.ndarray:
    """Per shower: voxel/E_inc (linear and log10), E_tot/E_inc, log E_inc, layer fractions."""
    e = np.asarray(energies_gev, dtype=np.float64)
    u = showers_mev / (1000.0 * e[:, None])
    cols = [u, np.log10(u + 1e-6), _response(showers_mev, e)[:, None], np.log(e)[:, None]]
    if layout is not None:
        cols.append(features(showers_mev, e, layout)[:, 4:])
    return np.column_stack(cols)


def _whitener(log_real_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, W): project log voxel energies on the real sample's principal axes, each scaled to unit spread.

    A generator confined to fewer dimensions than the data (a latent model, a PCA decoder) or with
    wrong voxel correlations shows up as a wrong spread along an axis where real showers vary
    little; whitened, that axis is a feature a tree can cut. Axes with no real variance are dropped.
    """
    mu = log_real_train.mean(0)
    w, v = np.linalg.eigh(np.cov(log_real_train - mu, rowvar=False))
    keep = w > 1e-9 * max(float(w.max()), 1e-300)
    return mu, v[:, keep] / np.sqrt(w[keep])


def _auc(score: np.ndarray, truth: np.ndarray) -> float:
    ranks = stats.rankdata(score)
    n_pos = truth.sum()
    n_neg = len(truth) - n_pos
    return float((ranks[truth == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def classifier_auc_with_error(real, gen, er, eg, rng, layout=None, *, bootstrap: int = 50) -> tuple[float, float]:
    """(AUC, bootstrap std) of a classifier separating real (label 1) from generated, on held-out halves.

    Each sample is split into disjoint train and test halves first. A gradient-boosted tree
    ensemble (scikit-learn's ``HistGradientBoostingClassifier``, early-stopped on a fifth of
    the train halves) learns on the train halves from :func:`_classifier_inputs` plus the
    log voxel energies whitened on the real train half (:func:`_whitener`). The error
    resamples the test halves' scores (real and generated separately), so no shower is on both
    sides of the split.

    Why trees, not a small DNN: the DNN this replaced gave the same generated sample AUC
    0.64, 0.74, 0.91 or 0.64 depending only on its seed (it often stopped before finding the
    separating direction); boosted trees on whitened inputs agree to about 0.01 over seeds,
    converge in about a second on 10,000 showers, and separate every generator confined to a
    latent subspace that the DNN passed at AUC 0.65.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    n = min(len(real), len(gen))
    pr, pg = rng.permutation(len(real))[:n], rng.permutation(len(gen))[:n]
    half = n // 2
    xr, xg = _classifier_inputs(real[pr], er[pr], layout), _classifier_inputs(gen[pg], eg[pg], layout)
    v = real.shape[1]
    mu, w = _whitener(xr[:half, v:2 * v])
    # the whitened log energies replace the raw ones (the same information, rotated onto the axes a tree cuts)
    keep = np.r_[0:v, 2 * v:xr.shape[1]]
    xr = np.column_stack([xr[:, keep], (xr[:, v:2 * v] - mu) @ w])
    xg = np.column_stack([xg[:, keep], (xg[:, v:2 * v] - mu) @ w])
    big = half >= 200  # early stopping needs a validation fifth worth the name; small samples get 100 rounds
    clf = HistGradientBoostingClassifier(max_iter=500 if big else 100, learning_rate=0.1, early_stopping=big,
                                         validation_fraction=0.2 if big else None, n_iter_no_change=20,
                                         min_samples_leaf=min(20, max(2, half // 10)),
                                         random_state=int(rng.integers(2**31)))
    clf.fit(np.concatenate([xr[:half], xg[:half]]), np.concatenate([np.ones(half), np.zeros(half)]))
    s_real, s_gen = clf.decision_function(xr[half:]), clf.decision_function(xg[half:])
    truth = np.concatenate([np.ones(len(s_real)), np.zeros(len(s_gen))])
    auc = _auc(np.concatenate([s_real, s_gen]), truth)
    boots = []
    for _ in range(bootstrap):
        a, b = rng.integers(len(s_real), size=len(s_real)), rng.integers(len(s_gen), size=len(s_gen))
        boots.append(_auc(np.concatenate([s_real[a], s_gen[b]]), truth))
    return auc, float(np.std(boots)) if boots else 0.0


def classifier_auc(real, gen, er, eg, rng, layout=None) -> float:
    """AUC only (see :func:`classifier_auc_with_error`)."""
    return classifier_auc_with_error(real, gen, er, eg, rng, layout, bootstrap=0)[0]


METRICS: dict[str, Callable] = {
    "mean_image_rel_error": mean_image_rel_error, "w1_pixel": w1_pixel, "ks_pixel": ks_pixel,
    "w1_total_gev": w1_total, "ks_total": ks_total, "w1_response": w1_response, "response_bias": response_bias,
    "resolution_bias": resolution_bias, "corr_diff": corr_diff, "fpd": fpd, "kpd": kpd,
    "classifier_auc": classifier_auc,
}


def energy_matched_split(energies_gev: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint index sets of one real sample whose incident energies match pair by pair.

    Events are sorted by energy and taken in neighbouring pairs, one of each pair (at random)
    to each half: the floor built from the halves compares showers at (almost) the same
    energies, as a model generated at the reference's energies is compared.
    """
    order = np.argsort(np.asarray(energies_gev), kind="stable")
    pairs = order[: 2 * (len(order) // 2)].reshape(-1, 2)
    flip = rng.random(len(pairs)) < 0.5
    a = np.where(flip, pairs[:, 1], pairs[:, 0])
    b = np.where(flip, pairs[:, 0], pairs[:, 1])
    perm = rng.permutation(len(pairs))
    return a[perm], b[perm]


def evaluate(real: np.ndarray, gen: np.ndarray, e_real: np.ndarray, e_gen: np.ndarray, *, seed: int = 0,
             bootstrap: int = 10, metrics: tuple[str, ...] | None = None,
             layout: Layout | None = None) -> dict[str, dict[str, float]]:
    """Every metric: value on the full samples and std over ``bootstrap`` resamplings.

    Samples at the same energies one for one (``e_real == e_gen``) are resampled in pairs;
    otherwise each side is resampled on its own. The classifier AUC's std is the bootstrap of
    its test halves (see :func:`classifier_auc_with_error`), not a refit per resampling.
    """
    real, gen = np.asarray(real, dtype=np.float64), np.asarray(gen, dtype=np.float64)
    e_real, e_gen = np.asarray(e_real, dtype=np.float64).ravel(), np.asarray(e_gen, dtype=np.float64).ravel()
    if real.ndim != 2 or gen.ndim != 2 or real.shape[1] != gen.shape[1]:
        raise ValueError(f"real {real.shape} and generated {gen.shape} must both be (N, n_voxels) with equal voxels")
    if len(e_real) != len(real) or len(e_gen) != len(gen):
        raise ValueError("one incident energy per shower is needed for the real and the generated sample")
    if not (np.isfinite(real).all() and np.isfinite(gen).all()):
        raise ValueError("showers contain NaN or infinite energies")
    if bootstrap < 0:
        raise ValueError(f"bootstrap must be >= 0, not {bootstrap}")
    unknown = set(metrics or ()) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metric(s) {sorted(unknown)}; choose from {', '.join(METRICS)}")
    rng = np.random.default_rng(seed)
    # generated at the real showers' energies, one for one: resample pairs, so the bootstrap keeps the
    # energy matching (resampling each side alone adds the spread of the energy spectra to every error)
    paired = len(real) == len(gen) and np.allclose(e_real, e_gen)
    out = {}
    for name in metrics or tuple(METRICS):
        if name == "classifier_auc":
            value, std = classifier_auc_with_error(real, gen, e_real, e_gen, np.random.default_rng(seed), layout,
                                                   bootstrap=max(bootstrap, 20) if bootstrap else 0)
            out[name] = {"value": value, "std": std}
            continue
        fn = METRICS[name]
        value = fn(real, gen, e_real, e_gen, np.random.default_rng(seed), layout)
        boots = []
        for _ in range(bootstrap):
            i = rng.integers(len(real), size=len(real))
            j = i if paired else rng.integers(len(gen), size=len(gen))
            boots.append(fn(real[i], gen[j], e_real[i], e_gen[j], np.random.default_rng(int(rng.integers(2**31))),
                            layout))
        out[name] = {"value": value, "std": float(np.std(boots)) if boots else 0.0}
    return out
