"""Study tasks in one registry: what noise-study cells and hardware job specs run, and how.

``qhep.reports`` schedules studies and renders them, ``qhep.hardware`` dry-runs and
submits job specs; both take their tasks from here (:mod:`qhep.studies.registry`).
"""

from qhep.studies.base import CellContext, TaskError
from qhep.studies.benchmarks import Benchmark, benchmark
from qhep.studies.cells import cell_id, cell_seed, run_cell
from qhep.studies.jobs import run_job
from qhep.studies.registry import TASKS, TaskKind, kinds, resolve, task_kind

__all__ = ["TASKS", "Benchmark", "CellContext", "TaskError", "TaskKind", "benchmark", "cell_id", "cell_seed",
           "kinds", "resolve", "run_cell", "run_job", "task_kind"]
