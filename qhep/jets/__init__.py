"""Thrust and jet clustering as Ising/QUBO problems, their solvers and classical references."""

from __future__ import annotations

from qhep.jets.thrust import exact_thrust

__all__ = ("exact_thrust",)


def __dir__() -> tuple[str, ...]:
    return __all__
