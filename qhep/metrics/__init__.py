"""Physics metrics for generated samples (showers; jet images in :mod:`qhep.metrics.jets`).

``compare_with_floor`` (:mod:`qhep.metrics.floor`) scores generated showers beside a
real-vs-real floor, as ``qhep evaluate`` prints them.

Attributes load lazily (PEP 562) so that ``qhep --help`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_SHOWERS = ("METRICS", "classifier_auc", "evaluate", "features", "fpd", "kpd")
_JETS = ("girth", "jet_report", "qg_separation", "radial_profile", "separation_power")
_FLOOR = ("FloorComparison", "compare_with_floor")
__all__ = _SHOWERS + _JETS + _FLOOR


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = "qhep.metrics.showers" if name in _SHOWERS else "qhep.metrics.jets" if name in _JETS \
            else "qhep.metrics.floor"
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'qhep.metrics' has no attribute {name!r}")


def __dir__() -> tuple[str, ...]:
    return __all__
