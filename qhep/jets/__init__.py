"""Thrust and jet clustering as Ising/QUBO problems, their solvers and classical references."""

from __future__ import annotations

from qhep.jets.classical import brute_force, simulated_annealing
from qhep.jets.ising import ThrustProblem, thrust_ising
from qhep.jets.thrust import exact_thrust

__all__ = ("ThrustProblem", "brute_force", "exact_thrust", "simulated_annealing", "thrust_ising")


def __dir__() -> tuple[str, ...]:
    return __all__
