"""One Runner API for every backend: statevector, Aer (CPU/GPU), fake IBM devices, IBM hardware.

:class:`QhepSampler` / :class:`QhepEstimator` make any Runner a Qiskit V2 primitive.

Example:
    >>> from qiskit import QuantumCircuit
    >>> from qhep.execution import get_runner
    >>> qc = QuantumCircuit(2); _ = qc.h(0); _ = qc.cx(0, 1)
    >>> float(get_runner("statevector").estimate(qc, "ZZ").values[0, 0])
    1.0
"""

from __future__ import annotations

from qhep.execution.base import Runner, is_exact
from qhep.execution.factory import get_runner
from qhep.execution.ledger import Ledger, LedgerEntry
from qhep.execution.primitives import QhepEstimator, QhepSampler
from qhep.execution.results import EstimateResult
from qhep.execution.spec import BackendSpec, fake_device_names, parse_backend

__all__ = (
    "BackendSpec",
    "EstimateResult",
    "Ledger",
    "LedgerEntry",
    "QhepEstimator",
    "QhepSampler",
    "Runner",
    "fake_device_names",
    "get_runner",
    "is_exact",
    "parse_backend",
)


def __dir__() -> tuple[str, ...]:
    return __all__
