"""Exact thrust T = max_n sum_i |p_i . n| / sum_i |p_i| and its axis.

The optimal axis is the direction of sum_i s_i p_i for some sign assignment s, and
every optimal assignment is fixed by a plane through two particle momenta: for
each pair (i, j) the plane with normal p_i x p_j splits the other particles, and
the four sign choices of i and j complete the candidate. That is O(N^2) candidates
of O(N) work each, the exact O(N^3) algorithm (also used by Pythia's ``Thrust``).
Written by hand because no maintained Python library exposes it on arrays.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exact_thrust"]


def exact_thrust(p: np.ndarray) -> tuple[float, np.ndarray]:
    """(T, unit axis) for momenta ``p`` of shape (N, 3) or (N, 4) (E column ignored), GeV."""
    p = np.asarray(p, dtype=np.float64)[:, :3]
    n = p.shape[0]
    norm = np.linalg.norm(p, axis=1).sum()
    if n == 0 or norm == 0:
        raise ValueError("thrust needs at least one particle with non-zero momentum")
    if n == 1:
        return 1.0, p[0] / np.linalg.norm(p[0])
    i, j = np.triu_indices(n, k=1)
    normals = np.cross(p[i], p[j])  # (P, 3)
    signs = np.sign(p @ normals.T)  # (N, P)
    cols = np.arange(i.size)
    signs[i, cols] = 0.0
    signs[j, cols] = 0.0
    base = signs.T @ p  # (P, 3)
    best_val, best_vec = -1.0, p[0]
    for si in (1.0, -1.0):
        for sj in (1.0, -1.0):
            cand = base + si * p[i] + sj * p[j]
            mag = np.einsum("pk,pk->p", cand, cand)
            k = int(np.argmax(mag))
            if mag[k] > best_val:
                best_val, best_vec = float(mag[k]), cand[k]
    total = np.linalg.norm(best_vec)
    return float(total / norm), best_vec / total
