"""The Runner contract and input checks shared by every backend.

A Runner follows the V2 primitives: one call takes a circuit and a whole batch
of parameter sets (a PUB), and returns ``BitArray`` samples or expectation
values for every set. Models ask :func:`qhep.execution.get_runner` for one and
never import a backend themselves; callers use only what :class:`Runner`
declares here, never a private name of a backend class.

:class:`BaseRunner` supplies the parts every backend shares (context manager,
``close``, "no readout calibration"), so a new backend writes only what differs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import SamplerPubResult
from qiskit.quantum_info import Pauli, SparsePauliOp

from qhep.errors import CircuitError
from qhep.execution.results import EstimateResult
from qhep.execution.spec import BackendSpec
from qhep.mitigation.config import MitigationConfig
from qhep.mitigation.readout import ReadoutCalibration

__all__ = [
    "BaseRunner",
    "ExecutedJob",
    "JobObserver",
    "ObservableLike",
    "Prepared",
    "ReadoutInfo",
    "Runner",
    "coerce_circuit_values",
    "coerce_observables",
    "coerce_values",
    "ensure_measured",
    "is_exact",
]

ObservableLike = str | Pauli | SparsePauliOp
ReadoutInfo = tuple[ReadoutCalibration, list[int]]
"""A readout calibration and, per clbit of the circuit asked about, its calibration index."""


@dataclass
class Prepared:
    """A circuit made executable on one backend, reusable for any parameter values.

    Attributes:
        circuit: parametric circuit in the backend's basis (for fake devices, on the
            used physical qubits renumbered 0..k-1; exact backends: the circuit itself).
        cols: for each parameter of ``circuit``, its column in the logical value array.
        group: key of the executor (noise model) this circuit runs on.
        physical_qubits: device qubits behind the circuit's qubits (for reports).
        basis_gates: names the circuit may contain after folding (empty where nothing is transpiled).
        stats: depth and gate counts of the transpiled circuit (empty where nothing is transpiled).
    """

    circuit: QuantumCircuit
    cols: np.ndarray
    group: Hashable
    physical_qubits: tuple[int, ...]
    basis_gates: list[str]
    stats: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutedJob:
    """One backend call of a shot-based runner, as it goes out: what a device would be sent as one job.

    Attributes:
        pubs: the PUBs, ``(circuit,)``, ``(circuit, values)`` or ``(circuit, values, shots)``; circuits
            in the backend's basis on the qubits ``physical_qubits`` (renumbered 0..k-1).
        shots: the call's default shots per PUB (a PUB's own third entry wins).
        physical_qubits: device qubits behind the circuits' qubits.
    """

    pubs: list[tuple]
    shots: int
    physical_qubits: tuple[int, ...]


JobObserver = Callable[[ExecutedJob], None]
"""Called by a shot-based runner before each backend call (``get_runner(..., on_execute=)``): how
cost models and logs see the jobs without subclassing a backend."""


@runtime_checkable
class Runner(Protocol):
    """Runs circuits on one backend with one mitigation config: the whole contract callers use.

    Attributes:
        spec: the parsed backend SPEC.
        mitigation: the mitigation applied by :meth:`estimate` and :meth:`probabilities`.
        exact: True if :meth:`estimate` and :meth:`probabilities` have no shot noise.
        shots: default shots per parameter set.
        supports_exact_gradients: True if the runner has a differentiable form
            (``compiled(circuit)``, a torch module whose outputs carry autograd gradients);
            declared like pyhf's ``default_do_grad`` so callers ask instead of checking types.
    """

    spec: BackendSpec
    mitigation: MitigationConfig
    exact: bool
    shots: int
    supports_exact_gradients: bool

    def prepare(self, circuit: QuantumCircuit) -> Prepared:
        """The circuit as this backend runs it (transpiled once per structure, cached), with its stats."""

    def sample(self, circuit: QuantumCircuit, parameter_values: np.ndarray | None = None, *,
               shots: int | None = None) -> SamplerPubResult:
        """Measured bitstrings: one ``BitArray`` per classical register, shape (B,)."""

    def counts(self, circuits: Sequence[QuantumCircuit], parameter_values: np.ndarray | None = None, *,
               shots: int | None = None) -> list[np.ndarray]:
        """Raw (B, 2**m) outcome counts per circuit, all circuits in as few backend calls as possible.

        The circuits share one parameter list (same names, same order). Circuit-level
        mitigation (DD, twirling) applies; readout correction and ZNE do not (they act on
        distributions and expectation values: :meth:`probabilities`, :meth:`estimate`).
        """

    def probabilities(self, circuit: QuantumCircuit, parameter_values: np.ndarray | None = None, *,
                      shots: int | None = None) -> np.ndarray:
        """(B, 2**m) outcome (quasi-)probabilities over the m measured clbits."""

    def probabilities_with_metadata(self, circuit: QuantumCircuit, parameter_values: np.ndarray | None = None, *,
                                    shots: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """As :meth:`probabilities`, plus metadata saying what was run and which mitigation applied."""

    def estimate(self, circuit: QuantumCircuit, observables: ObservableLike | Sequence[ObservableLike],
                 parameter_values: np.ndarray | None = None, *, shots: int | None = None) -> EstimateResult:
        """Expectation values (B, n_observables) with standard errors."""

    def readout_calibration(self, circuit: QuantumCircuit) -> ReadoutInfo | None:
        """Readout calibration for ``circuit``'s measurements, or None where the backend has no readout error."""

    def compiled(self, circuit: QuantumCircuit, **options: Any) -> Any:
        """The circuit's differentiable torch form; refused unless ``supports_exact_gradients``."""

    def close(self) -> None:
        """Release what the runner holds open (an IBM Batch or Session); idempotent."""

    def __enter__(self) -> Runner: ...

    def __exit__(self, *exc: object) -> None: ...


def is_exact(runner: Runner | None) -> bool:
    """Whether ``runner`` means the model's or solver's own exact path: None, or a runner without shot noise.

    The one place this choice is made. ``runner=None`` everywhere in qhep means "exact, on the
    fast in-process path" (torch statevector, cost diagonals), and a runner whose ``exact`` is
    True (``statevector``) adds nothing but overhead on top of it, so both take that path; only
    shot backends (``aer``, ``fake:``, ``ibm:``) go through the Runner.
    """
    return runner is None or bool(runner.exact)


class BaseRunner:
    """Defaults shared by qhep's runners: no exact gradients, no readout calibration, ``with`` closes."""

    supports_exact_gradients = False

    def compiled(self, circuit: QuantumCircuit, **_: Any) -> Any:
        """Refused: only runners declaring ``supports_exact_gradients`` have a differentiable form."""
        raise CircuitError(f"{getattr(self, 'spec', 'this backend')} has no differentiable form "
                           "(supports_exact_gradients is False): use parameter shift or SPSA")

    def readout_calibration(self, circuit: QuantumCircuit) -> ReadoutInfo | None:
        """None: this backend reads out without error."""
        return None

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


def coerce_circuit_values(circuits: Sequence[QuantumCircuit], values) -> np.ndarray:
    """Parameter values (B, P) shared by ``circuits``, checked: they must have one parameter list."""
    if not circuits:
        raise CircuitError("no circuits given")
    names = [p.name for p in circuits[0].parameters]
    for k, circ in enumerate(circuits[1:], start=1):
        if [p.name for p in circ.parameters] != names:
            raise CircuitError(
                f"circuit {k} has parameters {[p.name for p in circ.parameters][:5]}; circuit 0 has "
                f"{names[:5]}: circuits run together must share one parameter list"
            )
    return coerce_values(circuits[0], values)


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
