"""Device-time estimates for a job spec, from a dry run on the device's fake twin.

The model (stated, not measured on hardware; adjust ``time_model`` in a spec from
the ``usage`` the runtime reports for real jobs)::

    T = sum over jobs [ overhead_per_job_s
                        + sum over circuits  shots * (duration + rep_delay_s) ]

- a *circuit* is one bound circuit: a PUB with B parameter sets counts B times;
- ``duration`` is the critical path of the transpiled circuit through the target's
  instruction durations (gate, measure and reset times of each physical qubit), s;
- ``rep_delay_s`` is the device's default repetition delay (backend configuration,
  250 us on Heron devices), the idle time between shots;
- ``overhead_per_job_s`` (default 2 s) covers loading and compiling a job.

:class:`DryRunRunner` wraps the ``fake:NAME`` Runner and records all of this for every
call it executes (the runner's ``on_execute`` observer), so the whole task runs on the
twin's noise and costs what the real run would submit. It holds a Runner rather than
subclassing one: this layer depends on the Runner contract, not on a backend class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from qhep.execution.base import ExecutedJob, ObservableLike, Prepared, ReadoutInfo
from qhep.execution.results import EstimateResult
from qhep.execution.spec import BackendSpec
from qhep.mitigation.config import MitigationConfig

__all__ = ["DeviceTimeModel", "DryRunRunner", "circuit_duration"]


def circuit_duration(circuit: QuantumCircuit, target: Any, physical: tuple[int, ...]) -> float:
    """Critical-path duration (s) of ``circuit``, whose qubit k is physical qubit ``physical[k]``.

    Each instruction starts when all its qubits are free and lasts the target's
    duration on those qubits; instructions with no duration (virtual RZ, barriers) take 0.
    """
    clock = np.zeros(circuit.num_qubits)
    for inst in circuit.data:
        name = inst.operation.name
        qubits = [circuit.find_bit(q).index for q in inst.qubits]
        if name == "barrier":
            clock[qubits] = clock[qubits].max() if qubits else 0.0
            continue
        duration = 0.0
        if name == "delay":
            duration = float(inst.operation.duration or 0.0) * (target.dt or 0.0) \
                if inst.operation.unit == "dt" else float(inst.operation.duration or 0.0)
        elif name in target.operation_names:
            props = target[name].get(tuple(physical[q] for q in qubits))
            duration = float(props.duration or 0.0) if props is not None else 0.0
        end = clock[qubits].max() + duration if qubits else 0.0
        clock[qubits] = end
    return float(clock.max()) if clock.size else 0.0


@dataclass
class DeviceTimeModel:
    """The stated device-time model (see module docstring); seconds."""

    rep_delay_s: float = 250e-6
    overhead_per_job_s: float = 2.0

    def job_seconds(self, shots: int, durations: list[float]) -> float:
        """Device time of one job running ``durations`` (one per bound circuit) at ``shots`` each."""
        return self.overhead_per_job_s + float(sum(shots * (d + self.rep_delay_s) for d in durations))


@dataclass
class CostLog:
    """What a dry run would have submitted, job by job."""

    jobs: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, model: DeviceTimeModel) -> dict[str, Any]:
        """Totals: jobs, circuits, shots, max depth / 2q gates, estimated device seconds."""
        circuits = sum(j["circuits"] for j in self.jobs)
        return {
            "jobs": len(self.jobs),
            "circuits": circuits,
            "shots": int(sum(j["circuits"] * j["shots"] for j in self.jobs)),
            "max_depth": max((j["max_depth"] for j in self.jobs), default=0),
            "max_two_qubit_gates": max((j["max_two_qubit_gates"] for j in self.jobs), default=0),
            "max_circuit_duration_us": 1e6 * max((max(j["durations"], default=0.0) for j in self.jobs), default=0.0),
            "device_seconds": sum(model.job_seconds(j["shots"], j["durations"]) for j in self.jobs),
        }


class DryRunRunner:
    """A ``fake:NAME`` Runner that logs every executed call as one job of the real run (see module doc).

    Args:
        spec: the twin, ``fake:NAME`` (parsed or a SPEC string).
        shots, seed, mitigation, transpile_options: as :func:`qhep.execution.get_runner`.
    """

    supports_exact_gradients = False

    def __init__(self, spec: BackendSpec | str, *, shots: int = 4000, seed: int | None = None,
                 mitigation: MitigationConfig | str | None = None, transpile_options: Any = None) -> None:
        from qhep.errors import BackendSpecError
        from qhep.execution import get_runner, parse_backend
        from qhep.execution.spec import fake_backend

        parsed = parse_backend(spec)
        if parsed.kind != "fake":
            raise BackendSpecError(f"a dry run needs a device's fake twin (fake:NAME), got {parsed}")
        self.log = CostLog()
        self.target = fake_backend(parsed.device or "").target  # instruction durations of the device
        self.inner = get_runner(parsed, shots=shots, seed=seed, mitigation=mitigation,
                                transpile_options=transpile_options, on_execute=self.record)

    def record(self, job: ExecutedJob) -> None:
        """Log one executed call: its bound circuits' durations, depth and two-qubit gates."""
        from qhep.circuits.layout import circuit_stats

        durations: list[float] = []
        depths, two_q = [], []
        for pub in job.pubs:
            circuit = pub[0]
            n_bound = int(np.asarray(pub[1]).shape[0]) if len(pub) > 1 and pub[1] is not None else 1
            d = circuit_duration(circuit, self.target, job.physical_qubits)
            durations.extend([d] * n_bound)
            stats = circuit_stats(circuit)
            depths.append(stats["depth"])
            two_q.append(stats["two_qubit_gates"])
        first = job.pubs[0]
        job_shots = int(first[2]) if len(first) > 2 and first[2] is not None else int(job.shots)
        self.log.jobs.append({"circuits": len(durations), "shots": job_shots, "durations": durations,
                              "max_depth": max(depths), "max_two_qubit_gates": max(two_q)})

    # ------------------------------------------------------------ the Runner contract, delegated
    @property
    def spec(self) -> BackendSpec:
        return self.inner.spec

    @property
    def mitigation(self) -> MitigationConfig:
        return self.inner.mitigation

    @property
    def exact(self) -> bool:
        return self.inner.exact

    @property
    def shots(self) -> int:
        return self.inner.shots

    def prepare(self, circuit: QuantumCircuit) -> Prepared:
        return self.inner.prepare(circuit)

    def sample(self, circuit: QuantumCircuit, parameter_values: np.ndarray | None = None, *,
               shots: int | None = None) -> Any:
        return self.inner.sample(circuit, parameter_values, shots=shots)

    def counts(self, circuits: Sequence[QuantumCircuit], parameter_values: np.ndarray | None = None, *,
               shots: int | None = None) -> list[np.ndarray]:
        return self.inner.counts(circuits, parameter_values, shots=shots)

    def probabilities(self, circuit: QuantumCircuit, parameter_values: np.ndarray | None = None, *,
                      shots: int | None = None) -> np.ndarray:
        return self.inner.probabilities(circuit, parameter_values, shots=shots)

    def probabilities_with_metadata(self, circuit: QuantumCircuit, parameter_values: np.ndarray | None = None, *,
                                    shots: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        return self.inner.probabilities_with_metadata(circuit, parameter_values, shots=shots)

    def estimate(self, circuit: QuantumCircuit, observables: ObservableLike | Sequence[ObservableLike],
                 parameter_values: np.ndarray | None = None, *, shots: int | None = None) -> EstimateResult:
        return self.inner.estimate(circuit, observables, parameter_values, shots=shots)

    def readout_calibration(self, circuit: QuantumCircuit) -> ReadoutInfo | None:
        return self.inner.readout_calibration(circuit)

    def compiled(self, circuit: QuantumCircuit, **options: Any) -> Any:
        return self.inner.compiled(circuit, **options)

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> DryRunRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
