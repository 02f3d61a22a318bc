"""Generative models for calorimeter showers: hybrid qGAN, quantum angle generator, IQP Born machine, GAN."""

from __future__ import annotations

from qhep.models.base import ShowerData, ShowerModel, mmd2
from qhep.models.train import MODELS, build_model, load_run, train

__all__ = ("MODELS", "ShowerData", "ShowerModel", "build_model", "load_run", "mmd2", "train")


def __dir__() -> tuple[str, ...]:
    return __all__
