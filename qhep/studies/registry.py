"""The task registry: every task a noise study or a hardware job spec can name, in one table.

A task kind says how its circuits are built and run (:class:`TaskKind`): a ``cell``
function for noise studies, a ``job`` function for hardware specs, a ``check`` of its
keys run when the file is loaded, and a ``prepare`` step run once per study. Study
files and job specs are checked against this table, the study runner and the job
submitter dispatch through it, and benchmark-circuit names (``ghz:N``, ``mirror:N``)
resolve through :func:`resolve` too, so a misspelt name is refused the same way
everywhere, naming the nearest valid one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from qhep.studies.base import CellFn, JobFn, TaskError, did_you_mean
from qhep.studies.benchmarks import (
    Benchmark,
    benchmark,
    calibration_job,
    check_calibration,
    check_circuit,
    circuit_cell,
)
from qhep.studies.generators import check_generator, generator_cell, prepare_generator, sample_job
from qhep.studies.thrust import qaoa_cell, qaoa_job

__all__ = ["TASKS", "TaskKind", "Use", "kinds", "resolve", "task_kind"]

Use = Literal["study", "job"]


def _no_check(task: dict[str, Any]) -> None:
    """Nothing to check before running."""


@dataclass(frozen=True)
class TaskKind:
    """One task kind: how a noise-study cell and a hardware job of it run.

    Attributes:
        name: the ``kind`` written in study files and job specs.
        summary: one line for error messages and docs.
        cell: noise-study cell ``(task, runner, CellContext) -> record``; None where studies cannot use it.
        job: hardware job ``(spec, runner, out) -> results``; None where job specs cannot use it.
        check: refuses a task's missing or bad keys with :class:`TaskError`, before anything runs.
        prepare: ``(task, out, seed) -> model directory``, once per study (generators train here).
    """

    name: str
    summary: str
    cell: CellFn | None = None
    job: JobFn | None = None
    check: Callable[[dict[str, Any]], None] = _no_check
    prepare: Callable[[dict[str, Any], Path, int], str] | None = None


TASKS: dict[str, TaskKind] = {kind.name: kind for kind in (
    TaskKind("circuit", "a benchmark circuit (circuit: ghz:N or mirror:N); metric success probability",
             cell=circuit_cell, check=check_circuit),
    TaskKind("calibration", "benchmark circuits (circuits: [ghz:N, mirror:N]); their success probabilities",
             job=calibration_job, check=check_calibration),
    TaskKind("qaoa", "QAOA thrust at transferred angles; approximation ratio (study), best thrust (job)",
             cell=qaoa_cell, job=qaoa_job),
    TaskKind("generator", "a shower model trained on statevector, sampled on the backend; mean-image error",
             cell=generator_cell, check=check_generator, prepare=prepare_generator),
    TaskKind("diffusion", "as generator, for diffusion models", cell=generator_cell, check=check_generator,
             prepare=prepare_generator),
    TaskKind("sample", "showers of a trained run (run:) sampled on the device", job=sample_job),
)}


def kinds(use: Use) -> tuple[str, ...]:
    """The task kinds noise studies (``study``) or hardware job specs (``job``) can run, in table order."""
    return tuple(name for name, kind in TASKS.items() if (kind.cell if use == "study" else kind.job) is not None)


def task_kind(name: Any, use: Use, *, label: str = "task kind") -> TaskKind:
    """The kind called ``name`` usable for ``use``; :class:`TaskError` names the nearest valid kind."""
    valid = kinds(use)
    if isinstance(name, str) and name in valid:
        return TASKS[name]
    where = "noise studies" if use == "study" else "hardware job specs"
    elsewhere = f" ('{name}' runs in the other table)" if isinstance(name, str) and name in TASKS else ""
    hint = elsewhere or did_you_mean(str(name), valid)
    raise TaskError(f"{label} must be one of {', '.join(valid)} in {where}, got {name!r}{hint}", hint)


def resolve(name: str, use: Use | None = None) -> TaskKind | Benchmark:
    """A task kind (``qaoa``) or a benchmark circuit (``ghz:4``) by name; unknown names name the nearest one.

    ``use`` restricts kinds to those of noise studies or of job specs; None accepts both.
    """
    text = str(name)
    if ":" in text:
        return benchmark(text)
    if use is not None:
        return task_kind(text, use)
    if text in TASKS:
        return TASKS[text]
    raise TaskError(f"unknown task {text!r}: a task kind ({', '.join(TASKS)}) or a benchmark circuit "
                    f"(ghz:N, mirror:N){did_you_mean(text, list(TASKS) + ['ghz:N', 'mirror:N'])}")
