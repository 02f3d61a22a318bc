"""Hardware job specs: one YAML file says what to run, where, with how many shots, for what budget.

Example (``hardware/specs/qaoa-thrust-fez.yaml``)::

    name: qaoa-thrust-fez
    device: ibm:fez             # ibm:NAME; its fake twin fake:NAME is used by --dry-run
    shots: 2000
    mitigation: readout         # any --mitigation string, or omit
    seed: 7
    budget_s: 300               # refuse to submit above this estimated device time (s)
    task:
      kind: qaoa                # sample | qaoa | calibration (see qhep.hardware.tasks)
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qhep.errors import QhepError
from qhep.execution.spec import parse_backend
from qhep.mitigation.config import parse_mitigation

__all__ = ["TASK_KINDS", "JobSpec", "SpecError", "load_job"]

TASK_KINDS = ("sample", "qaoa", "calibration")


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
    try:
        doc = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"no job spec at {path}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
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
    if not isinstance(task, dict) or task.get("kind") not in TASK_KINDS:
        raise SpecError(f"{path}: task.kind must be one of {', '.join(TASK_KINDS)}")
    mitigation = doc.get("mitigation")
    parse_mitigation(mitigation)
    budget = float(doc.get("budget_s", 60.0))
    shots = int(doc.get("shots", 4000))
    if budget <= 0 or shots <= 0:
        raise SpecError(f"{path}: shots and budget_s must be positive")
    if doc.get("mode", "batch") not in ("batch", "session"):
        raise SpecError(f"{path}: mode must be batch or session")
    return JobSpec(path=path.resolve(), name=str(doc.get("name", path.stem)), device=device, task=dict(task),
                   shots=shots, mitigation=mitigation, seed=int(doc.get("seed", 0)), budget_s=budget,
                   mode=str(doc.get("mode", "batch")), time_model=dict(doc.get("time_model") or {}))
