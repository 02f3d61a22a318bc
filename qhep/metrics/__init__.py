"""Physics metrics for generated samples (showers) and, later, clusterings."""

from __future__ import annotations

from qhep.metrics.showers import METRICS, classifier_auc, evaluate, features, fpd, kpd

__all__ = ("METRICS", "classifier_auc", "evaluate", "features", "fpd", "kpd")


def __dir__() -> tuple[str, ...]:
    return __all__
