"""Noise models from a small config: depolarising, readout and T1/T2 relaxation.

Config keys (all optional)::

    depolarizing: {p1: 0.001, p2: 0.01}        # error probability per 1q / 2q gate
    readout: 0.02                              # symmetric flip probability per measured bit
    thermal: {t1: 100e-6, t2: 80e-6, gate_time_1q: 35e-9, gate_time_2q: 300e-9}   # seconds
"""

from __future__ import annotations

from typing import Any

from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error, thermal_relaxation_error

__all__ = ["custom_noise_model"]

ONE_Q = ["rz", "sx", "x", "rx", "ry", "h", "u", "p"]
TWO_Q = ["cx", "cz", "ecr", "rzz"]


def custom_noise_model(config: dict[str, Any], scale: float = 1.0) -> NoiseModel:
    """Noise model from ``config`` (keys above), every error rate multiplied by ``scale``."""
    unknown = set(config) - {"depolarizing", "readout", "thermal"}
    if unknown:
        raise ValueError(
            f"unknown noise config keys {sorted(unknown)}; expected depolarizing, readout, thermal"
        )
    model = NoiseModel(basis_gates=ONE_Q + TWO_Q)
    dep = config.get("depolarizing", {})
    th = config.get("thermal")
    for gates, n_q, p_key, t_key, default_t in (
        (ONE_Q, 1, "p1", "gate_time_1q", 35e-9),
        (TWO_Q, 2, "p2", "gate_time_2q", 300e-9),
    ):
        error = None
        p = min(float(dep.get(p_key, 0.0)) * scale, 1.0)
        if p > 0:
            error = depolarizing_error(p, n_q)
        if th and scale > 0:
            t1, t2 = float(th["t1"]) / scale, float(th["t2"]) / scale
            t2 = min(t2, 2 * t1)
            relax = thermal_relaxation_error(t1, t2, float(th.get(t_key, default_t)))
            if n_q == 2:
                relax = relax.expand(relax)
            error = relax if error is None else error.compose(relax)
        if error is not None:
            model.add_all_qubit_quantum_error(error, gates)
    p_ro = min(float(config.get("readout", 0.0)) * scale, 1.0)
    if p_ro > 0:
        model.add_all_qubit_readout_error(ReadoutError([[1 - p_ro, p_ro], [p_ro, 1 - p_ro]]))
    return model
