"""Noise studies (tasks x backends x mitigation, resumable, local pool or Ray) and their HTML reports.

The tasks themselves (what each cell computes) are in :mod:`qhep.studies`.
"""

from qhep.reports.html import calibration_summary, write_report
from qhep.reports.study import Study, StudyError, load_study, run_study

__all__ = ["Study", "StudyError", "calibration_summary", "load_study", "run_study", "write_report"]
