"""One cell of a noise study: one task on one backend with one mitigation config.

A cell is a pure function of (task, backend, mitigation, seed): its seed is derived
from the study seed and the cell's name, not from the order cells run in, so an
interrupted study re-run in any order (or on Ray) gives the same numbers.

Task kinds (``kind`` in the study's ``tasks``), each with one headline ``metric``
(value and standard error) and extras:

- ``circuit``: a benchmark circuit with a known ideal outcome, ``circuit: ghz:N`` or
  ``mirror:N``; metric ``success`` = P(ideal outcomes) (ideal 1; readout-mitigated
  quasi-probabilities can exceed it), binomial error floored at 1/shots.
- ``qaoa``: QAOA thrust, p = ``reps``, on ``events`` ``ee-z`` events pre-clustered to
  ``qubits + 1`` proto-jets, angles transferred from statevector; metric
  ``approximation_ratio`` of the estimated energy (mean and standard error over
  events; ideal-simulator value is the reference), extra ``p_optimum``.
- ``generator`` (and ``diffusion``, the same for diffusion models): a model trained
  once on statevector (``model``, ``train_steps``, ``config``; see
  :func:`qhep.reports.study.prepare_task`) sampled ``n`` times on the cell's backend;
  metric ``mean_image_error`` against the model's data (bootstrap error).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["cell_id", "cell_seed", "run_cell"]


def cell_id(task: str, backend: str, mitigation: str) -> str:
    """File-safe name of a cell."""
    text = f"{task}__{backend}__{mitigation or 'none'}"
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)


def cell_seed(study_seed: int, cid: str) -> int:
    """A seed that depends on the study seed and the cell, never on the run order."""
    return int(hashlib.sha256(f"{study_seed}:{cid}".encode()).hexdigest()[:8], 16)


def _runner(backend: str, mitigation: str, shots: int, seed: int, cid: str, study_key: str | None = None):
    """The cell's Runner; on ``ibm:`` its jobs are keyed on the ledger by study directory, cell, seed
    and shots, so a study interrupted while a cell's jobs ran replays them on resume instead of paying
    twice, and another study directory never gets this one's jobs back."""
    from qhep.execution import get_runner

    prefix = f"noise-study/{study_key}" if study_key else "noise-study"
    extra = {"job_key": f"{prefix}/{cid}/seed{seed}/shots{shots}"} if backend.startswith("ibm:") else {}
    return get_runner(backend, shots=shots, seed=seed, mitigation=mitigation or None, **extra)


def _circuit(task: dict, runner, shots: int) -> dict[str, Any]:
    from qhep.circuits.benchmark import benchmark_circuit

    circuit, ideal = benchmark_circuit(task["circuit"])
    probs = runner.probabilities(circuit)[0]
    p = float(probs[ideal].sum())  # readout-mitigated quasi-probabilities may sum above 1: not clipped
    q = min(max(p, 0.0), 1.0)
    stats = runner.prepare(circuit).stats  # empty on exact backends: nothing transpiled
    # binomial error of the raw estimate, floored at 1/shots (exact backends: 0)
    std = 0.0 if runner.exact else float(np.sqrt(max(q * (1 - q), 1.0 / shots) / shots))
    return {"metric": "success", "value": p, "std": std,
            "ideal": 1.0, "depth": stats.get("depth"), "two_qubit_gates": stats.get("two_qubit_gates")}


def _qaoa(task: dict, runner, shots: int, seed: int) -> dict[str, Any]:
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit.quantum_info import SparsePauliOp

    from qhep.data.events import generate_events
    from qhep.jets.ising import thrust_ising
    from qhep.jets.qaoa import DiagonalQAOA, transfer_init
    from qhep.jets.solve import precluster

    n, reps = int(task.get("qubits", 4)), int(task.get("reps", 1))
    n_events, n_train = int(task.get("events", 10)), int(task.get("train", 5))
    events = generate_events(n_events + n_train, "ee-z", seed=int(task.get("event_seed", 11)))
    problems = [thrust_ising(precluster(events.particles(k), n + 1)[1]) for k in range(n_events + n_train)]
    angles = transfer_init([p.diagonal() for p in problems[:n_train]], reps)
    ratios, p_opt, depth, two_q = [], [], [], []
    for problem in problems[n_train:]:
        diag = problem.diagonal()
        scale = DiagonalQAOA(diag).scale
        circuit = qaoa_ansatz(SparsePauliOp(problem.operator.paulis, problem.operator.coeffs / scale), reps=reps)
        values = np.array([[angles[:reps][int(p.name[2:-1])] if p.name.startswith("γ")
                            else angles[reps:][int(p.name[2:-1])] for p in circuit.parameters]])
        energy = runner.estimate(circuit, SparsePauliOp(problem.operator.paulis, problem.operator.coeffs / scale),
                                 values).values[0, 0] * scale
        ratios.append((diag.max() - energy) / (diag.max() - diag.min()))
        opt = np.flatnonzero(diag <= diag.min() + 1e-9 * abs(diag.min()))
        probs = runner.probabilities(circuit.measure_all(inplace=False), values)[0]
        p_opt.append(float(np.clip(probs[opt].sum(), 0, 1)))
        if stats := runner.prepare(circuit).stats:  # empty on exact backends: nothing transpiled
            depth.append(stats["depth"])
            two_q.append(stats["two_qubit_gates"])
    ratios = np.asarray(ratios)
    return {"metric": "approximation_ratio", "value": float(ratios.mean()),
            "std": float(ratios.std(ddof=1) / np.sqrt(ratios.size)) if ratios.size > 1 else 0.0,
            "p_optimum": float(np.mean(p_opt)), "depth": float(np.mean(depth)) if depth else None,
            "two_qubit_gates": float(np.mean(two_q)) if two_q else None}


def _generator(task: dict, runner, shots: int, seed: int, model_dir: Path) -> dict[str, Any]:
    from qhep.data.io import read_calo
    from qhep.metrics.showers import evaluate
    from qhep.models.training import load_run

    model, run = load_run(str(model_dir))
    data = read_calo(model_dir / "data.h5")
    n = int(task.get("n", 200))
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(data.energies_gev), size=min(n, len(data.energies_gev)), replace=False)
    energies = data.energies_gev[pick]
    gen = np.clip(model.generate(energies, runner=runner, seed=seed, shots=shots), 0,
                  None)
    scores = evaluate(data.showers_mev, gen, data.energies_gev, energies, seed=seed, bootstrap=10,
                      metrics=("mean_image_rel_error", "w1_total_gev"))
    return {"metric": "mean_image_error", "value": scores["mean_image_rel_error"]["value"],
            "std": scores["mean_image_rel_error"]["std"], "w1_total_gev": scores["w1_total_gev"]["value"],
            "model": run["model"]}


def run_cell(task: dict, backend: str, mitigation: str, *, shots: int, study_seed: int,
             model_dir: str | None = None, study_key: str | None = None) -> dict[str, Any]:
    """Run one cell; a JSON-ready record with the task's metric, its error and extras."""
    cid = cell_id(task["name"], backend, mitigation)
    seed = cell_seed(study_seed, cid)
    start = time.perf_counter()
    runner = _runner(backend, mitigation, shots, seed, cid, study_key)
    kind = task["kind"]
    if kind == "circuit":
        out = _circuit(task, runner, shots)
    elif kind == "qaoa":
        out = _qaoa(task, runner, shots, seed)
    elif kind in ("generator", "diffusion"):
        out = _generator(task, runner, shots, seed, Path(model_dir or ""))
    else:  # checked when the study is loaded
        raise ValueError(f"unknown task kind {kind!r}")
    return {"cell": cid, "task": task["name"], "kind": kind, "backend": backend, "mitigation": mitigation or "none",
            "seed": seed, "shots": shots, **out, "seconds": round(time.perf_counter() - start, 3)}
