"""Benchmark circuits with known ideal results (GHZ, mirror circuits).

Their task names (``ghz:N``, ``mirror:N``) and ideal outcomes are read in :mod:`qhep.studies.benchmarks`.
"""

from __future__ import annotations

import numpy as np
from qiskit.circuit import QuantumCircuit

from qhep.errors import CircuitError

__all__ = ["ghz", "mirror"]


def ghz(num_qubits: int, *, measure: bool = True) -> QuantumCircuit:
    """GHZ state (|0...0> + |1...1>)/sqrt(2); ideal counts are half all-0, half all-1."""
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, int | np.integer) or num_qubits < 1:
        raise CircuitError(f"GHZ circuits need at least 1 qubit, got {num_qubits!r}")
    qc = QuantumCircuit(num_qubits, name=f"ghz{num_qubits}")
    qc.h(0)
    for q in range(num_qubits - 1):
        qc.cx(q, q + 1)
    if measure:
        qc.measure_all()
    return qc


def mirror(num_qubits: int, num_two_qubit: int = 10, *, seed: int = 0) -> QuantumCircuit:
    """A random layer of >= ``num_two_qubit`` CX gates with 1q rotations, then its inverse.

    The ideal state is |0...0>, so every Z-string has expectation value +1.

    Raises:
        CircuitError: fewer than 2 qubits (no CX fits, so no layer could ever be built).
    """
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, int | np.integer) or num_qubits < 2:
        raise CircuitError(f"mirror circuits need at least 2 qubits (a CX layer), got {num_qubits!r}")
    rng = np.random.default_rng(seed)
    layer = QuantumCircuit(num_qubits)
    count = 0
    while count < num_two_qubit:
        for q in range(num_qubits):
            layer.ry(float(rng.uniform(0, np.pi)), q)
            layer.rz(float(rng.uniform(0, 2 * np.pi)), q)
        # alternate brick offsets; 2 qubits have one pair only, so the offset stays 0
        for q in range(count % 2 if num_qubits > 2 else 0, num_qubits - 1, 2):
            layer.cx(q, q + 1)
            count += 1
    qc = layer.copy()
    qc.barrier()  # keeps the transpiler from cancelling the layer against its inverse
    qc.compose(layer.inverse(), inplace=True)
    qc.name = f"mirror{num_qubits}x{count}"
    return qc
