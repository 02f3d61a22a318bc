"""Benchmark-circuit tasks: ``ghz:N`` and ``mirror:N``, circuits whose ideal outcomes are known.

The one reader of these names: noise-study ``circuit`` cells, hardware ``calibration``
jobs and the checks of study files and job specs all go through :func:`benchmark`, so a
name means the same circuit everywhere and a misspelt one is refused the same way.
The metric is the success probability P(ideal outcomes), ideal 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from qhep.studies.base import CellContext, JobLike, TaskError, did_you_mean

__all__ = ["FAMILIES", "Benchmark", "benchmark", "calibration_job", "check_calibration", "check_circuit",
           "circuit_cell"]

FAMILIES = {"ghz": 1, "mirror": 2}
"""Benchmark families and the fewest qubits each needs (a mirror circuit needs a CX layer)."""


@dataclass(frozen=True)
class Benchmark:
    """A resolved ``FAMILY:N`` name."""

    name: str
    family: str
    num_qubits: int

    def build(self) -> tuple[QuantumCircuit, list[int]]:
        """The measured circuit and its ideal outcomes (as integers)."""
        from qhep.circuits.benchmark import ghz, mirror

        if self.family == "ghz":
            return ghz(self.num_qubits), [0, 2**self.num_qubits - 1]
        return mirror(self.num_qubits).measure_all(inplace=False), [0]


def benchmark(name: str) -> Benchmark:
    """``ghz:N`` (N >= 1) or ``mirror:N`` (N >= 2); :class:`TaskError` names what is wrong and the nearest name."""
    family, _, width = str(name).partition(":")
    if family not in FAMILIES or not width.isdigit():
        forms = [f"{f}:{width}" for f in FAMILIES] if width.isdigit() else [f"{f}:N" for f in FAMILIES]
        raise TaskError(f"circuit {name!r} is not ghz:N or mirror:N{did_you_mean(name, forms)}")
    n, least = int(width), FAMILIES[family]
    if n < least:
        raise TaskError(f"circuit {name!r}: {family} needs at least {least} qubit{'s' * (least > 1)}")
    return Benchmark(str(name), family, n)


def check_circuit(task: dict[str, Any]) -> None:
    """A noise-study ``circuit`` task names one benchmark circuit (``circuit: ghz:4``)."""
    benchmark(task.get("circuit", ""))


def check_calibration(task: dict[str, Any]) -> None:
    """A hardware ``calibration`` job lists benchmark circuits (``circuits: [ghz:3, mirror:4]``)."""
    circuits = task.get("circuits", ["ghz:3"])
    if not isinstance(circuits, list) or not circuits:
        raise TaskError("task.circuits must be a list such as [ghz:3, mirror:4]")
    for name in circuits:
        try:
            benchmark(name)
        except TaskError as exc:
            raise TaskError(f"task.circuits: {exc}") from None


def circuit_cell(task: dict[str, Any], runner: Any, ctx: CellContext) -> dict[str, Any]:
    """Metric ``success`` = P(ideal outcomes), binomial error floored at 1/shots (exact backends: 0)."""
    circuit, ideal = benchmark(task["circuit"]).build()
    probs = runner.probabilities(circuit)[0]
    p = float(probs[ideal].sum())  # readout-mitigated quasi-probabilities may sum above 1: not clipped
    q = min(max(p, 0.0), 1.0)
    stats = runner.prepare(circuit).stats  # empty on exact backends: nothing transpiled
    shots = ctx.shots
    std = 0.0 if runner.exact else float(np.sqrt(max(q * (1 - q), 1.0 / shots) / shots))
    return {"metric": "success", "value": p, "std": std,
            "ideal": 1.0, "depth": stats.get("depth"), "two_qubit_gates": stats.get("two_qubit_gates")}


def calibration_job(job: JobLike, runner: Any, out: Path) -> dict[str, Any]:
    """Success probability and transpiled stats of each listed circuit (ideal 1)."""
    rows = {}
    for name in job.task.get("circuits", ["ghz:3"]):
        circuit, ideal = benchmark(name).build()
        probs = runner.probabilities(circuit)[0]
        rows[name] = {"success": float(probs[ideal].sum()), "stats": runner.prepare(circuit).stats}
    return {"circuits": rows}
