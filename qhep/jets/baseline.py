"""The uniformly random baseline every quantum solver must beat: best of K random assignments.

QAOA's answer is the best of K sampled bitstrings, so the fair classical reference draws
the same K bitstrings uniformly (no quantum state at all) and keeps the best. Its
quality has closed forms on a cost diagonal C (2**n,), used to check the sampler and
to quote the baseline without sampling noise:

- one uniform draw is the optimum with probability m / 2**n (m optimal states);
- the best of K draws (with replacement) is the optimum with probability 1 - (1 - m/2**n)**K;
- with the energies sorted e_1 <= ... <= e_M (M = 2**n), the best of K draws is e_i
  with probability ((M - i + 1)/M)**K - ((M - i)/M)**K (order statistics), which gives
  its expected energy and approximation ratio (E_max - E) / (E_max - E_min).
"""

from __future__ import annotations

import numpy as np

__all__ = ["approximation_ratio", "expected_best_of_k", "p_optimum_best_of_k", "random_assignments"]


def random_assignments(problem, k: int, rng: np.random.Generator) -> int:
    """Basis-state integer of the lowest-energy of ``k`` uniformly random assignments.

    ``problem`` needs ``num_qubits`` and ``energies(ints)``; no cost diagonal is built, so
    this works at any size.
    """
    if k < 1:
        raise ValueError(f"best of K random assignments needs K >= 1, got {k}")
    draws = rng.integers(0, 2**problem.num_qubits, size=k, dtype=np.int64)
    return int(draws[np.argmin(problem.energies(draws))])


def expected_best_of_k(diag: np.ndarray, k: int) -> float:
    """Exact expectation of the lowest of ``k`` uniform draws (with replacement) from ``diag``."""
    e = np.sort(np.asarray(diag, dtype=float))
    m = e.size
    above = (m - np.arange(m + 1)) / m  # P(one draw has rank > i), i = 0..M
    weights = above[:-1] ** k - above[1:] ** k
    return float(weights @ e)


def p_optimum_best_of_k(diag: np.ndarray, k: int, atol: float = 1e-9) -> float:
    """Probability that the best of ``k`` uniform draws is an optimum of ``diag``."""
    d = np.asarray(diag, dtype=float)
    share = np.count_nonzero(d <= d.min() + atol * max(1.0, abs(d.min()))) / d.size
    return float(1.0 - (1.0 - share) ** k)


def approximation_ratio(energy: np.ndarray | float, diag: np.ndarray) -> np.ndarray | float:
    """(E_max - E) / (E_max - E_min) on the problem's diagonal: 1 at the optimum, 0 at the worst."""
    d = np.asarray(diag, dtype=float)
    return (d.max() - np.asarray(energy, dtype=float)) / (d.max() - d.min())
