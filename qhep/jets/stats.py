"""Errors for the jet tables: binomial fractions, thrust residuals, bootstrap percentiles.

- :func:`binomial`: a fraction of n events with its standard error sqrt(p(1-p)/n) and
  the Wilson 68 % interval (which stays inside [0, 1] at p = 0 or 1, where the plain
  standard error is zero);
- :func:`rel_delta_1mt`: Delta(1-T)/(1-T) = (T_exact - T) / (1 - T_exact), the relative
  error on 1 - T, the quantity LEP measured (a 1 % error on T is about 14 % on 1 - T
  at the Z pole, where the mean 1 - T is about 0.066);
- :func:`bootstrap_quantile`: a quantile over events and its bootstrap standard error,
  optionally paired with a second per-event array (the difference of two methods on
  the same events, resampled together, so the events' shared spread cancels);
- :func:`thrust_summary`: the thrust table row of a set of events (fractions within 1 %
  and exact, with errors; percentiles of Delta(1-T)/(1-T), split into pre-clustering and
  solver parts).

Events are the resampled unit; QAOA angles are learnt on separate events, so the
bootstrap has no train/test leakage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Binomial", "Quantile", "binomial", "bootstrap_quantile", "rel_delta_1mt", "thrust_summary"]


@dataclass(frozen=True)
class Binomial:
    """k successes of n: fraction, standard error, Wilson 68 % interval."""

    k: int
    n: int
    p: float
    se: float
    low: float
    high: float

    def __str__(self) -> str:
        """``p ± se``; at p = 0 or 1, where se is 0, the Wilson bound instead."""
        if self.k == 0:
            return f"0.000 (< {self.high:.3f})"
        if self.k == self.n:
            return f"1.000 (> {self.low:.3f})"
        return f"{self.p:.3f} ± {self.se:.3f}"


def binomial(successes: np.ndarray | int, n: int | None = None, z: float = 1.0) -> Binomial:
    """Binomial fraction of a boolean array (or ``successes`` of ``n``), Wilson interval at ``z`` sigma."""
    if n is None:
        arr = np.asarray(successes, dtype=bool)
        k, n = int(arr.sum()), int(arr.size)
    else:
        k = int(successes)
    if n <= 0:
        raise ValueError("a fraction needs at least one event")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Binomial(k, n, p, float(np.sqrt(p * (1 - p) / n)), float(centre - half), float(centre + half))


def rel_delta_1mt(thrust: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """(T_exact - T) / (1 - T_exact) per event: the relative error on 1 - T (>= 0 when T <= T_exact)."""
    t, t_ex = np.asarray(thrust, dtype=float), np.asarray(exact, dtype=float)
    return (t_ex - t) / np.maximum(1.0 - t_ex, 1e-12)


@dataclass(frozen=True)
class Quantile:
    """A quantile over events and its bootstrap standard error."""

    value: float
    se: float

    def __str__(self) -> str:
        return f"{self.value:.4f} ± {self.se:.4f}"


def bootstrap_quantile(x: np.ndarray, q: float, *, minus: np.ndarray | None = None, n_boot: int = 2000,
                       seed: int = 0) -> Quantile:
    """Quantile ``q`` (0..1) of ``x`` (or of quantile(x) - quantile(minus), events resampled together)."""
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        raise ValueError("a quantile needs at least one event")
    y = None if minus is None else np.asarray(minus, dtype=float)
    if y is not None and y.shape != x.shape:
        raise ValueError(f"paired arrays differ in shape: {x.shape} and {y.shape}")

    def stat(idx: np.ndarray | slice) -> np.ndarray:
        v = np.quantile(x[idx], q, axis=-1)
        return v if y is None else v - np.quantile(y[idx], q, axis=-1)

    idx = np.random.default_rng(seed).integers(0, x.size, size=(n_boot, x.size))
    return Quantile(float(stat(slice(None))), float(np.std(stat(idx), ddof=1)))


def thrust_summary(thrust: np.ndarray, exact: np.ndarray, found: np.ndarray, floor: np.ndarray | None = None
                   ) -> dict[str, float]:
    """Thrust metrics with binomial standard errors (``*_se``) and percentiles of Delta(1-T)/(1-T).

    ``thrust``, ``exact``: T of the method and the exact T per event (dimensionless);
    ``found``: 1/0 the solver found its problem's optimum (NaN: unknown, left out).
    ``floor``: the best T of the proto-jets (NaN or absent: not recorded), which splits
    Delta(1-T)/(1-T) into the pre-clustering part (``*_floor``) and the solver's part
    ``(T_floor - T) / (1 - T_exact)`` (``*_solver``), so a table says which one limits a method.
    """
    t, t_exact, found = (np.asarray(a, dtype=float) for a in (thrust, exact, found))
    within, exact_found = binomial(t >= 0.99 * t_exact), binomial(t >= t_exact - 1e-9)
    rel = rel_delta_1mt(t, t_exact)
    out = {"within_1pct": within.p, "within_1pct_se": within.se, "exact_found": exact_found.p,
           "exact_found_se": exact_found.se, "optimum_found": float("nan"), "optimum_found_se": float("nan"),
           "mean_rel_delta_1mT": float(np.mean(rel)), "median_rel_delta_1mT": float(np.median(rel)),
           "p90_rel_delta_1mT": float(np.quantile(rel, 0.9)), "approximation_ratio": float(np.mean(t / t_exact))}
    known = found[np.isfinite(found)]
    if known.size:
        opt = binomial(known > 0.5)
        out["optimum_found"], out["optimum_found_se"] = opt.p, opt.se
    if floor is not None and np.isfinite(floor).all():
        floor = np.asarray(floor, dtype=float)
        rel_floor = rel_delta_1mt(floor, t_exact)
        rel_solver = (floor - t) / np.maximum(1 - t_exact, 1e-12)
        out.update({"median_rel_delta_1mT_floor": float(np.median(rel_floor)),
                    "p90_rel_delta_1mT_floor": float(np.quantile(rel_floor, 0.9)),
                    "median_rel_delta_1mT_solver": float(np.median(rel_solver)),
                    "p90_rel_delta_1mT_solver": float(np.quantile(rel_solver, 0.9))})
    return out
