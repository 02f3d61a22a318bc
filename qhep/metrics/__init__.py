"""Physics metrics for generated samples (showers).

Attributes load lazily (PEP 562) so that ``qhep --help`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ("METRICS", "classifier_auc", "evaluate", "features", "fpd", "kpd")


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("qhep.metrics.showers"), name)
    raise AttributeError(f"module 'qhep.metrics' has no attribute {name!r}")


def __dir__() -> tuple[str, ...]:
    return __all__
