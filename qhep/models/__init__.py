"""Generative models for calorimeter showers: hybrid qGAN, quantum angle generator, IQP Born machine, GAN.

Attributes load lazily (PEP 562) so that ``qhep --help`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ("MODELS", "ShowerData", "ShowerModel", "build_model", "load_run", "mmd2", "train")

_WHERE = {"ShowerData": "base", "ShowerModel": "base", "mmd2": "base", "MODELS": "training", "build_model": "training",
          "load_run": "training", "train": "training"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"qhep.models.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'qhep.models' has no attribute {name!r}")


def __dir__() -> tuple[str, ...]:
    return __all__
