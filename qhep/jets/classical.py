"""Classical references for the thrust Ising problem: exhaustive search and simulated annealing."""

from __future__ import annotations

import numpy as np

from qhep.jets.ising import ThrustProblem

__all__ = ["anneal_bits", "brute_force", "simulated_annealing"]

MAX_BRUTE_FORCE_PARTICLES = 23


def brute_force(problem: ThrustProblem, diagonal: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """(spins (N,), thrust) of the exact optimum by evaluating every assignment (N <= 23).

    ``diagonal``: the problem's cost diagonal, if the caller has it already.
    """
    n = problem.momenta.shape[0]
    if n > MAX_BRUTE_FORCE_PARTICLES:
        raise ValueError(f"brute force is limited to {MAX_BRUTE_FORCE_PARTICLES} particles here, got {n}")
    best = int(np.argmin(problem.diagonal() if diagonal is None else diagonal))
    spins = problem.spins(problem.bits_from_ints(np.array([best])))[0]
    return spins, float(problem.thrust(spins)[0])


def simulated_annealing(problem: ThrustProblem, *, sweeps: int = 200, restarts: int = 16, t_start: float = 2.0,
                        t_end: float = 0.01, seed: int = 0) -> tuple[np.ndarray, float]:
    """(spins, thrust) of the best of ``restarts`` single-spin-flip Metropolis runs.

    Temperatures fall geometrically from ``t_start`` to ``t_end`` in units of the
    mean |coupling|; all restarts run together as one vectorised chain array.
    """
    rng = np.random.default_rng(seed)
    p = problem.momenta
    n = p.shape[0]
    j = p @ p.T
    np.fill_diagonal(j, 0.0)
    scale = np.abs(j).sum() / max(n * (n - 1), 1)
    s = rng.choice([-1.0, 1.0], size=(restarts, n))
    s[:, -1] = 1.0
    temps = scale * np.geomspace(t_start, t_end, sweeps)
    rows = np.arange(restarts)
    for temp in temps:
        for i in rng.permutation(n - 1):
            field = s @ j[i]  # (R,)
            delta = 2 * s[:, i] * field  # change of H = -sum_{i<j} J_ij s_i s_j when s_i flips
            accept = (delta <= 0) | (rng.random(restarts) < np.exp(-np.clip(delta, 0, None) / temp))
            s[rows[accept], i] *= -1
    thrust = problem.thrust(s)
    k = int(np.argmax(thrust))
    return s[k], float(thrust[k])


def anneal_bits(problem, *, sweeps: int = 200, restarts: int = 16, t_start: float = 2.0, t_end: float = 0.01,
                seed: int = 0) -> int:
    """Basis-state integer of the best of ``restarts`` single-bit-flip Metropolis runs on any problem.

    ``problem`` needs ``num_qubits`` and ``energies(ints)``; temperatures fall geometrically
    from ``t_start`` to ``t_end`` times the energy spread of random states. Used for k-jet
    and cone problems, whose flips change more than one coupling at a time.
    """
    rng = np.random.default_rng(seed)
    n = problem.num_qubits
    state = rng.integers(0, 2**n, size=restarts, dtype=np.int64)
    energy = problem.energies(state)
    scale = float(np.std(problem.energies(rng.integers(0, 2**n, size=256, dtype=np.int64)))) or 1.0
    best, best_e = state.copy(), energy.copy()
    for temp in scale * np.geomspace(t_start, t_end, sweeps):
        for q in rng.permutation(n):
            trial = state ^ (np.int64(1) << q)
            e_trial = problem.energies(trial)
            delta = e_trial - energy
            accept = (delta <= 0) | (rng.random(restarts) < np.exp(-np.clip(delta, 0, None) / temp))
            state = np.where(accept, trial, state)
            energy = np.where(accept, e_trial, energy)
            better = energy < best_e
            best, best_e = np.where(better, state, best), np.where(better, energy, best_e)
    return int(best[np.argmin(best_e)])
