"""What a hardware job spec runs: each task takes a Runner, does its work, and writes its results.

Every task is deterministic given the spec (seeded), so a retrieval in a new
process replays the same Runner calls and the ledger hands back the same jobs.

- ``sample``: sample a trained run directory (``qhep train``) at ``n`` incident
  energies (uniform in the training range, seeded) or at those of an ``energies``
  file; writes ``samples.h5`` (CaloChallenge layout). Keys: ``run``, ``n`` | ``energies``.
- ``qaoa``: QAOA thrust on ``n_events`` events of an ``events`` file, pre-clustered
  to ``qubits + 1`` proto-jets, at p = ``reps`` angles transferred from statevector
  optimisation on ``train`` other events (no optimisation loop on the device); all
  events in one job. Writes ``results.json``: per event the best-of-shots thrust on
  the full event against exact thrust, P(optimum) and whether the optimum was sampled.
- ``calibration``: benchmark circuits with known ideal outcomes (``circuits``: a list
  of ``ghz:N`` or ``mirror:N``); writes their success probabilities (ideal 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from qhep.errors import CircuitError
from qhep.hardware.jobspec import JobSpec, SpecError
from qhep.provenance import atomic_write_text, finite_json

__all__ = ["run_task"]


def _write_json(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(finite_json(doc), indent=1, default=float, allow_nan=False))
    return path


def _sample(spec: JobSpec, runner: Any, out: Path) -> dict[str, Any]:
    from qhep.data.io import read_calo, write_calo
    from qhep.models.training import load_run

    task = spec.task
    if "run" not in task:
        raise SpecError(f"{spec.path}: task 'sample' needs 'run' (a qhep train run directory)")
    model, run = load_run(spec.resolve(task["run"]))
    if "energies" in task:
        energies = read_calo(spec.resolve(task["energies"])).energies_gev[: task.get("n")]
    else:
        meta = run["data_meta"]
        energies = np.random.default_rng(spec.seed).uniform(meta["e_min"], meta["e_max"], int(task.get("n", 10)))
    showers = model.generate(energies, runner=runner, seed=spec.seed, shots=spec.shots)
    path = out / "samples.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_calo(path, energies, np.clip(showers, 0, None),
               {"generator": run["model"], "backend": str(runner.spec), "shots": spec.shots,
                "mitigation": spec.mitigation or "", "seed": spec.seed})
    return {"samples": str(path), "n": int(len(energies)), "mean_total_energy_mev": float(showers.sum(1).mean())}


def _qaoa(spec: JobSpec, runner: Any, out: Path) -> dict[str, Any]:
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit.quantum_info import SparsePauliOp

    from qhep.data.io import read_events
    from qhep.jets.ising import thrust_ising
    from qhep.jets.qaoa import DiagonalQAOA, transfer_init
    from qhep.jets.solve import precluster
    from qhep.jets.thrust import exact_thrust

    task = spec.task
    if "events" not in task:
        raise SpecError(f"{spec.path}: task 'qaoa' needs 'events' (a qhep data events file)")
    events = read_events(spec.resolve(task["events"]))
    n, reps = int(task.get("qubits", 8)), int(task.get("reps", 1))
    n_train, n_events = int(task.get("train", 5)), int(task.get("n_events", 10))
    if events.n_events < n_train + n_events:
        raise SpecError(f"{spec.path}: {events.n_events} events in the file, the task needs {n_train + n_events}")
    train = [thrust_ising(precluster(events.particles(k), n + 1)[1]).diagonal() for k in range(n_train)]
    angles = transfer_init(train, reps)
    circuits, problems = [], []
    for k in range(n_train, n_train + n_events):
        labels, proto = precluster(events.particles(k), n + 1)
        problem = thrust_ising(proto)
        scale = DiagonalQAOA(problem.diagonal()).scale
        circuit = qaoa_ansatz(SparsePauliOp(problem.operator.paulis, problem.operator.coeffs / scale), reps=reps)
        circuits.append(circuit.measure_all(inplace=False))
        problems.append((k, labels, problem))
    order = [p.name for p in circuits[0].parameters]
    values = np.array([[angles[:reps][int(nm[2:-1])] if nm.startswith("γ") else angles[reps:][int(nm[2:-1])]
                        for nm in order]])
    # every event's circuit has the same two-angle parameters: one call, one job on the device
    counts = runner.counts(circuits, values, shots=spec.shots)
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


def _calibration(spec: JobSpec, runner: Any, out: Path) -> dict[str, Any]:
    from qhep.circuits.benchmark import benchmark_circuit

    rows = {}
    for name in spec.task.get("circuits", ["ghz:3"]):
        try:
            circuit, ideal = benchmark_circuit(name)
        except CircuitError as exc:
            raise SpecError(f"{spec.path}: calibration {exc}") from None
        probs = runner.probabilities(circuit)[0]
        rows[name] = {"success": float(probs[ideal].sum()), "stats": runner.prepare(circuit).stats}
    return {"circuits": rows}


_TASKS = {"sample": _sample, "qaoa": _qaoa, "calibration": _calibration}


def run_task(spec: JobSpec, runner: Any, out: Path) -> dict[str, Any]:
    """Run the spec's task on ``runner``; write and return its results (``out/results.json``)."""
    doc = _TASKS[spec.kind](spec, runner, out)
    doc = {"spec": spec.name, "kind": spec.kind, "backend": str(runner.spec), **doc}
    _write_json(out / "results.json", doc)
    return doc
