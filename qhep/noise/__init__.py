"""Noise models: a device's calibration restricted to the qubits used, scaled for sweeps."""

from __future__ import annotations

from qhep.noise.custom import custom_noise_model
from qhep.noise.device import device_noise_model, reduced_target

__all__ = ("custom_noise_model", "device_noise_model", "reduced_target")


def __dir__() -> tuple[str, ...]:
    return __all__
