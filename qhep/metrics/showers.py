"""Physics metrics for generated calorimeter showers, with bootstrap uncertainties.

- ``mean_image_rel_error``: mean over pixels of |<x_i>_gen - <x_i>_real| / <x_i>_real;
- ``w1_pixel``, ``ks_pixel``: mean over pixels of the Wasserstein-1 distance (in units of
  the real pixel's standard deviation) and the KS statistic;
- ``w1_total``, ``ks_total``: the same for the total energy (W1 in GeV);
- ``corr_diff``: mean |corr_gen - corr_real| over off-diagonal pixel pairs;
- ``classifier_auc``: a small DNN trained to tell real from generated (0.5 =
  indistinguishable), CaloChallenge-style, on log-energies and the incident energy;
- ``fpd``, ``kpd``: Frechet and kernel (cubic polynomial kernel, unbiased MMD^2) physics
  distances on high-level features (total energy, response, centroid and width over
  pixels, pixel fractions), standardised on the real sample (as in the CaloChallenge
  evaluation, after Kansal et al.).

Why by hand: the CaloChallenge evaluation script and jetnet's FPD/KPD target
their own file layouts and pull in TensorFlow/PyTorch-Geometric stacks; these are
the same formulas on arrays (scipy for W1/KS and the matrix square root).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy import linalg, stats

__all__ = ["METRICS", "classifier_auc", "evaluate", "features", "fpd", "kpd"]


def _pixel_std(real: np.ndarray) -> np.ndarray:
    return np.maximum(real.std(0), 1e-12)


def mean_image_rel_error(real, gen, er, eg, rng) -> float:
    mr = real.mean(0)
    ok = mr > 0
    return float(np.mean(np.abs(gen.mean(0)[ok] - mr[ok]) / mr[ok]))


def w1_pixel(real, gen, er, eg, rng) -> float:
    s = _pixel_std(real)
    return float(np.mean([stats.wasserstein_distance(real[:, i], gen[:, i]) / s[i] for i in range(real.shape[1])]))


def ks_pixel(real, gen, er, eg, rng) -> float:
    return float(np.mean([stats.ks_2samp(real[:, i], gen[:, i]).statistic for i in range(real.shape[1])]))


def w1_total(real, gen, er, eg, rng) -> float:
    return float(stats.wasserstein_distance(real.sum(1), gen.sum(1)) / 1000.0)


def ks_total(real, gen, er, eg, rng) -> float:
    return float(stats.ks_2samp(real.sum(1), gen.sum(1)).statistic)


def corr_diff(real, gen, er, eg, rng) -> float:
    def corr(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.corrcoef(x, rowvar=False)
        return np.nan_to_num(c)

    d = np.abs(corr(real) - corr(gen))
    off = ~np.eye(d.shape[0], dtype=bool)
    return float(d[off].mean()) if off.any() else 0.0


def features(showers_mev: np.ndarray, energies_gev: np.ndarray) -> np.ndarray:
    """High-level features: total (GeV), response, centroid and width over pixel index, fractions."""
    total = showers_mev.sum(1)
    frac = np.divide(showers_mev, total[:, None], out=np.zeros_like(showers_mev), where=total[:, None] > 0)
    idx = np.arange(showers_mev.shape[1])
    centroid = frac @ idx
    width = np.sqrt(np.maximum(frac @ idx**2 - centroid**2, 0))
    return np.column_stack([total / 1000.0, total / (1000.0 * energies_gev), centroid, width, frac])


def _standardised(real_f: np.ndarray, gen_f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu, sd = real_f.mean(0), np.maximum(real_f.std(0), 1e-12)
    return (real_f - mu) / sd, (gen_f - mu) / sd


def fpd(real, gen, er, eg, rng) -> float:
    a, b = _standardised(features(real, er), features(gen, eg))
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean))


def kpd(real, gen, er, eg, rng, max_n: int = 2000) -> float:
    a, b = _standardised(features(real, er), features(gen, eg))
    a, b = a[:max_n], b[:max_n]
    d = a.shape[1]

    def k(x, y):
        return (x @ y.T / d + 1) ** 3

    kxx, kyy, kxy = k(a, a), k(b, b), k(a, b)
    n, m = len(a), len(b)
    return float((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                 - 2 * kxy.mean())


def classifier_auc(real, gen, er, eg, rng, epochs: int = 60) -> float:
    """AUC of a 2-layer DNN separating real from generated on a held-out half (0.5 = indistinguishable)."""
    def prep(x, e):
        return np.column_stack([np.log1p(x / 1000.0), np.log(e)])

    xr, xg = prep(real, er), prep(gen, eg)
    n = min(len(xr), len(xg))
    xr, xg = xr[rng.permutation(len(xr))[:n]], xg[rng.permutation(len(xg))[:n]]
    x = np.concatenate([xr, xg])
    y = np.concatenate([np.ones(n), np.zeros(n)])
    perm = rng.permutation(2 * n)
    x, y = x[perm], y[perm]
    half = n
    mu, sd = x[:half].mean(0), np.maximum(x[:half].std(0), 1e-9)
    xt = torch.as_tensor((x - mu) / sd, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.float32)
    torch_gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                              torch.nn.ReLU(), torch.nn.Linear(64, 1))
    with torch.random.fork_rng():
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=torch_gen)))
        for layer in net:
            if isinstance(layer, torch.nn.Linear):
                layer.reset_parameters()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        for batch in torch.randperm(half, generator=torch_gen).split(256):
            opt.zero_grad()
            loss = loss_fn(net(xt[batch])[:, 0], yt[batch])
            loss.backward()
            opt.step()
    with torch.no_grad():
        score = net(xt[half:])[:, 0].numpy()
    truth = y[half:]
    ranks = stats.rankdata(score)
    n_pos, n_neg = truth.sum(), len(truth) - truth.sum()
    auc = (ranks[truth == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(max(auc, 1 - auc))


METRICS: dict[str, Callable] = {
    "mean_image_rel_error": mean_image_rel_error, "w1_pixel": w1_pixel, "ks_pixel": ks_pixel,
    "w1_total_gev": w1_total, "ks_total": ks_total, "corr_diff": corr_diff, "fpd": fpd, "kpd": kpd,
    "classifier_auc": classifier_auc,
}


def evaluate(real: np.ndarray, gen: np.ndarray, e_real: np.ndarray, e_gen: np.ndarray, *, seed: int = 0,
             bootstrap: int = 10, metrics: tuple[str, ...] | None = None) -> dict[str, dict[str, float]]:
    """Every metric (value on the full samples, std over ``bootstrap`` resamplings of both)."""
    real, gen = np.asarray(real, dtype=np.float64), np.asarray(gen, dtype=np.float64)
    if real.ndim != 2 or gen.ndim != 2 or real.shape[1] != gen.shape[1]:
        raise ValueError(f"real {real.shape} and generated {gen.shape} must both be (N, n_voxels) with equal voxels")
    rng = np.random.default_rng(seed)
    out = {}
    for name in metrics or tuple(METRICS):
        fn = METRICS[name]
        value = fn(real, gen, e_real, e_gen, np.random.default_rng(seed))
        boots = []
        for _ in range(bootstrap if name != "classifier_auc" else min(bootstrap, 3)):
            i, j = rng.integers(len(real), size=len(real)), rng.integers(len(gen), size=len(gen))
            boots.append(fn(real[i], gen[j], e_real[i], e_gen[j], np.random.default_rng(int(rng.integers(2**31)))))
        out[name] = {"value": value, "std": float(np.std(boots)) if boots else 0.0}
    return out
