"""What every study task shares: its error type and what a task's functions are handed.

A task runs in two places: as a *cell* of a noise study (one backend, one mitigation
config, a headline metric with its error) and as a hardware *job* (a job spec submitted
to a device, results written next to the spec). Both are plain functions of what is
declared here and a Runner, so this package never imports the layers that schedule,
submit or render them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from qhep.errors import QhepError

__all__ = ["CellContext", "CellFn", "JobFn", "JobLike", "TaskError", "did_you_mean"]


class TaskError(QhepError, ValueError):
    """A task that names something unknown or lacks what it needs; the message names the nearest valid name.

    ``hint`` is that suggestion alone (`` (did you mean 'qaoa'?)``), for callers wording their own message.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class CellContext:
    """What a noise-study cell gets besides its task and Runner.

    Attributes:
        shots: shots per circuit.  seed: the cell's seed (from the study seed and the cell's name).
        model_dir: the trained model of a generator task (``prepare``), else None.
    """

    shots: int
    seed: int
    model_dir: Path | None = None


class JobLike(Protocol):
    """What a hardware job's task function reads of its spec (``qhep.hardware.JobSpec`` is one)."""

    path: Path
    name: str
    task: dict[str, Any]
    shots: int
    mitigation: str | None
    seed: int

    def resolve(self, value: str) -> Path:
        """A path from the task section, relative to the spec file."""


CellFn = Callable[[dict[str, Any], Any, CellContext], dict[str, Any]]
JobFn = Callable[[JobLike, Any, Path], dict[str, Any]]


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest valid name, or empty: appended to error messages."""
    near = difflib.get_close_matches(str(name), list(valid), n=1, cutoff=0.5)
    return f" (did you mean '{near[0]}'?)" if near else ""
