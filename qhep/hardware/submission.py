"""Dry-run, submit and retrieve a hardware job spec, with the ledger between them.

- :func:`dry_run` runs the whole task on the device's fake twin (``fake:NAME``: the
  real device's target and calibrated noise), records every job it would submit
  (:mod:`qhep.hardware.cost`) and writes ``dry_run.json`` and the task's results
  under ``<out>/dry-run/``.
- :func:`submit` does the dry run first and refuses (:class:`BudgetError`) a spec
  whose estimated device time is over ``budget_s``, before anything is sent; then it
  runs the task on ``ibm:NAME`` with ``job_key = spec.key`` and ``wait=False``:
  every call goes through :meth:`Ledger.submit_once`, so a second run of the same
  spec replays its jobs instead of submitting them again. It returns ``pending``
  when a job is still queued.
- :func:`retrieve`, in any later process, replays the same calls: finished jobs'
  results are fetched, queued ones waited for (``wait=True``) or reported, calls
  never submitted (a crash before submission, or later rounds of an iterative
  task) are submitted. Results land in ``<spec stem>.out/`` next to the spec, with
  each job's raw result in ``jobs/``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from qhep.errors import BudgetError, JobPending
from qhep.execution.ledger import Ledger
from qhep.hardware.cost import DeviceTimeModel, DryRunRunner
from qhep.hardware.jobspec import JobSpec
from qhep.provenance import atomic_write_text, finite_json
from qhep.studies.jobs import run_job

__all__ = ["dry_run", "retrieve", "submit", "time_model"]


def time_model(spec: JobSpec) -> DeviceTimeModel:
    """The spec's device-time model: its ``time_model`` overrides, else the twin's rep delay."""
    from qhep.execution.spec import fake_backend, parse_backend

    config = fake_backend(parse_backend(spec.twin).device or "").configuration()
    rep_delay = float(getattr(config, "default_rep_delay", None) or 250e-6)
    return DeviceTimeModel(**{"rep_delay_s": rep_delay, **spec.time_model})


def dry_run(spec: JobSpec) -> dict[str, Any]:
    """Run the task on the fake twin; the cost report (also written to ``<out>/dry_run.json``)."""
    from qhep.execution.spec import parse_backend
    from qhep.mitigation.config import parse_mitigation

    runner = DryRunRunner(parse_backend(spec.twin), shots=spec.shots, seed=spec.seed,
                          mitigation=parse_mitigation(spec.mitigation))
    start = time.perf_counter()
    results = run_job(spec, runner, spec.out_dir / "dry-run")
    model = time_model(spec)
    report = {"spec": spec.name, "device": spec.device, "twin": spec.twin, "key": spec.key,
              **runner.log.summary(model), "budget_s": spec.budget_s,
              "time_model": {"rep_delay_s": model.rep_delay_s, "overhead_per_job_s": model.overhead_per_job_s},
              "simulated_in_s": round(time.perf_counter() - start, 2), "twin_results": results}
    report["within_budget"] = report["device_seconds"] <= spec.budget_s
    spec.out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(spec.out_dir / "dry_run.json",
                      json.dumps(finite_json(report), indent=1, default=float, allow_nan=False))
    return report


def _run_on_device(spec: JobSpec, service: Any, ledger: Ledger, wait: bool) -> dict[str, Any]:
    from qhep.execution import get_runner

    runner = get_runner(spec.device, shots=spec.shots, seed=spec.seed, mitigation=spec.mitigation,
                        mode=spec.mode, service=service, ledger=ledger, job_key=spec.key, wait=wait)
    try:
        results = run_job(spec, runner, spec.out_dir)
    except JobPending as pending:
        return {"status": "pending", "spec": spec.name, "job_id": pending.job_id, "job_status": pending.status,
                "submitted_calls": runner.submitted_calls}
    finally:
        runner.close()
    jobs = []
    for entry in ledger.entries().values():
        if str(entry.info.get("key", "")).startswith(spec.key + "/") and entry.job_id:
            path = spec.out_dir / "jobs" / f"{entry.info['key'].split('/')[-1]}.json"
            if not path.exists():
                ledger.retrieve(entry.uuid, service, spec.out_dir / "jobs", name=path.name)
            jobs.append(entry.job_id)
    return {"status": "done", "spec": spec.name, "jobs": jobs, "results": str(spec.out_dir / "results.json"),
            "summary": {k: v for k, v in results.items() if not isinstance(v, (list, dict))}}


def submit(spec: JobSpec, service: Any, *, ledger: Ledger | None = None, wait: bool = False,
           report: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check the budget on a dry run, then submit (or replay) the spec; its status."""
    report = report or dry_run(spec)
    if not report["within_budget"]:
        raise BudgetError(f"{spec.name}: estimated device time {report['device_seconds']:.1f} s exceeds the "
                          f"budget of {spec.budget_s:g} s ({report['jobs']} jobs, {report['circuits']} circuits, "
                          f"{report['shots']} shots); nothing was submitted")
    return {**_run_on_device(spec, service, ledger or Ledger(), wait), "estimated_device_seconds":
            report["device_seconds"]}


def retrieve(spec: JobSpec, service: Any, *, ledger: Ledger | None = None, wait: bool = True) -> dict[str, Any]:
    """Collect (and resume) a submitted spec in any process; its status."""
    ledger = ledger or Ledger()
    ledger.reconcile(service)
    return _run_on_device(spec, service, ledger, wait)


def write_status(spec: JobSpec, doc: dict[str, Any]) -> Path:
    """``<out>/status.json``: what the last submit/retrieve found."""
    spec.out_dir.mkdir(parents=True, exist_ok=True)
    path = spec.out_dir / "status.json"
    atomic_write_text(path, json.dumps(finite_json(doc), indent=1, default=float, allow_nan=False))
    return path
