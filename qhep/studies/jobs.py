"""What a hardware job spec runs: its task kind's ``job`` function on a Runner, results written as JSON.

Every task is deterministic given the spec (seeded), so a retrieval in a new
process replays the same Runner calls and the ledger hands back the same jobs.
The kinds (``sample``, ``qaoa``, ``calibration``) and what each writes are in
:mod:`qhep.studies.registry`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qhep.provenance import atomic_write_text, finite_json
from qhep.studies.base import JobLike
from qhep.studies.registry import task_kind

__all__ = ["run_job"]


def _write_json(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(finite_json(doc), indent=1, default=float, allow_nan=False))
    return path


def run_job(spec: JobLike, runner: Any, out: Path) -> dict[str, Any]:
    """Run the spec's task on ``runner``; write and return its results (``out/results.json``)."""
    kind = task_kind(spec.task.get("kind"), "job", label="task.kind")
    doc = kind.job(spec, runner, out)  # type: ignore[misc]
    doc = {"spec": spec.name, "kind": kind.name, "backend": str(runner.spec), **doc}
    _write_json(out / "results.json", doc)
    return doc
