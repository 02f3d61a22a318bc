"""Ansatz builders for the generative models; every circuit has named ``ParameterVector``s.

- :func:`generator_ansatz`: hybrid-qGAN generator. Inputs (latent angles, one per
  qubit, and a condition c in [0, 1]) are re-uploaded in every layer as
  RY(z_q) RZ(pi c); each layer adds trainable RY, RZ per qubit and a CZ ring.
- :func:`mera_upsampling_ansatz`: quantum angle generator (Rehm et al., arXiv:2307.05253):
  latent angles on a few qubits, then MERA-like upsampling steps that double the
  active qubits (isometry RY + CX from each active qubit to a new one) followed by
  disentanglers (RY on both qubits + CZ) between neighbours.
- :func:`iqp_circuit`: IQP Born machine H^n exp(-i sum_g theta_g Z_g) H^n with
  single-qubit and pair generators g; Qiskit gates RZ(2 theta), RZZ(2 theta).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector

__all__ = ["generator_ansatz", "grid_pairs", "iqp_circuit", "mera_upsampling_ansatz"]


def generator_ansatz(n_qubits: int, n_layers: int = 3) -> tuple[QuantumCircuit, ParameterVector, ParameterVector]:
    """(circuit, inputs [z_0..z_{n-1}, c], weights): 2 n L + n weights, measured on all qubits."""
    x = ParameterVector("x", n_qubits + 1)
    w = ParameterVector("w", 2 * n_qubits * n_layers + n_qubits)
    qc = QuantumCircuit(n_qubits)
    k = 0
    for _ in range(n_layers):
        for q in range(n_qubits):
            qc.ry(x[q], q)
            qc.rz(math.pi * x[n_qubits], q)
        for q in range(n_qubits):
            qc.ry(w[k], q)
            qc.rz(w[k + 1], q)
            k += 2
        for q in range(n_qubits if n_qubits > 2 else n_qubits - 1):
            qc.cz(q, (q + 1) % n_qubits)
    for q in range(n_qubits):
        qc.ry(w[k], q)
        k += 1
    qc.measure_all()
    return qc, x, w


def mera_upsampling_ansatz(n_qubits: int = 8, n_latent: int = 2) -> tuple[QuantumCircuit, ParameterVector,
                                                                         ParameterVector]:
    """(circuit, inputs [z_0..z_{k-1}, c], weights) for ``n_qubits`` = n_latent * 2**steps."""
    steps = int(round(math.log2(n_qubits / n_latent)))
    if n_latent * 2**steps != n_qubits:
        raise ValueError(f"n_qubits ({n_qubits}) must be n_latent ({n_latent}) times a power of two")
    x = ParameterVector("x", n_latent + 1)
    weights: list = []
    qc = QuantumCircuit(n_qubits)
    stride = n_qubits // n_latent
    active = [i * stride for i in range(n_latent)]

    def new(count: int) -> list:
        start = len(weights)
        weights.extend(range(start, start + count))
        return list(range(start, start + count))

    # placeholder indices, bound to a ParameterVector at the end
    ops: list[tuple] = []
    for j, q in enumerate(active):
        ops.append(("ry_in", q, j))
        ops.append(("rz_c", q))
        (a,) = new(1)
        ops.append(("ry", q, a))
    for _ in range(steps):
        stride //= 2
        fresh = [q + stride for q in active]
        for q, f in zip(active, fresh):
            (a,) = new(1)
            ops.append(("ry", f, a))
            ops.append(("cx", q, f))
        active = sorted(active + fresh)
        for i in range(len(active) - 1):
            a, b = new(2)
            ops.append(("ry", active[i], a))
            ops.append(("ry", active[i + 1], b))
            ops.append(("cz", active[i], active[i + 1]))
    w = ParameterVector("w", len(weights))
    for op in ops:
        if op[0] == "ry_in":
            qc.ry(x[op[2]], op[1])
        elif op[0] == "rz_c":
            qc.rz(math.pi * x[n_latent], op[1])
        elif op[0] == "ry":
            qc.ry(w[op[2]], op[1])
        elif op[0] == "cx":
            qc.cx(op[1], op[2])
        else:
            qc.cz(op[1], op[2])
    qc.measure_all()
    return qc, x, w


def grid_pairs(rows: int, cols: int) -> list[tuple[int, int]]:
    """Nearest-neighbour pairs of a rows x cols pixel grid (pixel r * cols + c)."""
    pairs = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                pairs.append((i, i + 1))
            if r + 1 < rows:
                pairs.append((i, i + cols))
    return pairs


def iqp_circuit(n_qubits: int, pairs: Sequence[tuple[int, int]] | None = None, measure: bool = True
                ) -> tuple[QuantumCircuit, ParameterVector, list[tuple[int, ...]]]:
    """(circuit, theta, generators): generators are the singles then ``pairs`` (default: all pairs)."""
    if pairs is None:
        pairs = [(i, j) for i in range(n_qubits) for j in range(i + 1, n_qubits)]
    gens: list[tuple[int, ...]] = [(i,) for i in range(n_qubits)] + [tuple(p) for p in pairs]
    theta = ParameterVector("theta", len(gens))
    qc = QuantumCircuit(n_qubits)
    qc.h(range(n_qubits))
    for k, g in enumerate(gens):
        if len(g) == 1:
            qc.rz(2 * theta[k], g[0])
        else:
            qc.rzz(2 * theta[k], g[0], g[1])
    qc.h(range(n_qubits))
    if measure:
        qc.measure_all()
    return qc, theta, gens
