"""Target-aware preset pass managers, with dynamical decoupling as an option.

Thin layer over ``qiskit.transpiler.generate_preset_pass_manager``: qhep only
adds the scheduling stage for DD and a basis-translation-only manager used after
ZNE folding (any optimisation there would cancel the folds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qiskit.circuit.library import XGate, YGate
from qiskit.transpiler import PassManager, Target, generate_preset_pass_manager
from qiskit.transpiler.passes import (
    ALAPScheduleAnalysis,
    BasisTranslator,
    PadDynamicalDecoupling,
)

__all__ = ["TranspileOptions", "basis_only_pass_manager", "build_pass_manager"]

DDSequence = Literal["XX", "XY4"]


@dataclass(frozen=True)
class TranspileOptions:
    """Options of a transpilation; hashable, so part of the cache key.

    Attributes:
        optimization_level: 0-3, as in Qiskit.
        layout_method / routing_method: Qiskit plugin names, ``None`` for the preset default.
        dd: insert a dynamical-decoupling sequence into idle windows (needs gate durations).
        dd_sequence: ``"XX"`` or ``"XY4"``.
        seed: transpiler seed, so layouts are reproducible.
    """

    optimization_level: int = 1
    layout_method: str | None = None
    routing_method: str | None = None
    dd: bool = False
    dd_sequence: DDSequence = "XX"
    seed: int | None = 1234


def _dd_gates(sequence: DDSequence) -> list:
    if sequence == "XY4":
        return [XGate(), YGate(), XGate(), YGate()]
    return [XGate(), XGate()]


def build_pass_manager(target: Target, options: TranspileOptions) -> PassManager:
    """Preset pass manager for ``target``; with ``options.dd``, ALAP scheduling plus DD padding."""
    pm = generate_preset_pass_manager(
        optimization_level=options.optimization_level,
        target=target,
        layout_method=options.layout_method,
        routing_method=options.routing_method,
        seed_transpiler=options.seed,
    )
    if options.dd:
        has_durations = any(
            props is not None and props.duration
            for by_qargs in target.values()
            for props in (by_qargs or {}).values()
        )
        if not has_durations:
            raise ValueError("dynamical decoupling needs gate durations; this target has none")
        pm.scheduling = PassManager(
            [
                ALAPScheduleAnalysis(target=target),
                PadDynamicalDecoupling(target=target, dd_sequence=_dd_gates(options.dd_sequence)),
            ]
        )
    return pm


def basis_only_pass_manager(basis_gates: list[str]) -> PassManager:
    """Translate to ``basis_gates`` and nothing else: keeps ZNE folds and DD pulses intact."""
    from qiskit.circuit.equivalence_library import SessionEquivalenceLibrary

    return PassManager([BasisTranslator(SessionEquivalenceLibrary, basis_gates)])
