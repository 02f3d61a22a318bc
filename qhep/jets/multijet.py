"""Four-jet (k-jet) events and cone jets with any method, after optional pre-clustering.

``solve_kjet_event`` splits an event into k jets by maximising the summed cone jet
function O_R (:mod:`qhep.jets.kjet`) with ``qaoa``/``vqe``/``brute-force``/``sa`` on M proto-jets
(M = max_qubits / log2(k) + 1, FastJet exclusive ee_kt), or runs FastJet's exclusive
k-jet ``ee_kt``/``durham``/``anti_kt`` on the whole event. The objective is always
evaluated on the full event. ``cone_jets`` finds jets one at a time with the cone
jet function (:mod:`qhep.jets.cone`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qhep.jets.cone import cone_jet_qubo, jet_function
from qhep.jets.kjet import DEFAULT_RADIUS, kjet_ising
from qhep.jets.solve import _four, precluster, solve_problem

__all__ = ["KJetSolution", "cone_jets", "jet_parton_angles", "solve_kjet_event"]

FASTJET = ("ee_kt", "durham", "anti_kt")


@dataclass
class KJetSolution:
    """Jet labels of one event's particles and their quality."""

    labels: np.ndarray  # (N,) in 0..k-1
    objective: float  # O_R (sum over jets of the cone jet function) on the full event, GeV^2
    n_qubits: int
    p_optimum: float
    optimum_found: float
    proto_optimum: float  # the best objective reachable after pre-clustering (brute force), GeV^2; NaN if unknown

    def jets(self, p4: np.ndarray, k: int) -> np.ndarray:
        """(k, 4) jet four-momenta (empty jets are zero)."""
        out = np.zeros((k, 4))
        np.add.at(out, self.labels, _four(np.asarray(p4, dtype=float)))
        return out


def solve_kjet_event(p4: np.ndarray, k: int, method: str, *, radius: float = DEFAULT_RADIUS, runner=None,
                     reps: int = 2, shots: int = 1000, max_qubits: int | None = None, seed: int = 0,
                     init: np.ndarray | None = None, max_iter: int = 100) -> KJetSolution:
    """Cluster one event's particles (N, 4), GeV, into k jets (objective O_R at ``radius``, rad)."""
    p = _four(np.asarray(p4, dtype=float))
    n = p.shape[0]
    if n < k:
        raise ValueError(f"{k} jets need at least {k} particles, got {n}")
    if method in FASTJET:
        from qhep.data.clustering import exclusive_labels

        labels = exclusive_labels(p, np.array([0, n]), k, method, radius=np.pi)
        return KJetSolution(labels, _objective(p, labels, k, radius), 0, float("nan"), float("nan"), float("nan"))
    bits = int(np.log2(k))
    proto_labels, work = np.arange(n), p
    if max_qubits is not None and bits * (n - 1) > max_qubits:
        proto_labels, work = precluster(p, max_qubits // bits + 1)
    problem = kjet_ising(work, k, radius)
    sol = solve_problem(problem, method, runner=runner, reps=reps, shots=shots, seed=seed, init=init,
                        max_iter=max_iter)
    labels = problem.labels(np.array([sol.best]))[0][proto_labels]
    proto_best = float(np.trace(problem.coupling)) - 2 * sol.optimum_energy  # H = -(O - trace C) / 2
    return KJetSolution(labels, _objective(p, labels, k, radius), problem.num_qubits, sol.p_optimum,
                        sol.optimum_found, proto_best)


def _objective(p: np.ndarray, labels: np.ndarray, k: int, radius: float) -> float:
    """O_R of a labelling on the full event, GeV^2."""
    jets = np.zeros((k, 4))
    np.add.at(jets, labels, p)
    return float(jet_function(jets, radius).sum())


def jet_parton_angles(jets: np.ndarray, partons: np.ndarray) -> np.ndarray:
    """Angles (rad) between jets (k, 3+) and truth partons (k, 3+) under the best one-to-one matching."""
    from scipy.optimize import linear_sum_assignment

    a = jets[:, :3] / np.maximum(np.linalg.norm(jets[:, :3], axis=1, keepdims=True), 1e-12)
    b = partons[:, :3] / np.linalg.norm(partons[:, :3], axis=1, keepdims=True)
    angle = np.arccos(np.clip(a @ b.T, -1, 1))
    rows, cols = linear_sum_assignment(angle)
    return angle[rows, cols]


def cone_jets(p4: np.ndarray, radius: float, n_jets: int, method: str = "brute-force", **kwargs) -> np.ndarray:
    """(N,) jet index per particle (-1: unclustered): find a jet, remove it, repeat ``n_jets`` times.

    ``method`` and ``kwargs`` go to :func:`qhep.jets.solve.solve_problem`; the cone problem
    has one qubit per remaining particle.
    """
    p = _four(np.asarray(p4, dtype=float))
    labels = np.full(p.shape[0], -1)
    for jet in range(n_jets):
        free = np.flatnonzero(labels < 0)
        if free.size == 0:
            break
        problem = cone_jet_qubo(p[free], radius)
        best = solve_problem(problem, method, **kwargs).best
        members = problem.members(np.array([best]))[0].astype(bool)
        if not members.any():
            break
        labels[free[members]] = jet
    return labels
