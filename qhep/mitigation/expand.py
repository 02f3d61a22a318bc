"""Mitigation's first half: the circuits to run (mitiq's ``construct_circuits`` step).

Each function takes the circuit a user wants and returns the circuits an executor
must run instead: folded copies for ZNE, the two readout-calibration circuits,
Pauli-twirled copies. They know nothing of backends, so the same expansion
serves qhep's Runners and any ``executor(circuits)`` a user brings;
:mod:`qhep.mitigation.combine` turns the executor's results back into one answer.

Executors must not re-optimise folded circuits (``optimization_level=0`` or a basis
translation only), or ``U U^dagger`` pairs cancel and the noise is not scaled.
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit.circuit import QuantumCircuit

from qhep.mitigation.twirling import twirl
from qhep.mitigation.zne import fold, fold_parametric
from qhep.transpile.passes import basis_only_pass_manager

__all__ = ["readout_circuits", "twirled_circuits", "zne_circuits", "zne_circuits_parametric"]


def zne_circuits(circuit: QuantumCircuit, scales: Sequence[float],
                 basis_gates: Sequence[str] | None = None) -> list[QuantumCircuit]:
    """One globally folded copy of a bound ``circuit`` per noise scale (mitiq ``fold_global``).

    Args:
        circuit: bound circuit, final measurements allowed.
        scales: noise scale factors >= 1; odd integers fold exactly, others partially.
        basis_gates: if given, each folded copy is translated (never optimised) into these gates.
    """
    basis_pm = basis_only_pass_manager(list(basis_gates)) if basis_gates is not None else None
    out = []
    for scale in scales:
        folded = fold(circuit, float(scale))
        out.append(basis_pm.run(folded) if basis_pm is not None else folded)
    return out


def zne_circuits_parametric(circuit: QuantumCircuit, scales: Sequence[float],
                            basis_gates: Sequence[str] | None = None) -> list[QuantumCircuit] | None:
    """Folded copies that keep the circuit's parameters (fold once, bind many); None if impossible.

    Possible when every scale is an odd integer and measurements are final. Scale 1 is
    ``circuit`` itself, untouched.
    """
    basis_pm = basis_only_pass_manager(list(basis_gates)) if basis_gates is not None else None
    out = []
    for scale in scales:
        if scale == 1.0:
            out.append(circuit)
            continue
        folded = fold_parametric(circuit, scale)
        if folded is None:
            return None
        out.append(basis_pm.run(folded) if basis_pm is not None else folded)
    return out


def readout_circuits(num_qubits: int, qubits: Sequence[int] | None = None) -> list[QuantumCircuit]:
    """The two calibration circuits: ``qubits`` (default all) prepared in |0> and in |1>, measured.

    Clbit j reads ``qubits[j]``; the circuits are named ``cal_0`` and ``cal_1``.
    """
    qubits = list(range(num_qubits)) if qubits is None else [int(q) for q in qubits]
    circuits = []
    for flip in (False, True):
        circ = QuantumCircuit(num_qubits, len(qubits), name=f"cal_{int(flip)}")
        if flip:
            circ.x(qubits)
        circ.measure(qubits, range(len(qubits)))
        circuits.append(circ)
    return circuits


def twirled_circuits(circuit: QuantumCircuit, num_twirls: int, seed: int | None) -> list[QuantumCircuit]:
    """``num_twirls`` logically equivalent Pauli-twirled copies; average their results."""
    return twirl(circuit, num_twirls, seed)
