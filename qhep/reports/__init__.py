"""Noise studies (tasks x backends x mitigation, resumable, local pool or Ray) and their HTML reports."""

from qhep.reports.cells import cell_id, run_cell
from qhep.reports.html import calibration_summary, write_report
from qhep.reports.study import Study, StudyError, load_study, run_study

__all__ = ["Study", "StudyError", "calibration_summary", "cell_id", "load_study", "run_cell", "run_study",
           "write_report"]
