"""Thrust and jet clustering as Ising/QUBO problems, their solvers and classical references.

``cluster_events`` clusters a whole events file with one method (what ``qhep jets cluster``
runs) and ``evaluate_clustering`` scores the result (what ``qhep jets evaluate`` prints).
"""

from __future__ import annotations

from qhep.jets.classical import anneal_bits, brute_force, simulated_annealing
from qhep.jets.cluster import cluster_events
from qhep.jets.cone import ConeJetProblem, cone_jet_qubo
from qhep.jets.evaluation import evaluate_clustering
from qhep.jets.ising import ThrustProblem, thrust_ising
from qhep.jets.kjet import KJetProblem, kjet_ising
from qhep.jets.thrust import exact_thrust

__all__ = ("ConeJetProblem", "KJetProblem", "ThrustProblem", "anneal_bits", "brute_force", "cluster_events",
           "cone_jet_qubo", "evaluate_clustering", "exact_thrust", "kjet_ising", "simulated_annealing",
           "thrust_ising")


def __dir__() -> tuple[str, ...]:
    return __all__
