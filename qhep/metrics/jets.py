"""Jet-image metrics: the radial energy profile and quark/gluon separation power.

Images are P x P energy fractions E_pixel / E_jet on the window [-R, R]^2 around the jet axis
(:mod:`qhep.data.jet_images`); a pixel's centre sits at distance r from the axis.

- ``radial_profile``: the mean energy fraction in P/2 annuli of width R / (P/2) (the last
  annulus also takes the window's corners), per jet;
- ``radial_profile_error``: mean over annuli of |profile_gen - profile_real| / profile_real;
- ``girth``: g = sum_i f_i r_i / sum_i f_i (rad), the jet width, the classic quark/gluon
  observable (gluon jets are wider);
- ``separation_power``: <S^2> = 1/2 sum_bins (p_q - p_g)^2 / (p_q + p_g) of the girth
  histograms (0 = identical, 1 = disjoint);
- ``qg_auc``: the CaloChallenge-style classifier of :func:`qhep.metrics.showers.classifier_auc`
  trained to separate quark from gluon images (0.5 = inseparable).

:func:`qg_separation` computes the last two for real and for generated quark/gluon samples;
a generator that models the flavours well reproduces the real separation.
"""

from __future__ import annotations

import numpy as np

from qhep.metrics.showers import classifier_auc

__all__ = ["girth", "jet_report", "pixel_radii", "qg_separation", "radial_profile", "radial_profile_error",
           "separation_power"]


def pixel_radii(pixels: int, radius: float) -> np.ndarray:
    """(P*P,) distance of each pixel centre from the jet axis, rad (row-major, as the images)."""
    centres = (np.arange(pixels) + 0.5) / pixels * 2 * radius - radius
    yy, xx = np.meshgrid(centres, centres, indexing="ij")
    return np.hypot(xx, yy).ravel()


def _fractions(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images, dtype=np.float64)
    return images.reshape(images.shape[0], -1)


def radial_profile(images: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(annulus edges (K+1,) rad, mean energy fraction per annulus (K,)); images (N, P, P) or (N, P*P)."""
    flat = _fractions(images)
    pixels = int(round(np.sqrt(flat.shape[1])))
    if pixels * pixels != flat.shape[1]:
        raise ValueError(f"images of {flat.shape[1]} pixels are not square")
    k = max(pixels // 2, 1)
    edges = np.linspace(0.0, radius, k + 1)
    r = pixel_radii(pixels, radius)
    which = np.minimum(np.digitize(r, edges[1:-1]), k - 1)
    per_jet = np.zeros((flat.shape[0], k))
    for a in range(k):
        per_jet[:, a] = flat[:, which == a].sum(1)
    return edges, per_jet.mean(0)


def radial_profile_error(real: np.ndarray, gen: np.ndarray, radius: float) -> float:
    """Mean relative difference of the radial profiles over annuli where the real profile is non-zero."""
    _, pr = radial_profile(real, radius)
    _, pg = radial_profile(gen, radius)
    ok = pr > 0
    return float(np.mean(np.abs(pg[ok] - pr[ok]) / pr[ok]))


def girth(images: np.ndarray, radius: float) -> np.ndarray:
    """(N,) energy-weighted mean distance from the axis, rad (0 for empty images)."""
    flat = _fractions(images)
    pixels = int(round(np.sqrt(flat.shape[1])))
    total = flat.sum(1)
    return np.divide(flat @ pixel_radii(pixels, radius), total, out=np.zeros_like(total), where=total > 0)


def separation_power(a: np.ndarray, b: np.ndarray, edges: np.ndarray) -> float:
    """1/2 sum (p_a - p_b)^2 / (p_a + p_b) of normalised histograms on ``edges`` (overflow clipped in)."""
    lo, hi = edges[0], edges[-1]
    pa = np.histogram(np.clip(a, lo, hi), edges)[0].astype(float)
    pb = np.histogram(np.clip(b, lo, hi), edges)[0].astype(float)
    pa, pb = pa / max(pa.sum(), 1), pb / max(pb.sum(), 1)
    s = pa + pb
    return float(0.5 * np.sum(np.divide((pa - pb) ** 2, s, out=np.zeros_like(s), where=s > 0)))


def qg_separation(quark: np.ndarray, gluon: np.ndarray, e_quark: np.ndarray, e_gluon: np.ndarray,
                  radius: float, *, seed: int = 0, bins: int = 40) -> dict[str, float]:
    """Girth separation power and classifier AUC between quark and gluon images (fractions, (N, P*P))."""
    gq, gg = girth(quark, radius), girth(gluon, radius)
    edges = np.linspace(0.0, radius * np.sqrt(2), bins + 1)
    auc = classifier_auc(_fractions(quark) * 1000.0 * e_quark[:, None], _fractions(gluon) * 1000.0 * e_gluon[:, None],
                         e_quark, e_gluon, np.random.default_rng(seed))
    return {"girth_separation": separation_power(gq, gg, edges), "qg_auc": auc,
            "girth_quark": float(gq.mean()), "girth_gluon": float(gg.mean())}


def jet_report(real, generated: dict[str, tuple[np.ndarray, np.ndarray]], radius: float, *,
               seed: int = 0) -> dict:
    """Radial-profile errors per flavour and q/g separation, real vs generated.

    ``real``: a :class:`qhep.data.io.JetImages`; ``generated``: {"quark"|"gluon": (pixels MeV (N, P*P),
    jet energies GeV (N,))}, as ``qhep sample`` writes them. Equal numbers of real jets per flavour
    as generated ones are used.
    """
    from qhep.models.base import JET_LABELS

    fr, er, fg, eg = {}, {}, {}, {}
    for flavour, (pix, energy) in generated.items():
        energy = np.asarray(energy, dtype=np.float64)
        fg[flavour], eg[flavour] = np.asarray(pix, dtype=np.float64) / (1000.0 * energy[:, None]), energy
        keep = np.flatnonzero(real.labels == JET_LABELS[flavour])[: len(energy)]
        fr[flavour], er[flavour] = _fractions(real.images[keep]), np.asarray(real.jet_energy[keep], dtype=np.float64)
    out = {"real": qg_separation(fr["quark"], fr["gluon"], er["quark"], er["gluon"], radius, seed=seed),
           "generated": qg_separation(fg["quark"], fg["gluon"], eg["quark"], eg["gluon"], radius, seed=seed),
           "radial_profile_error": {k: radial_profile_error(fr[k], fg[k], radius) for k in generated},
           "profiles": {}}
    for k in generated:
        edges, pr = radial_profile(fr[k], radius)
        out["profiles"][k] = {"edges_rad": edges.tolist(), "real": pr.tolist(),
                              "generated": radial_profile(fg[k], radius)[1].tolist()}
    return out
