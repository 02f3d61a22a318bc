"""Split an event into two hemispheres (thrust) with any method, optionally after pre-clustering.

Methods: ``qaoa`` and ``vqe`` (through the Runner, any backend), ``brute-force``,
``sa`` (simulated annealing), ``exact-thrust`` (O(N^3) plane search), and FastJet
``ee_kt`` / ``durham`` / ``anti_kt`` (exclusive two jets). With ``max_qubits`` the
event is first reduced to M = max_qubits + 1 proto-jets (FastJet exclusive ee_kt),
the problem is solved on the proto-jets, and the hemispheres are carried back to
the particles: thrust is always evaluated on the full event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qhep.jets.classical import brute_force, simulated_annealing
from qhep.jets.ising import thrust_ising
from qhep.jets.qaoa import qaoa_statevector, solve_on_runner
from qhep.jets.thrust import exact_thrust

__all__ = ["METHODS", "EventSolution", "solve_event"]

from qhep.jets.methods import METHODS  # noqa: E402 - re-exported


@dataclass
class EventSolution:
    """Hemisphere assignment of one event and its quality."""

    spins: np.ndarray  # (N,) +-1 per particle
    thrust: float  # on the full event
    n_qubits: int  # 0 for classical methods
    p_optimum: float  # probability of the (proto-jet) optimum in the final state; NaN if unknown
    optimum_found: float  # 1/0: the solver's answer is the optimum of the problem it solved; NaN if unknown


def solve_event(p4: np.ndarray, method: str, *, runner=None, reps: int = 2, shots: int = 1000,
                max_qubits: int | None = None, seed: int = 0) -> EventSolution:
    """Solve one event (particles (N, 4) or (N, 3), GeV)."""
    p = np.asarray(p4, dtype=float)
    n = p.shape[0]
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if n < 2:
        raise ValueError("an event needs at least 2 particles")
    if method == "exact-thrust":
        t, axis = exact_thrust(p)
        spins = np.where(p[:, :3] @ axis >= 0, 1.0, -1.0)
        return EventSolution(spins, t, 0, float("nan"), 1.0)
    if method in ("ee_kt", "durham", "anti_kt"):
        from qhep.data.clustering import exclusive_labels

        # R = pi for anti-kt, so that every particle reaches one of the two exclusive jets
        labels = exclusive_labels(_four(p), np.array([0, n]), 2, method, radius=np.pi)
        spins = np.where(labels == 0, 1.0, -1.0)
        return EventSolution(spins, _thrust(p, spins), 0, float("nan"), float("nan"))
    labels = np.arange(n)
    work = p[:, :3]
    if max_qubits is not None and n - 1 > max_qubits:
        from qhep.data.clustering import exclusive_labels

        labels = exclusive_labels(_four(p), np.array([0, n]), max_qubits + 1, "ee_kt")
        work = np.zeros((max_qubits + 1, 3))
        np.add.at(work, labels, p[:, :3])
    problem = thrust_ising(work)
    nq = problem.num_qubits
    p_opt = found = float("nan")
    diag = problem.diagonal() if nq <= 22 else None  # once per event: brute force, QAOA and the check share it
    if method == "brute-force":
        proto, _ = brute_force(problem, diag)
    elif method == "sa":
        proto, _ = simulated_annealing(problem, seed=seed)
    else:
        exact_runner = runner is None or getattr(runner, "exact", False)
        if method == "qaoa" and exact_runner:
            res = qaoa_statevector(problem.diagonal() if diag is None else diag, reps, shots=shots, seed=seed)
            p_opt = res.p_optimum
        else:
            if runner is None:
                from qhep.execution import get_runner

                runner = get_runner("statevector", seed=seed)
            res = solve_on_runner(problem.operator, problem.energies, runner, method=method, reps=reps,
                                  shots=shots, seed=seed)
        proto = problem.spins(res.best_bits[None, :])[0]
    if diag is not None:
        found = float(problem.thrust(proto)[0] >= problem.thrust_from_energy(diag.min()) - 1e-9)
    spins = proto[labels]
    return EventSolution(spins, _thrust(p, spins), nq, p_opt, found)


def _four(p: np.ndarray) -> np.ndarray:
    if p.shape[1] == 4:
        return p
    return np.column_stack([p, np.linalg.norm(p, axis=1)])


def _thrust(p: np.ndarray, spins: np.ndarray) -> float:
    total = spins @ p[:, :3]
    return float(np.linalg.norm(total) / np.linalg.norm(p[:, :3], axis=1).sum())
