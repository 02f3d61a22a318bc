"""Zero-noise extrapolation: mitiq's global folding and mitiq's extrapolation factories.

Folding acts on the *bound* circuit in the target's basis; the folded circuit is
then only basis-translated (``sxdg`` from the fold back to ``rz``/``sx``), never
re-optimised, which would cancel U U^dagger pairs and undo the noise scaling.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit.circuit import QuantumCircuit

__all__ = ["extrapolate", "fold", "fold_parametric", "is_odd_scale"]


def is_odd_scale(scale: float) -> bool:
    """True for 1, 3, 5, ...: the scales global folding reaches exactly."""
    return scale >= 1 and float(scale).is_integer() and int(scale) % 2 == 1


def fold_parametric(circuit: QuantumCircuit, scale: float) -> QuantumCircuit | None:
    """U (U^dagger U)^k for an odd integer ``scale`` = 2k + 1, on a circuit that may keep its parameters.

    Global folding of the unitary part with final measurements re-appended, so a
    parametrised transpiled circuit is folded once and bound many times (mitiq's
    ``fold_global`` works on bound circuits, one conversion per parameter set).
    Returns None when ``scale`` is not an odd integer or measurements are not final,
    so the caller falls back to :func:`fold`.
    """
    if not is_odd_scale(scale):
        return None
    k2 = scale - 1.0
    unitary = circuit.copy_empty_like()
    measures = []
    for inst in circuit.data:
        name = inst.operation.name
        if name in ("delay", "barrier"):
            continue
        if name == "measure":
            measures.append(inst)
        elif measures:
            return None  # a gate after a measurement: not a final-measurement circuit
        else:
            unitary.append(inst)
    folded = unitary.copy()
    inverse = unitary.inverse()
    for _ in range(int(k2) // 2):
        folded.compose(inverse, inplace=True)
        folded.compose(unitary, inplace=True)
    for inst in measures:
        folded.append(inst)
    return folded


def fold(circuit: QuantumCircuit, scale: float) -> QuantumCircuit:
    """Globally folded copy of ``circuit`` (U -> U (U^dagger U)^n, partial folds for non-odd scale).

    Delays are removed first (mitiq converts through OpenQASM 2, which has no
    ``delay``); DD pulses, being gates, are folded with the rest.
    """
    from mitiq.zne.scaling import fold_global

    clean = circuit.copy_empty_like()
    for inst in circuit.data:
        if inst.operation.name not in ("delay", "barrier"):
            clean.append(inst)
    if scale == 1.0:
        return clean
    return fold_global(clean, float(scale))


def extrapolate(scales: Sequence[float], values: Sequence[float], method: str = "linear") -> float:
    """Zero-noise value from values measured at ``scales`` using mitiq's factories."""
    from mitiq.zne.inference import ExpFactory, LinearFactory, PolyFactory, RichardsonFactory

    scales = [float(s) for s in scales]
    values = [float(v) for v in values]
    if method == "linear":
        return float(LinearFactory.extrapolate(scales, values))
    if method == "richardson":
        return float(RichardsonFactory.extrapolate(scales, values))
    if method == "poly2":
        return float(PolyFactory.extrapolate(scales, values, order=2))
    if method == "exponential":
        # asymptote 0 for Pauli expectation values under depolarising-like noise
        sign = 1.0 if np.mean(values) >= 0 else -1.0
        if min(sign * np.asarray(values)) <= 0:
            return float(LinearFactory.extrapolate(scales, values))
        return float(ExpFactory.extrapolate(scales, values, asymptote=0.0))
    raise ValueError(f"unknown extrapolator {method!r}")
