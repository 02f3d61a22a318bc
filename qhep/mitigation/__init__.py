"""Error mitigation: readout, ZNE, DD and twirling behind one config, and runtime mapping.

:mod:`qhep.mitigation.expand` (circuits to run) and :mod:`qhep.mitigation.combine`
(results back to one answer) work over any executor; qhep's Runners use them too.
"""

from __future__ import annotations

from qhep.mitigation import combine, expand
from qhep.mitigation.combine import execute_with_readout, execute_with_zne
from qhep.mitigation.config import MitigationConfig, parse_mitigation
from qhep.mitigation.readout import ReadoutCalibration, calibration_circuits
from qhep.mitigation.runtime import runtime_options, runtime_plan
from qhep.mitigation.twirling import twirl
from qhep.mitigation.zne import extrapolate, fold

__all__ = (
    "MitigationConfig",
    "ReadoutCalibration",
    "calibration_circuits",
    "combine",
    "execute_with_readout",
    "execute_with_zne",
    "expand",
    "extrapolate",
    "fold",
    "parse_mitigation",
    "runtime_options",
    "runtime_plan",
    "twirl",
)


def __dir__() -> tuple[str, ...]:
    return __all__
