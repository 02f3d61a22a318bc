"""One cell of a noise study: one task on one backend with one mitigation config.

A cell is a pure function of (task, backend, mitigation, seed): its seed is derived
from the study seed and the cell's name, not from the order cells run in, so an
interrupted study re-run in any order (or on Ray) gives the same numbers. What a cell
of each task kind computes (one headline ``metric`` with value and standard error, and
extras) is the kind's ``cell`` function in :mod:`qhep.studies.registry`.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from qhep.studies.base import CellContext
from qhep.studies.registry import task_kind

__all__ = ["cell_id", "cell_seed", "run_cell"]


def cell_id(task: str, backend: str, mitigation: str) -> str:
    """File-safe name of a cell."""
    text = f"{task}__{backend}__{mitigation or 'none'}"
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)


def cell_seed(study_seed: int, cid: str) -> int:
    """A seed that depends on the study seed and the cell, never on the run order."""
    return int(hashlib.sha256(f"{study_seed}:{cid}".encode()).hexdigest()[:8], 16)


def _runner(backend: str, mitigation: str, shots: int, seed: int, cid: str, study_key: str | None = None):
    """The cell's Runner; on ``ibm:`` its jobs are keyed on the ledger by study directory, cell, seed
    and shots, so a study interrupted while a cell's jobs ran replays them on resume instead of paying
    twice, and another study directory never gets this one's jobs back."""
    from qhep.execution import get_runner

    prefix = f"noise-study/{study_key}" if study_key else "noise-study"
    extra = {"job_key": f"{prefix}/{cid}/seed{seed}/shots{shots}"} if backend.startswith("ibm:") else {}
    return get_runner(backend, shots=shots, seed=seed, mitigation=mitigation or None, **extra)


def run_cell(task: dict, backend: str, mitigation: str, *, shots: int, study_seed: int,
             model_dir: str | None = None, study_key: str | None = None) -> dict[str, Any]:
    """Run one cell; a JSON-ready record with the task's metric, its error and extras."""
    cid = cell_id(task["name"], backend, mitigation)
    seed = cell_seed(study_seed, cid)
    start = time.perf_counter()
    kind = task_kind(task["kind"], "study")  # checked when the study is loaded
    runner = _runner(backend, mitigation, shots, seed, cid, study_key)
    ctx = CellContext(shots=shots, seed=seed, model_dir=Path(model_dir) if model_dir else None)
    out = kind.cell(task, runner, ctx)  # type: ignore[misc]
    return {"cell": cid, "task": task["name"], "kind": kind.name, "backend": backend,
            "mitigation": mitigation or "none", "seed": seed, "shots": shots, **out,
            "seconds": round(time.perf_counter() - start, 3)}
