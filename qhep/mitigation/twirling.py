"""Pauli twirling of two-qubit gates (Qiskit's ``pauli_twirl_2q_gates``)."""

from __future__ import annotations

from qiskit.circuit import QuantumCircuit, pauli_twirl_2q_gates
from qiskit.transpiler import Target

__all__ = ["twirl"]


def twirl(
    circuit: QuantumCircuit, num_twirls: int, seed: int | None, target: Target | None = None
) -> list[QuantumCircuit]:
    """``num_twirls`` logically equivalent copies with random Paulis around each 2q gate."""
    out = pauli_twirl_2q_gates(circuit, seed=seed, num_twirls=num_twirls, target=target)
    return out if isinstance(out, list) else [out]
