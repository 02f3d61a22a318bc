"""Hardware-aware thrust: drop the weakest couplings so the routed circuit is shorter.

The thrust Ising problem is all-to-all (N(N-1)/2 ZZ terms), and on a heavy-hex device
every coupling between distant qubits costs SWAPs. Most of |p_i . p_j| sits in a few
pairs of hard particles, so keeping only the strongest couplings (every single-qubit
field, which comes from the fixed particle, is kept) gives a shorter circuit whose
optimum is often still the full problem's. What that costs is measured on the full
cost: :func:`z_diagonal` gives any Z-only operator's diagonal, so the sparse QAOA state
can be scored on the full thrust energy.
"""

from __future__ import annotations

import numpy as np
from qiskit.quantum_info import SparsePauliOp

__all__ = ["sparsify", "z_diagonal"]


def sparsify(operator: SparsePauliOp, keep: float) -> SparsePauliOp:
    """The operator with every Z field and the ``keep`` fraction (0..1] of ZZ terms of largest |coefficient|."""
    if not 0 < keep <= 1:
        raise ValueError(f"keep is a fraction in (0, 1], got {keep}")
    weight = operator.paulis.z.sum(axis=1)
    if np.any(operator.paulis.x):
        raise ValueError("sparsify takes Z-only (diagonal) operators")
    pairs = np.flatnonzero(weight == 2)
    n_keep = int(np.ceil(keep * pairs.size))
    strongest = pairs[np.argsort(-np.abs(operator.coeffs[pairs]), kind="stable")[:n_keep]]
    chosen = np.sort(np.concatenate([np.flatnonzero(weight != 2), strongest]))
    return SparsePauliOp(operator.paulis[chosen], operator.coeffs[chosen])


def z_diagonal(operator: SparsePauliOp) -> np.ndarray:
    """Diagonal (2**n,) of a Z-only operator: sum_t c_t (-1)^(popcount(x & mask_t)), qubit i = bit i of x."""
    if np.any(operator.paulis.x):
        raise ValueError("z_diagonal takes Z-only (diagonal) operators")
    n = operator.num_qubits
    ints = np.arange(2**n, dtype=np.int64)
    masks = (operator.paulis.z.astype(np.int64) << np.arange(n)).sum(axis=1)
    diag = np.zeros(2**n)
    for mask, coeff in zip(masks, operator.coeffs.real, strict=True):
        parity = np.zeros(2**n, dtype=np.int64)
        m = int(mask)
        while m:
            low = m & -m
            parity ^= (ints & low) != 0
            m ^= low
        diag += coeff * (1 - 2 * parity)
    return diag
