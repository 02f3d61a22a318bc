"""Generated showers scored beside a real-vs-real floor: what ``qhep evaluate`` prints.

A metric alone says little: two samples of *real* showers already differ by their finite
size. :func:`compare_with_floor` scores the generated sample and a second real sample
against the same real reference, at matched incident energies, so each generated metric
reads against the value a perfect generator would get.

The floor's second real sample is an independent real file (``other``, at its own energies)
or, by default, the other half of an energy-matched split of the real sample
(:func:`qhep.metrics.showers.energy_matched_split`). Generated showers sampled at the real
sample's own energies (``qhep sample --energies REAL``) are taken at the floor half's
energies, so both rows compare the same energies with the reference half.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qhep.metrics.showers import Layout, energy_matched_split, evaluate

__all__ = ["FloorComparison", "compare_with_floor"]

Sample = tuple[np.ndarray, np.ndarray]  # (showers (N, V) MeV, incident energies (N,) GeV)


@dataclass(frozen=True)
class FloorComparison:
    """Metrics of the floor and of the generated sample against one real reference.

    ``metrics``: ``{"real-vs-real": {...}, "generated": {...}}``, each as
    :func:`qhep.metrics.showers.evaluate` returns it; ``n``: showers per row; ``independent``:
    the floor came from an independent real file rather than a split; ``paired``: the
    generated showers were sampled at the real sample's energies one for one;
    ``incident_energy_ks``: KS statistic between the reference's and the generated incident
    energies (near 0 when matched); ``reference`` and ``generated``: the samples compared.
    """

    metrics: dict[str, dict[str, dict[str, float]]]
    n: int
    independent: bool
    paired: bool
    incident_energy_ks: float
    reference: Sample
    generated: Sample


def compare_with_floor(real: Sample, generated: Sample, *, other: Sample | None = None, seed: int = 0,
                       bootstrap: int = 10, layout: Layout | None = None) -> FloorComparison:
    """Score ``generated`` and a real-vs-real floor against the same real reference (showers MeV, energies GeV).

    ``other``: an independent real sample for the floor (first ``n`` showers of each, n the
    smallest size); default: an energy-matched split of ``real`` seeded with ``seed``, one half
    the reference, the other the floor. ``bootstrap`` resamplings give each metric's std.
    """
    from scipy import stats

    x, e = np.asarray(real[0]), np.asarray(real[1])
    gen_x, gen_e = np.asarray(generated[0]), np.asarray(generated[1])
    paired = len(gen_e) == len(e) and np.allclose(gen_e, e, rtol=1e-6)
    if other is not None:
        n = min(len(e), len(other[1]), len(gen_e))
        ref = np.arange(n)
        floor = (np.asarray(other[0])[:n], np.asarray(other[1])[:n])
        model = (gen_x[:n], gen_e[:n])
    else:
        a, b = energy_matched_split(e, np.random.default_rng(seed))
        n = min(len(a), len(gen_e))
        ref, b = a[:n], b[:n]
        floor = (x[b], e[b])
        model = (gen_x[b], gen_e[b]) if paired else (gen_x[:n], gen_e[:n])
    rows = {name: evaluate(x[ref], s, e[ref], en, seed=seed, bootstrap=bootstrap, layout=layout)
            for name, (s, en) in (("real-vs-real", floor), ("generated", model))}
    energy_ks = float(stats.ks_2samp(e[ref], model[1]).statistic)
    return FloorComparison(rows, int(n), other is not None, bool(paired), energy_ks, (x[ref], e[ref]), model)
