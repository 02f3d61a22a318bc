"""Map a :class:`MitigationConfig` onto qiskit-ibm-runtime primitive options.

The runtime's Estimator offers ZNE, measurement mitigation (TREX), DD and gate
twirling; its Sampler offers only DD and twirling. Whatever the runtime cannot
do is applied client-side by qhep (readout calibration for the Sampler), and
:func:`runtime_plan` says which is which so results can carry it in metadata.
"""

from __future__ import annotations

from typing import Any, Literal

from qhep.mitigation.config import MitigationConfig

__all__ = ["runtime_options", "runtime_plan"]

_EXTRAPOLATORS = {
    "linear": "linear",
    "richardson": "polynomial_degree_2",
    "poly2": "polynomial_degree_2",
    "exponential": "exponential",
}


def runtime_plan(config: MitigationConfig, primitive: Literal["sampler", "estimator"]) -> dict[str, str]:
    """Where each switched-on technique runs: ``"runtime"`` or ``"client"``."""
    plan: dict[str, str] = {}
    if config.dd:
        plan["dd"] = "runtime"
    if config.twirling:
        plan["twirling"] = "runtime"
    if config.readout:
        plan["readout"] = "runtime" if primitive == "estimator" else "client"
    if config.zne:
        if primitive != "estimator":
            raise ValueError(
                "ZNE applies to expectation values; the runtime Sampler has no ZNE. Use estimate "
                "(qhep run --observable ...) or drop zne"
            )
        plan["zne"] = "runtime"
    return plan


def runtime_options(config: MitigationConfig, primitive: Literal["sampler", "estimator"], *,
                    shots: int | None = None, tags: list[str] | None = None) -> dict[str, Any]:
    """Options dict for ``executor_sampler.Sampler`` / ``executor_estimator.Estimator``."""
    runtime_plan(config, primitive)  # validates
    opts: dict[str, Any] = {
        "dynamical_decoupling": {"enable": config.dd, "sequence_type": config.dd_sequence},
        "twirling": {"enable_gates": config.twirling},
        "environment": {"job_tags": list(tags or [])},
    }
    if config.twirling:
        opts["twirling"]["num_randomizations"] = config.twirl_randomizations
    if primitive == "sampler":
        if shots is not None:
            opts["default_shots"] = shots
        return opts
    opts["resilience_level"] = 0
    opts["resilience"] = {
        "measure_mitigation": config.readout,
        "zne_mitigation": config.zne,
    }
    if config.zne:
        opts["resilience"]["zne"] = {
            "noise_factors": list(config.zne_scales),
            "extrapolator": _EXTRAPOLATORS[config.zne_extrapolator],
        }
    if config.readout:
        opts["twirling"]["enable_measure"] = True
    if shots is not None:
        opts["default_shots"] = shots
    return opts
