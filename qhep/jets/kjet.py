"""k-jet clustering as an Ising problem with compact labels: log2(k) qubits per particle.

Objective: split the particles into k groups maximising the sum over groups of the
cone jet function of Delgado & Thaler (:mod:`qhep.jets.cone`) at radius R,

    O_R = sum_jets (|P_jet|^2 - E_jet^2 cos R) / (1 - cos R) = sum_ij C_ij delta(l_i, l_j),
    C_ij = (p_i . p_j - E_i E_j cos R) / (1 - cos R).

For massless particles C_ij = E_i E_j (cos theta_ij - cos R) / (1 - cos R): particles
closer than R attract, farther than R repel, so R sets how far apart two jets must
be to stay separate. At R = pi/2, O = sum_jets |P_jet|^2, the plain k-group
generalisation of thrust (for k = 2 and zero total momentum O = 2 |P_hemisphere|^2).
That form is too weak for four jets: merging two jets at an acute angle raises
|P|^2, so on ZH events it returns two or three fat jets. Measured on 40 ee-zh events
pre-clustered to 6 proto-jets (``python benchmarks/jets/kjet.py --radius-scan --events 40``):
R = pi/2 gives 2.7 non-empty jets and a median jet-parton angle of 0.55 rad, R = 1.0
3.5 jets and 0.16 rad, R = 0.6 3.95 jets and 0.093 rad, R = 0.4 4.0 jets and 0.069 rad.
Moving particle i from
group a to b changes O by 2 sum_{j in b} C_ij - 2 sum_{j in a, j != i} C_ij, so at the
optimum each particle is bound more strongly to its own jet than to any other.
A group may stay empty when fewer than k jets are resolved at radius R.

Encoding: particle i's label is a b = log2(k)-bit integer on qubits b*i .. b*i+b-1
(bit j of the label on qubit b*i+j; bit 1 <-> Z = -1). delta(l_i, l_j) is
prod_bits (1 + Z_ib Z_jb) / 2, so H = -sum_{i<j} C_ij delta(l_i, l_j) has up to
4-body Z terms for k = 4. Labels are interchangeable, so the last particle's label is
fixed to 0: N particles need b (N - 1) qubits (one-hot labels would need k N).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from qhep.jets.cone import cone_coupling, jet_function

__all__ = ["DEFAULT_RADIUS", "KJetProblem", "kjet_ising"]

_CHUNK = 1 << 15


@dataclass
class KJetProblem:
    """A k-jet problem: ``operator`` on log2(k) (N - 1) qubits and the map to labels and O."""

    momenta: np.ndarray  # (N, 4) px, py, pz, E in GeV
    k: int
    radius: float
    coupling: np.ndarray  # C (N, N), GeV^2
    operator: SparsePauliOp

    @property
    def bits(self) -> int:
        """Qubits per particle, log2(k)."""
        return int(np.log2(self.k))

    @property
    def num_qubits(self) -> int:
        """log2(k) (N - 1)."""
        return self.operator.num_qubits

    def labels(self, ints: np.ndarray) -> np.ndarray:
        """(K, N) labels of basis states given as integers; the last particle has label 0."""
        ints = np.asarray(ints, dtype=np.int64)
        n = self.momenta.shape[0]
        shifts = self.bits * np.arange(n - 1)
        free = (ints[:, None] >> shifts[None, :]) & (self.k - 1)
        return np.concatenate([free, np.zeros((ints.size, 1), dtype=np.int64)], axis=1)

    def ints_from_labels(self, labels: np.ndarray) -> np.ndarray:
        """Basis-state integers of (K, N) labels, relabelled so the last particle has label 0."""
        labels = np.atleast_2d(labels)
        canon = (labels - labels[:, -1:]) % self.k  # a label permutation (cyclic shift) keeps O
        shifts = self.bits * np.arange(labels.shape[1] - 1)
        return (canon[:, :-1].astype(np.int64) << shifts[None, :]).sum(axis=1)

    def objective(self, labels: np.ndarray) -> np.ndarray:
        """(K,) O_R = sum over groups of (|P|^2 - E^2 cos R) / (1 - cos R), GeV^2, for (K, N) labels."""
        labels = np.atleast_2d(labels)
        onehot = labels[:, :, None] == np.arange(self.k)[None, None, :]
        jets = np.einsum("knc,nx->kcx", onehot.astype(float), self.momenta)
        return jet_function(jets, self.radius).sum(axis=1)

    def energies(self, ints: np.ndarray) -> np.ndarray:
        """H (GeV^2) of basis states: -(O - trace C) / 2."""
        ints = np.asarray(ints, dtype=np.int64)
        trace = float(np.trace(self.coupling))
        out = np.empty(ints.size)
        for start in range(0, ints.size, _CHUNK):
            part = ints[start:start + _CHUNK]
            out[start:start + _CHUNK] = -0.5 * (self.objective(self.labels(part)) - trace)
        return out

    def diagonal(self) -> np.ndarray:
        """H on every basis state (2**num_qubits,), GeV^2."""
        return self.energies(np.arange(2**self.num_qubits))


DEFAULT_RADIUS = 0.6  # rad: resolves the four jets of ee-zh at 240 GeV (see the module docstring)


def kjet_ising(momenta: np.ndarray, k: int = 4, radius: float = DEFAULT_RADIUS) -> KJetProblem:
    """The k-jet problem (k a power of two >= 2) of momenta (N, 4) (or (N, 3), taken massless), N >= 2.

    ``radius`` R in rad, 0 < R < pi; R = pi/2 gives sum_jets |P_jet|^2.
    """
    if k < 2 or k & (k - 1):
        raise ValueError(f"k must be a power of two >= 2 for compact labels, got {k}")
    p = np.asarray(momenta, dtype=float)
    if p.shape[1] == 3:
        p = np.column_stack([p, np.linalg.norm(p, axis=1)])
    n = p.shape[0]
    if n < 2:
        raise ValueError("k-jet clustering needs at least 2 particles")
    b = int(np.log2(k))
    coupling = cone_coupling(p, radius)
    terms = []
    for i, j in combinations(range(n), 2):
        for size in range(b + 1):
            for subset in combinations(range(b), size):
                # prod_bits (1 + Z_ib Z_jb)/2 expanded; particle n-1 has Z = +1 on every bit
                qubits = [b * i + s for s in subset] + ([b * j + s for s in subset] if j < n - 1 else [])
                terms.append(("Z" * len(qubits), qubits, -coupling[i, j] / 2**b))
    op = SparsePauliOp.from_sparse_list(terms, num_qubits=b * (n - 1)).simplify(atol=0)
    return KJetProblem(p, k, float(radius), coupling, op)
