"""Model names (a light module, so ``qhep --help`` does not import torch)."""

from __future__ import annotations

__all__ = ["MODELS"]

MODELS = ("qgan", "qag", "iqp", "gan", "qdenoiser", "ddpm", "qdiffusion", "qlatent", "gauss", "mlpgen", "qborn")
