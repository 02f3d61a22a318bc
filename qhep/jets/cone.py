"""The cone jet function of Delgado & Thaler (arXiv:2205.02814) as a QUBO: find one jet of radius R.

For x_i = 1 when particle i is in the jet, maximise

    O(x) = sum_ij x_i x_j C_ij,   C_ij = (p_i . p_j - E_i E_j cos R) / (1 - cos R),

which is (|P_J|^2 - E_J^2 cos R) / (1 - cos R), i.e. |P_J|^2 - M_J^2 cos R / (1 - cos R)
for the jet's momentum P_J, energy E_J and mass M_J. A particle joins when it adds
more momentum than the mass penalty it brings, which for massless particles means
lying within about angle R of the jet axis: a cone jet without a seed.

At R = pi/2 (cos R = 0) O = |P_J|^2, the binary form of thrust. It equals the thrust
problem only when the particles' total momentum is zero (then P_J = -P_rest and
max |P_J| = T sum|p| / 2); after a selection cut, or on a sub-set of an event, the
binary form is a different problem and can give ``T > 1`` - use the spin form of
:mod:`qhep.jets.ising` for thrust.

Qubit i is particle i; bit 1 <-> x_i = 1 <-> Z_i = -1. H = -O, with x_i = (1 - Z_i) / 2;
the identity term is kept so H's eigenvalues are -O exactly. No symmetry: N qubits.
Jets beyond the first: remove its particles and solve again (``cone_jets``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qiskit.quantum_info import SparsePauliOp

__all__ = ["ConeJetProblem", "cone_coupling", "cone_jet_qubo", "jet_function"]


@dataclass
class ConeJetProblem:
    """One-jet QUBO: ``operator`` (N qubits) with H = -O; ``coupling`` is C (N, N), GeV^2."""

    momenta: np.ndarray  # (N, 4) px, py, pz, E in GeV
    radius: float
    coupling: np.ndarray
    operator: SparsePauliOp

    @property
    def num_qubits(self) -> int:
        """N."""
        return self.operator.num_qubits

    def members(self, ints: np.ndarray) -> np.ndarray:
        """(K, N) 0/1 jet membership of basis states given as integers."""
        return (np.asarray(ints, dtype=np.int64)[:, None] >> np.arange(self.num_qubits)[None, :]) & 1

    def objective(self, members: np.ndarray) -> np.ndarray:
        """(K,) O(x), GeV^2."""
        x = np.atleast_2d(members).astype(float)
        return np.einsum("ki,ij,kj->k", x, self.coupling, x)

    def energies(self, ints: np.ndarray) -> np.ndarray:
        """H = -O (GeV^2) of basis states."""
        return -self.objective(self.members(ints))

    def diagonal(self) -> np.ndarray:
        """H on every basis state (2**N,), GeV^2."""
        return self.energies(np.arange(2**self.num_qubits))


def _check_radius(radius: float) -> None:
    if not 0 < radius < np.pi:
        raise ValueError(f"jet radius must lie in (0, pi), got {radius}")


def cone_coupling(p4: np.ndarray, radius: float) -> np.ndarray:
    """C_ij = (p_i . p_j - E_i E_j cos R) / (1 - cos R) (N, N), GeV^2, of four-momenta (N, 4)."""
    _check_radius(radius)
    cos_r = np.cos(radius)
    return (p4[:, :3] @ p4[:, :3].T - np.outer(p4[:, 3], p4[:, 3]) * cos_r) / (1 - cos_r)


def jet_function(jets: np.ndarray, radius: float) -> np.ndarray:
    """(|P|^2 - E^2 cos R) / (1 - cos R) of jet four-momenta (..., 4), GeV^2."""
    _check_radius(radius)
    cos_r = np.cos(radius)
    return ((jets[..., :3] ** 2).sum(axis=-1) - jets[..., 3] ** 2 * cos_r) / (1 - cos_r)


def cone_jet_qubo(p4: np.ndarray, radius: float) -> ConeJetProblem:
    """The cone jet function of particles (N, 4) (px, py, pz, E; GeV) at radius R (rad, 0 < R < pi)."""
    p = np.asarray(p4, dtype=float)
    if p.ndim != 2 or p.shape[1] != 4:
        raise ValueError("the cone jet function needs four-momenta (N, 4): px, py, pz, E")
    c = cone_coupling(p, radius)
    n = p.shape[0]
    # -sum_ij C_ij x_i x_j with x = (1 - Z)/2: diagonal C_ii x_i, pairs 2 C_ij x_i x_j
    terms = [("", [], -(np.trace(c) / 2 + (c.sum() - np.trace(c)) / 4))]
    for i in range(n):
        terms.append(("Z", [i], c[i, i] / 2 + (c[i].sum() - c[i, i]) / 2))
        for j in range(i + 1, n):
            terms.append(("ZZ", [i, j], -c[i, j] / 2))
    op = SparsePauliOp.from_sparse_list(terms, num_qubits=n).simplify(atol=0)
    return ConeJetProblem(p, float(radius), c, op)
