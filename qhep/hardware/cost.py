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

:class:`DryRunRunner` is the ``fake:NAME`` runner that records all of this for every
call it executes, so the whole task runs on the twin's noise and costs what the
real run would submit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from qhep.execution.aer import FakeDeviceRunner

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


class DryRunRunner(FakeDeviceRunner):
    """``fake:NAME`` that logs every executed call as one job of the real run (see module doc)."""

    def __init__(self, spec, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self.log = CostLog()

    def _execute(self, group, pubs, shots):
        from qhep.execution.shots import circuit_stats

        physical = group[0]
        durations: list[float] = []
        depths, two_q = [], []
        for pub in pubs:
            circuit = pub[0]
            n_bound = int(np.asarray(pub[1]).shape[0]) if len(pub) > 1 and pub[1] is not None else 1
            d = circuit_duration(circuit, self.target, physical)
            durations.extend([d] * n_bound)
            stats = circuit_stats(circuit)
            depths.append(stats["depth"])
            two_q.append(stats["two_qubit_gates"])
        job_shots = int(pubs[0][2]) if len(pubs[0]) > 2 and pubs[0][2] is not None else int(shots)
        self.log.jobs.append({"circuits": len(durations), "shots": job_shots, "durations": durations,
                              "max_depth": max(depths), "max_two_qubit_gates": max(two_q)})
        return super()._execute(group, pubs, shots)
