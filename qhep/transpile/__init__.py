"""Target-aware transpilation, cached so a parametric circuit is transpiled once."""

from __future__ import annotations

from qhep.transpile.cache import TranspileCache, circuit_fingerprint
from qhep.transpile.passes import TranspileOptions, basis_only_pass_manager, build_pass_manager

__all__ = (
    "TranspileCache",
    "TranspileOptions",
    "basis_only_pass_manager",
    "build_pass_manager",
    "circuit_fingerprint",
)


def __dir__() -> tuple[str, ...]:
    return __all__
