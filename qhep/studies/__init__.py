"""Study tasks in one registry: what noise-study cells and hardware job specs run, and how.

Noise studies are read, scheduled and resumed here (:mod:`qhep.studies.study`); ``qhep.reports``
renders them and ``qhep.hardware`` dry-runs and submits job specs; both take their tasks from
here (:mod:`qhep.studies.registry`).
"""

from qhep.studies.base import CellContext, TaskError
from qhep.studies.benchmarks import Benchmark, benchmark
from qhep.studies.cells import cell_id, cell_seed, run_cell
from qhep.studies.jobs import run_job
from qhep.studies.registry import TASKS, TaskKind, kinds, resolve, task_kind
from qhep.studies.study import Study, StudyError, load_study, run_study

__all__ = ["TASKS", "Benchmark", "CellContext", "Study", "StudyError", "TaskError", "TaskKind", "benchmark", "cell_id",
           "cell_seed", "kinds", "load_study", "resolve", "run_cell", "run_job", "run_study", "task_kind"]
