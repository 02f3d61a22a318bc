"""Circuit builders and readers: every circuit is a ``QuantumCircuit`` with named parameters."""

from __future__ import annotations

from qhep.circuits.benchmark import ghz, mirror
from qhep.circuits.qasm import load_qasm

__all__ = ("ghz", "load_qasm", "mirror")


def __dir__() -> tuple[str, ...]:
    return __all__
