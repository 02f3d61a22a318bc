"""The Runner protocol and input checks shared by every backend.

A Runner follows the V2 primitives: one call takes a circuit and a whole batch
of parameter sets (a PUB), and returns ``BitArray`` samples or expectation
values for every set. Models ask :func:`qhep.execution.get_runner` for one and
never import a backend themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import SamplerPubResult
from qiskit.quantum_info import Pauli, SparsePauliOp

from qhep.errors import CircuitError
from qhep.execution.results import EstimateResult
from qhep.execution.spec import BackendSpec
from qhep.mitigation.config import MitigationConfig

__all__ = ["ObservableLike", "Runner", "coerce_observables", "coerce_values", "ensure_measured"]

ObservableLike = str | Pauli | SparsePauliOp


@runtime_checkable
class Runner(Protocol):
    """Runs circuits on one backend with one mitigation config.

    Attributes:
        spec: the parsed backend SPEC.
        mitigation: the mitigation applied by :meth:`estimate` and :meth:`probabilities`.
        exact: True if :meth:`estimate` and :meth:`probabilities` have no shot noise.
        shots: default shots per parameter set.
    """

    spec: BackendSpec
    mitigation: MitigationConfig
    exact: bool
    shots: int

    def sample(self, circuit: QuantumCircuit, parameter_values: np.ndarray | None = None, *,
               shots: int | None = None) -> SamplerPubResult:
        """Measured bitstrings: one ``BitArray`` per classical register, shape (B,)."""

    def probabilities(self, circuit: QuantumCircuit, parameter_values: np.ndarray | None = None, *,
                      shots: int | None = None) -> np.ndarray:
        """(B, 2**m) outcome (quasi-)probabilities over the m measured clbits."""

    def estimate(self, circuit: QuantumCircuit, observables: ObservableLike | Sequence[ObservableLike],
                 parameter_values: np.ndarray | None = None, *, shots: int | None = None) -> EstimateResult:
        """Expectation values (B, n_observables) with standard errors."""


def coerce_values(circuit: QuantumCircuit, values: np.ndarray | Sequence | None) -> np.ndarray:
    """Parameter values as (B, P) floats in ``circuit.parameters`` order, checked."""
    n_par = circuit.num_parameters
    if values is None:
        if n_par:
            raise CircuitError(
                f"circuit has {n_par} parameters ({', '.join(p.name for p in circuit.parameters[:5])}"
                f"{'...' if n_par > 5 else ''}) but no parameter values were given"
            )
        return np.zeros((1, 0))
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_par:
        raise CircuitError(
            f"parameter values have shape {np.shape(values)}; expected ({n_par},) or "
            f"(batch, {n_par}) for this circuit's {n_par} parameters"
        )
    if not np.all(np.isfinite(arr)):
        raise CircuitError("parameter values contain NaN or infinity")
    return arr


def coerce_observables(circuit: QuantumCircuit, observables) -> list[SparsePauliOp]:
    """Observables as a list of ``SparsePauliOp`` of the circuit's width, checked."""
    if isinstance(observables, (str, Pauli, SparsePauliOp)):
        observables = [observables]
    out = []
    for obs in observables:
        try:
            op = SparsePauliOp(obs) if not isinstance(obs, SparsePauliOp) else obs
        except Exception as exc:  # noqa: BLE001
            raise CircuitError(f"cannot read observable {obs!r}: expected a Pauli string like 'ZZI'") from exc
        if op.num_qubits != circuit.num_qubits:
            raise CircuitError(
                f"observable {str(obs)[:40]!r} acts on {op.num_qubits} qubits; the circuit has "
                f"{circuit.num_qubits}"
            )
        out.append(op)
    return out


def ensure_measured(circuit: QuantumCircuit) -> QuantumCircuit:
    """The circuit itself if it measures anything, else a copy with ``measure_all``."""
    if any(inst.operation.name == "measure" for inst in circuit.data):
        return circuit
    out = circuit.copy()
    out.measure_all()
    return out
