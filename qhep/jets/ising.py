"""Thrust as an Ising problem (Wei, Naik, Harrow, Thaler, arXiv:1908.08949), spin form.

For spins s_i = +-1 (hemisphere of particle i), |sum_i s_i p_i|^2 = sum_i |p_i|^2 +
2 sum_{i<j} (p_i . p_j) s_i s_j, so maximising it is the ground state of

    H = - sum_{i<j} (p_i . p_j) Z_i Z_j,

and T = |sum_i s_i p_i| / sum_i |p_i| = sqrt(sum_i |p_i|^2 - 2 <H>) / sum_i |p_i|. The
spin form holds for any event (the binary |P_S|^2 form needs zero total momentum
and gives T > 1 after a cut). The last particle's spin is fixed to +1 (H is
symmetric under s -> -s), so N particles need N - 1 qubits: its couplings become
fields -(p_i . p_N) Z_i. Qubit i is particle i; bit 1 means s_i = -1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qiskit.quantum_info import SparsePauliOp

__all__ = ["ThrustProblem", "thrust_ising"]


@dataclass
class ThrustProblem:
    """A thrust Ising problem: ``operator`` on N - 1 qubits, and what maps energies to thrust."""

    momenta: np.ndarray  # (N, 3) GeV
    operator: SparsePauliOp

    @property
    def num_qubits(self) -> int:
        """N - 1."""
        return self.operator.num_qubits

    @property
    def sum_abs_p(self) -> float:
        """sum_i |p_i|, GeV."""
        return float(np.linalg.norm(self.momenta, axis=1).sum())

    def spins(self, bits: np.ndarray) -> np.ndarray:
        """(K, N) spins from (K, N - 1) bits (bit 1 -> s = -1), last particle's spin +1."""
        bits = np.atleast_2d(bits)
        return np.concatenate([1 - 2 * bits, np.ones((bits.shape[0], 1))], axis=1)

    def bits_from_ints(self, ints: np.ndarray) -> np.ndarray:
        """(K, N - 1) bits of basis-state indices (Qiskit order: qubit i is bit i)."""
        return (np.asarray(ints)[:, None] >> np.arange(self.num_qubits)[None, :]) & 1

    def thrust(self, spins: np.ndarray) -> np.ndarray:
        """(K,) thrust of spin assignments (K, N)."""
        total = np.atleast_2d(spins) @ self.momenta
        return np.linalg.norm(total, axis=1) / self.sum_abs_p

    def thrust_from_energy(self, energy: np.ndarray) -> np.ndarray:
        """Thrust from <H> (GeV^2)."""
        p2 = float((self.momenta**2).sum())
        return np.sqrt(np.maximum(p2 - 2 * np.asarray(energy), 0)) / self.sum_abs_p

    def energies(self, ints: np.ndarray) -> np.ndarray:
        """H (GeV^2) of basis states given as integers, without building the full diagonal."""
        s = self.spins(self.bits_from_ints(np.asarray(ints, dtype=np.int64)))
        total = s @ self.momenta
        return -0.5 * (np.einsum("kx,kx->k", total, total) - float((self.momenta**2).sum()))

    def diagonal(self) -> np.ndarray:
        """H on every basis state (2**(N-1),), GeV^2: computed once per event."""
        return self.energies(np.arange(2**self.num_qubits))


def thrust_ising(momenta: np.ndarray) -> ThrustProblem:
    """The thrust Ising problem of an event's momenta (N, 3 or 4), N >= 2."""
    p = np.asarray(momenta, dtype=float)[:, :3]
    n = p.shape[0]
    if n < 2:
        raise ValueError("thrust as an Ising problem needs at least 2 particles")
    dots = p @ p.T
    terms = []
    for i in range(n - 1):
        for j in range(i + 1, n - 1):
            terms.append(("ZZ", [i, j], -dots[i, j]))
        terms.append(("Z", [i], -dots[i, n - 1]))
    op = SparsePauliOp.from_sparse_list(terms, num_qubits=n - 1).simplify(atol=0)
    return ThrustProblem(p, op)
