"""Thrust and jet clustering as Ising/QUBO problems, their solvers and classical references."""

from __future__ import annotations

from qhep.jets.classical import anneal_bits, brute_force, simulated_annealing
from qhep.jets.cone import ConeJetProblem, cone_jet_qubo
from qhep.jets.ising import ThrustProblem, thrust_ising
from qhep.jets.kjet import KJetProblem, kjet_ising
from qhep.jets.thrust import exact_thrust

__all__ = ("ConeJetProblem", "KJetProblem", "ThrustProblem", "anneal_bits", "brute_force", "cone_jet_qubo",
           "exact_thrust", "kjet_ising", "simulated_annealing", "thrust_ising")


def __dir__() -> tuple[str, ...]:
    return __all__
