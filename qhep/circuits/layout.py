"""Facts about a circuit that the Runners, mitigation and cost models share: which qubit each clbit measures, size."""

from __future__ import annotations

from qiskit.circuit import QuantumCircuit

__all__ = ["circuit_stats", "measured_layout"]


def measured_layout(circuit: QuantumCircuit) -> dict[int, int]:
    """Map clbit index -> qubit index from the circuit's (last) measurement into each clbit."""
    mapping: dict[int, int] = {}
    for inst in circuit.data:
        if inst.operation.name == "measure":
            for q, c in zip(inst.qubits, inst.clbits):
                mapping[circuit.find_bit(c).index] = circuit.find_bit(q).index
    return mapping


def circuit_stats(circuit: QuantumCircuit) -> dict:
    """Depth, two-qubit gate count and size of a (transpiled) circuit (barriers and delays not counted)."""
    two_q = sum(1 for inst in circuit.data if inst.operation.num_qubits == 2
                and inst.operation.name not in ("barrier",))
    return {"depth": circuit.depth(lambda inst: inst.operation.name not in ("barrier", "delay")),
            "two_qubit_gates": two_q, "size": circuit.size(), "num_qubits": circuit.num_qubits}
