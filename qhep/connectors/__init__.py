"""Torch modules around Qiskit circuits: exact fast gradients on simulators, shot-based gradients elsewhere."""

from __future__ import annotations

from qhep.connectors.gradients import AngleCircuit, angle_circuit, parameter_shift_vjp, spsa_vjp
from qhep.connectors.module import QuantumModule

__all__ = ("AngleCircuit", "QuantumModule", "angle_circuit", "parameter_shift_vjp", "spsa_vjp")


def __dir__() -> tuple[str, ...]:
    return __all__
