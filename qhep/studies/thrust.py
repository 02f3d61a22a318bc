"""QAOA thrust tasks: events pre-clustered to ``qubits + 1`` proto-jets, p = ``reps`` transferred angles.

Angles are optimised on statevector for ``train`` other events and transferred
(:func:`qhep.jets.qaoa.transfer_init`): no optimisation loop runs on a noisy backend,
so every backend is scored at the same angles. The problem, its circuit and the angle
binding are built here once for both uses:

- noise-study cell (``kind: qaoa``, ``events`` generated ``ee-z`` events): metric
  ``approximation_ratio`` of the estimated energy (mean and standard error over
  events), extra ``p_optimum``;
- hardware job (``kind: qaoa``, ``events`` a qhep events file, ``n_events`` of them):
  all events' circuits in one call; per event the best-of-shots thrust on the full
  event against exact thrust, P(optimum) and whether the optimum was sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from qhep.studies.base import CellContext, JobLike, TaskError

__all__ = ["ThrustQAOA", "bind_angles", "qaoa_cell", "qaoa_job", "thrust_problem", "transferred_angles"]


def thrust_problem(particles: np.ndarray, qubits: int):
    """(proto-jet label of each particle, thrust Ising problem on ``qubits`` spins) of one event."""
    from qhep.jets.ising import thrust_ising
    from qhep.jets.solve import precluster

    labels, proto = precluster(particles, qubits + 1)
    return labels, thrust_ising(proto)


def transferred_angles(problems: list, reps: int) -> np.ndarray:
    """Angles (gamma_1..p, beta_1..p) optimised on statevector for ``problems`` and transferred."""
    from qhep.jets.qaoa import transfer_init

    return transfer_init([p.diagonal() for p in problems], reps)


@dataclass(frozen=True)
class ThrustQAOA:
    """One event's QAOA: the circuit of the scaled cost, the scaled cost itself, and its scale."""

    circuit: QuantumCircuit
    operator: SparsePauliOp
    scale: float

    @classmethod
    def build(cls, problem: Any, reps: int) -> ThrustQAOA:
        """``qaoa_ansatz`` of the cost scaled to max |C - mean| = 1 (what the angles were optimised for)."""
        from qhep.jets.qaoa import DiagonalQAOA, qaoa_circuit

        scale = DiagonalQAOA(problem.diagonal()).scale
        operator = SparsePauliOp(problem.operator.paulis, problem.operator.coeffs / scale)
        return cls(qaoa_circuit(problem.operator, scale, reps), operator, scale)

    def values(self, angles: np.ndarray) -> np.ndarray:
        """Parameter values (1, P) of this circuit for (gamma, beta) angles."""
        return bind_angles(self.circuit, angles)


def bind_angles(circuit: QuantumCircuit, angles: np.ndarray) -> np.ndarray:
    """Parameter values (1, P) in ``circuit.parameters`` order for (gamma_1..p, beta_1..p) angles."""
    from qhep.jets.qaoa import circuit_values

    return circuit_values(circuit, angles)[None, :]


def qaoa_cell(task: dict[str, Any], runner: Any, ctx: CellContext) -> dict[str, Any]:
    """Approximation ratio (E_max - <H>) / (E_max - E_min) at transferred angles, over generated events."""
    from qhep.data.events import generate_events

    n, reps = int(task.get("qubits", 4)), int(task.get("reps", 1))
    n_events, n_train = int(task.get("events", 10)), int(task.get("train", 5))
    events = generate_events(n_events + n_train, "ee-z", seed=int(task.get("event_seed", 11)))
    problems = [thrust_problem(events.particles(k), n)[1] for k in range(n_events + n_train)]
    angles = transferred_angles(problems[:n_train], reps)
    ratios, p_opt, depth, two_q = [], [], [], []
    for problem in problems[n_train:]:
        diag = problem.diagonal()
        qaoa = ThrustQAOA.build(problem, reps)
        values = qaoa.values(angles)
        energy = runner.estimate(qaoa.circuit, qaoa.operator, values).values[0, 0] * qaoa.scale
        ratios.append((diag.max() - energy) / (diag.max() - diag.min()))
        opt = np.flatnonzero(diag <= diag.min() + 1e-9 * abs(diag.min()))
        probs = runner.probabilities(qaoa.circuit.measure_all(inplace=False), values)[0]
        p_opt.append(float(np.clip(probs[opt].sum(), 0, 1)))
        if stats := runner.prepare(qaoa.circuit).stats:  # empty on exact backends: nothing transpiled
            depth.append(stats["depth"])
            two_q.append(stats["two_qubit_gates"])
    ratios = np.asarray(ratios)
    return {"metric": "approximation_ratio", "value": float(ratios.mean()),
            "std": float(ratios.std(ddof=1) / np.sqrt(ratios.size)) if ratios.size > 1 else 0.0,
            "p_optimum": float(np.mean(p_opt)), "depth": float(np.mean(depth)) if depth else None,
            "two_qubit_gates": float(np.mean(two_q)) if two_q else None}


def qaoa_job(job: JobLike, runner: Any, out: Path) -> dict[str, Any]:
    """Best-of-shots thrust and P(optimum) per event of an events file, every event in one call."""
    from qhep.data.io import read_events
    from qhep.jets.thrust import exact_thrust

    task = job.task
    if "events" not in task:
        raise TaskError(f"{job.path}: task 'qaoa' needs 'events' (a qhep data events file)")
    events = read_events(job.resolve(task["events"]))
    n, reps = int(task.get("qubits", 8)), int(task.get("reps", 1))
    n_train, n_events = int(task.get("train", 5)), int(task.get("n_events", 10))
    if events.n_events < n_train + n_events:
        raise TaskError(f"{job.path}: {events.n_events} events in the file, the task needs {n_train + n_events}")
    angles = transferred_angles([thrust_problem(events.particles(k), n)[1] for k in range(n_train)], reps)
    circuits, problems = [], []
    for k in range(n_train, n_train + n_events):
        labels, problem = thrust_problem(events.particles(k), n)
        circuits.append(ThrustQAOA.build(problem, reps).circuit.measure_all(inplace=False))
        problems.append((k, labels, problem))
    # every event's circuit has the same two-angle parameters: one call, one job on the device
    values = bind_angles(circuits[0], angles)
    counts = runner.counts(circuits, values, shots=job.shots)
    rows = []
    for (k, labels, problem), c in zip(problems, counts):
        c = c[0]
        diag = problem.diagonal()
        opt = np.flatnonzero(diag <= diag.min() + 1e-9 * abs(diag.min()))
        hit = np.flatnonzero(c)
        best = int(hit[np.argmin(diag[hit])])
        spins = problem.spins(problem.bits_from_ints(np.array([best])))[0][labels]
        p = events.particles(k)[:, :3]
        t_full = float(np.linalg.norm(spins @ p) / np.linalg.norm(p, axis=1).sum())
        t_exact = float(exact_thrust(p)[0])
        rows.append({"event": k, "thrust": t_full, "thrust_exact": t_exact,
                     "within_1pct": bool(t_full >= 0.99 * t_exact),
                     "p_optimum": float(c[opt].sum() / c.sum()), "optimum_sampled": bool(np.isin(opt, hit).any())})
    return {"events": rows, "angles": np.asarray(angles).tolist(),
            "found_fraction": float(np.mean([r["optimum_sampled"] for r in rows])),
            "mean_p_optimum": float(np.mean([r["p_optimum"] for r in rows]))}
