"""Split an event into two hemispheres (thrust) with any method, optionally after pre-clustering.

Methods: ``qaoa`` and ``vqe`` (through the Runner, any backend), ``brute-force``,
``sa`` (simulated annealing), ``random`` (best of K = ``shots`` uniformly random
assignments, the baseline at QAOA's own sample count), ``exact-thrust`` (O(N^3) plane search), and FastJet
``ee_kt`` / ``durham`` / ``anti_kt`` (exclusive two jets). With ``max_qubits`` the
event is first reduced to M = max_qubits + 1 proto-jets (FastJet exclusive ee_kt),
the problem is solved on the proto-jets, and the hemispheres are carried back to
the particles: thrust is always evaluated on the full event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from qhep.jets.baseline import random_assignments
from qhep.jets.classical import simulated_annealing
from qhep.jets.ising import thrust_ising
from qhep.jets.qaoa import MAX_DIAGONAL_QUBITS, qaoa_statevector, solve_on_runner
from qhep.jets.thrust import exact_thrust

__all__ = ["MAX_DIAGONAL_QUBITS", "METHODS", "EventSolution", "ProblemSolution", "precluster", "precluster_floor",
           "solve_event", "solve_problem"]

from qhep.jets.methods import METHODS, VARIATIONAL  # noqa: E402 - re-exported


@dataclass
class EventSolution:
    """Hemisphere assignment of one event and its quality."""

    spins: np.ndarray  # (N,) +-1 per particle
    thrust: float  # on the full event
    n_qubits: int  # 0 for classical methods
    p_optimum: float  # probability of the (proto-jet) optimum in the final state (random: per draw); NaN if unknown
    optimum_found: float  # 1/0: the solver's answer is the optimum of the problem it solved; NaN if unknown


def solve_event(p4: np.ndarray, method: str, *, runner=None, reps: int = 2, shots: int = 1000,
                max_qubits: int | None = None, seed: int = 0, init: np.ndarray | None = None,
                max_iter: int = 100) -> EventSolution:
    """Solve one event (particles (N, 4) or (N, 3), GeV).

    QAOA on statevector starts from ``init`` (default: the linear ramp) and runs
    ``max_iter`` L-BFGS iterations (0: sample at the transferred angles).
    """
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
    work = p
    if max_qubits is not None and n - 1 > max_qubits:
        labels, work = precluster(p, max_qubits + 1)
    problem = thrust_ising(work)

    def anneal(s: int) -> int:  # thrust's own spin annealer (the published SA reference)
        spins, _ = simulated_annealing(problem, seed=s)
        return int(((spins[:-1] < 0).astype(np.int64) << np.arange(problem.num_qubits)).sum())

    sol = solve_problem(problem, method, runner=runner, reps=reps, shots=shots, seed=seed, init=init,
                        max_iter=max_iter, annealer=anneal)
    spins = problem.spins(problem.bits_from_ints(np.array([sol.best])))[0][labels]
    return EventSolution(spins, _thrust(p, spins), problem.num_qubits, sol.p_optimum, sol.optimum_found)


def precluster(p: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """(labels (N,), proto-jet four-momenta (m, 4)) of FastJet exclusive ee_kt with m jets."""
    from qhep.data.clustering import exclusive_labels

    p4 = _four(p)
    labels = exclusive_labels(p4, np.array([0, p.shape[0]]), m, "ee_kt")
    work = np.zeros((m, 4))
    np.add.at(work, labels, p4)
    return labels, work


class ProblemSolution(NamedTuple):
    """What :func:`solve_problem` found: the best basis integer, P(optimum) in the final state
    (NaN off statevector), whether it is the optimum and the optimum's energy (NaN when the
    diagonal is too large to compute)."""

    best: int
    p_optimum: float
    optimum_found: float
    optimum_energy: float


def solve_problem(problem, method: str, *, runner=None, reps: int = 2, shots: int = 1000, seed: int = 0,
                  init: np.ndarray | None = None, max_iter: int = 100,
                  annealer: Callable[[int], int] | None = None, diag: np.ndarray | None = None) -> ProblemSolution:
    """Solve any diagonal problem (thrust, k-jet, cone) with qaoa, vqe, brute-force, sa or random.

    ``problem`` has ``num_qubits``, ``operator`` and ``energies(ints)``. The cost diagonal is
    computed once (up to ``MAX_DIAGONAL_QUBITS``) and shared by brute force, statevector
    QAOA and the optimum check. ``annealer(seed)`` replaces the generic bit-flip annealer
    for ``sa`` (thrust has its own). ``diag``: the cost diagonal, if the caller has it already.
    """
    from qhep.jets.classical import anneal_bits

    nq = problem.num_qubits
    if diag is None and nq <= MAX_DIAGONAL_QUBITS:
        diag = problem.diagonal()
    p_opt = float("nan")
    if method == "brute-force":
        if diag is None:
            raise ValueError(f"brute force is limited to {MAX_DIAGONAL_QUBITS} qubits here, got {nq}")
        best = int(np.argmin(diag))
    elif method == "sa":
        best = annealer(seed) if annealer is not None else anneal_bits(problem, seed=seed)
    elif method == "random":
        best = random_assignments(problem, shots, np.random.default_rng(seed))
        if diag is not None:  # P(optimum) of one uniform draw: (optimal states) / 2**n
            p_opt = float(np.count_nonzero(diag <= diag.min() + 1e-9 * max(1.0, abs(diag.min())))) / diag.size
    elif method in VARIATIONAL:
        from qhep.execution import is_exact

        if method == "qaoa" and is_exact(runner):
            res = qaoa_statevector(problem.diagonal() if diag is None else diag, reps, shots=shots, seed=seed,
                                   init=init, max_iter=max_iter)
            p_opt = res.p_optimum
        else:
            if runner is None:
                from qhep.execution import get_runner

                runner = get_runner("statevector", seed=seed)
            res = solve_on_runner(problem.operator, problem.energies, runner, method=method, reps=reps,
                                  shots=shots, seed=seed)
        best = int((res.best_bits << np.arange(nq)).sum())
    else:
        raise ValueError(f"{method!r} does not solve an Ising problem; choose qaoa, vqe, brute-force, sa or random")
    found = optimum = float("nan")
    if diag is not None:
        optimum = float(diag.min())
        found = float(diag[best] <= optimum + 1e-9 * max(1.0, abs(optimum)))
    return ProblemSolution(best, p_opt, found, optimum)


def precluster_floor(p: np.ndarray, m: int) -> float:
    """The best thrust of the full event (N, 3 or 4), GeV, that any assignment of its m proto-jets reaches.

    Carrying hemispheres back from proto-jets keeps the vector sum (a proto-jet is the sum
    of its particles), so the best is the exact thrust of the proto-jets times
    sum|P_proto| / sum|p|: the pre-clustering error alone, before any solver. With
    m >= N it is the event's exact thrust.
    """
    p = np.asarray(p, dtype=float)
    if m >= p.shape[0]:
        return exact_thrust(p)[0]
    _, work = precluster(p, m)
    t_proto, _ = exact_thrust(work)
    return float(t_proto * np.linalg.norm(work[:, :3], axis=1).sum() / np.linalg.norm(p[:, :3], axis=1).sum())


def _four(p: np.ndarray) -> np.ndarray:
    if p.shape[1] == 4:
        return p
    return np.column_stack([p, np.linalg.norm(p, axis=1)])


def _thrust(p: np.ndarray, spins: np.ndarray) -> float:
    total = spins @ p[:, :3]
    return float(np.linalg.norm(total) / np.linalg.norm(p[:, :3], axis=1).sum())
