"""Circuit builders and readers: every circuit is a ``QuantumCircuit`` with named parameters."""

from __future__ import annotations

from qhep.circuits.ansatz import generator_ansatz, grid_pairs, iqp_circuit, mera_upsampling_ansatz
from qhep.circuits.benchmark import ghz, mirror
from qhep.circuits.qasm import load_qasm

__all__ = ("generator_ansatz", "ghz", "grid_pairs", "iqp_circuit", "load_qasm", "mera_upsampling_ansatz", "mirror")


def __dir__() -> tuple[str, ...]:
    return __all__
