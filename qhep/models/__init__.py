"""Generative models for calorimeter showers and jet images, one ``ShowerModel`` interface.

GANs: hybrid qGAN (``qgan``), quantum angle generator (``qag``), classical GAN baseline
(``gan``); Born machine: IQP (``iqp``); diffusion: quantum-circuit denoiser (``qdenoiser``),
classical DDPM baseline (``ddpm``), fully quantum diffusion (``qdiffusion``). ``train``
and ``build_model`` take any name in ``MODELS``.

Attributes load lazily (PEP 562) so that ``qhep --help`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ("MODELS", "ShowerData", "ShowerModel", "TrainedRun", "build_model", "load_run", "mmd2", "train")

_WHERE = {"ShowerData": "base", "ShowerModel": "base", "mmd2": "base", "MODELS": "training", "build_model": "training",
          "load_run": "training", "train": "training", "TrainedRun": "training"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"qhep.models.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'qhep.models' has no attribute {name!r}")


def __dir__() -> tuple[str, ...]:
    return __all__
