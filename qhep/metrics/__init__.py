"""Physics metrics for generated samples (showers; jet images in :mod:`qhep.metrics.jets`).

Attributes load lazily (PEP 562) so that ``qhep --help`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_SHOWERS = ("METRICS", "classifier_auc", "evaluate", "features", "fpd", "kpd")
_JETS = ("girth", "jet_report", "qg_separation", "radial_profile", "separation_power")
__all__ = _SHOWERS + _JETS


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = "qhep.metrics.showers" if name in _SHOWERS else "qhep.metrics.jets"
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'qhep.metrics' has no attribute {name!r}")


def __dir__() -> tuple[str, ...]:
    return __all__
