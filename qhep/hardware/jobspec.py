"""Hardware job specs: one YAML file says what to run, where, with how many shots, for what budget.

Example (``hardware/specs/qaoa-thrust-fez.yaml``)::

    name: qaoa-thrust-fez
    device: ibm:fez             # ibm:NAME; its fake twin fake:NAME is used by --dry-run
    shots: 2000
    mitigation: readout         # any --mitigation string, or omit
    seed: 7
    budget_s: 300               # refuse to submit above this estimated device time (s)
    task:
      kind: qaoa                # sample | qaoa | calibration (see qhep.studies.registry)
      events: ../../data/ee_z.h5
      n_events: 10
      qubits: 8

Relative paths in ``task`` are relative to the spec file. Results go to
``<spec dir>/<spec stem>.out/``, next to the spec. The spec's hash (of everything
but ``budget_s`` and the time model) keys its jobs on the ledger, so a spec is never
submitted twice; change any setting and it is a new spec.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qhep.errors import QhepError
from qhep.execution.spec import parse_backend
from qhep.mitigation.config import parse_mitigation
from qhep.provenance import read_yaml
from qhep.studies import TaskError, kinds, task_kind

__all__ = ["TASK_KINDS", "JobSpec", "SpecError", "load_job"]

TASK_KINDS = kinds("job")


class SpecError(QhepError, ValueError):
    """A job spec that cannot be read or is missing what it needs."""


@dataclass(frozen=True)
class JobSpec:
    """A parsed job spec (see the module docstring for the file format)."""

    path: Path
    name: str
    device: str
    task: dict[str, Any]
    shots: int = 4000
    mitigation: str | None = None
    seed: int = 0
    budget_s: float = 60.0
    mode: str = "batch"
    time_model: dict[str, float] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The task kind (``sample``, ``qaoa``, ``calibration``)."""
        return str(self.task["kind"])

    @property
    def twin(self) -> str:
        """Backend SPEC of the device's fake twin (``fake:torino`` for ``ibm:torino``)."""
        return f"fake:{parse_backend(self.device).device}"

    @property
    def out_dir(self) -> Path:
        """Where results are written: ``<spec stem>.out`` beside the spec."""
        return self.path.parent / f"{self.path.stem}.out"

    @property
    def key(self) -> str:
        """Stable hash of what the spec runs (not of its budget): keys its ledger entries."""
        what = {"name": self.name, "device": self.device, "task": self.task, "shots": self.shots,
                "mitigation": self.mitigation, "seed": self.seed, "mode": self.mode}
        return "spec-" + hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:12]

    def resolve(self, value: str) -> Path:
        """A path from the task section, relative to the spec file."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.path.parent / path).resolve()


def load_job(path: str | Path) -> JobSpec:
    """Read and check a job spec; :class:`SpecError` says what is wrong, naming the file."""
    path = Path(path)
    doc = read_yaml(path, SpecError, "job spec")
    if not isinstance(doc, dict):
        raise SpecError(f"{path}: a job spec is a mapping with name, device, shots, budget_s and task")
    unknown = set(doc) - {"name", "device", "task", "shots", "mitigation", "seed", "budget_s", "mode", "time_model"}
    if unknown:
        raise SpecError(f"{path}: unknown keys {sorted(unknown)}")
    for required in ("device", "task"):
        if required not in doc:
            raise SpecError(f"{path}: missing '{required}'")
    device = str(doc["device"])
    parsed = parse_backend(device)
    if parsed.kind != "ibm":
        raise SpecError(f"{path}: device must be ibm:NAME (an IBM Quantum device), got {device!r}")
    parse_backend(f"fake:{parsed.device}")  # the twin must exist for --dry-run
    task = doc["task"]
    if not isinstance(task, dict):
        raise SpecError(f"{path}: task must be a mapping; task.kind must be one of {', '.join(TASK_KINDS)}")
    try:
        kind = task_kind(task.get("kind"), "job", label="task.kind")
    except TaskError as exc:
        raise SpecError(f"{path}: {exc}") from None
    mitigation = doc.get("mitigation")
    if mitigation is not None and not isinstance(mitigation, str):
        raise SpecError(f"{path}: mitigation must be a comma list such as readout or zne,readout, "
                        f"got {mitigation!r}")
    try:
        parse_mitigation(mitigation)
    except ValueError as exc:
        raise SpecError(f"{path}: mitigation: {exc}") from None
    budget = _number(path, doc, "budget_s", 60.0, float)
    shots = _number(path, doc, "shots", 4000, int)
    seed = _number(path, doc, "seed", 0, int)
    if budget <= 0 or shots <= 0 or seed < 0:
        raise SpecError(f"{path}: shots and budget_s must be positive and seed >= 0")
    if doc.get("mode", "batch") not in ("batch", "session"):
        raise SpecError(f"{path}: mode must be batch or session")
    time_model = doc.get("time_model") or {}
    if not isinstance(time_model, dict):
        raise SpecError(f"{path}: time_model must be a mapping of {', '.join(TIME_MODEL_KEYS)}")
    for key in time_model:
        if key not in TIME_MODEL_KEYS:
            raise SpecError(f"{path}: time_model: unknown key {key!r}; known: {', '.join(TIME_MODEL_KEYS)}")
        _number(path, time_model, key, 0.0, float, f"time_model.{key}")
        if not time_model[key] >= 0:
            raise SpecError(f"{path}: time_model.{key} must be >= 0")
    try:
        kind.check(task)
    except TaskError as exc:
        raise SpecError(f"{path}: {exc}") from None
    return JobSpec(path=path.resolve(), name=str(doc.get("name", path.stem)), device=device, task=dict(task),
                   shots=shots, mitigation=mitigation, seed=seed, budget_s=budget,
                   mode=str(doc.get("mode", "batch")), time_model=dict(time_model))


TIME_MODEL_KEYS = ("rep_delay_s", "overhead_per_job_s")


def _number(path: Path, doc: dict[str, Any], key: str, default: float, kind: type, name: str | None = None):
    """``doc[key]`` as ``kind`` (int or float), refusing strings, booleans and non-finite values."""
    value = doc.get(key, default)
    ok = isinstance(value, int) if kind is int else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or (kind is float and not math.isfinite(value)):
        what = "an integer" if kind is int else "a finite number"
        raise SpecError(f"{path}: {name or key} must be {what}, got {value!r}")
    return kind(value)
