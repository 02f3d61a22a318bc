"""Which qubit each classical bit measures: shared by the Runners and by executor-agnostic mitigation."""

from __future__ import annotations

from qiskit.circuit import QuantumCircuit

__all__ = ["measured_layout"]


def measured_layout(circuit: QuantumCircuit) -> dict[int, int]:
    """Map clbit index -> qubit index from the circuit's (last) measurement into each clbit."""
    mapping: dict[int, int] = {}
    for inst in circuit.data:
        if inst.operation.name == "measure":
            for q, c in zip(inst.qubits, inst.clbits):
                mapping[circuit.find_bit(c).index] = circuit.find_bit(q).index
    return mapping
