"""``get_runner``: one backend SPEC string -> a Runner (pyhf-style lazy backend retrieval)."""

from __future__ import annotations

from typing import Any

from qhep.execution.base import JobObserver, Runner
from qhep.execution.spec import BackendSpec, parse_backend
from qhep.mitigation.config import MitigationConfig, parse_mitigation
from qhep.transpile.passes import TranspileOptions

__all__ = ["get_runner"]


def get_runner(spec: str | BackendSpec = "statevector", *, shots: int = 4000, seed: int | None = None,
               mitigation: str | MitigationConfig | None = None,
               transpile_options: TranspileOptions | None = None, on_execute: JobObserver | None = None,
               **kwargs: Any) -> Runner:
    """Build the Runner for ``spec`` (see :func:`qhep.execution.parse_backend` for the grammar).

    Args:
        spec: backend SPEC, e.g. ``"statevector"``, ``"aer"``, ``"fake:torino@2"``, ``"ibm:fez"``.
        shots: default shots per parameter set (shot-based backends and sampling).
        seed: seed of every random draw the runner makes (sampling, simulator seeds, bootstrap).
        mitigation: ``"zne,readout,dd,twirling"`` or a :class:`MitigationConfig`.
        transpile_options: optimisation level, layout, routing, DD for device targets.
        on_execute: called with an :class:`~qhep.execution.base.ExecutedJob` before every backend
            call of a shot-based runner (a cost model's view of the jobs); exact runners make none.
        **kwargs: ``mode="session"``, ``service=...``, ``ledger=...`` for ``ibm:``.

    Returns:
        A :class:`~qhep.execution.Runner`; use it as a context manager to close what it opens.
    """
    parsed = parse_backend(spec)
    config = parse_mitigation(mitigation)
    common = {"shots": shots, "seed": seed, "mitigation": config}
    if parsed.kind == "statevector":
        from qhep.execution.statevector import StatevectorRunner

        return StatevectorRunner(parsed, **common)
    shot_common = {**common, "transpile_options": transpile_options, "on_execute": on_execute}
    if parsed.kind == "aer":
        from qhep.execution.aer import AerRunner

        return AerRunner(parsed, **shot_common)
    if parsed.kind == "fake":
        from qhep.execution.aer import FakeDeviceRunner

        return FakeDeviceRunner(parsed, **shot_common)
    from qhep.execution.ibm import IBMRunner

    return IBMRunner(parsed, **shot_common, **kwargs)
