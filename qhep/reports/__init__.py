"""HTML reports of noise studies: rendering only.

A study's file format, scheduling and resumption are :mod:`qhep.studies.study`; what each cell
computes is :mod:`qhep.studies.registry`. :func:`run_and_report` is the two together, what
``qhep noise-study`` runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qhep.reports.html import calibration_summary, write_report
from qhep.studies.study import Study, run_study

__all__ = ["calibration_summary", "run_and_report", "write_report"]


def run_and_report(study: Study, out: str | Path, **options: Any) -> dict[str, Any]:
    """Run the study's missing cells (:func:`qhep.studies.study.run_study`), then write ``out/report.html``."""
    doc = run_study(study, out, **options)
    return {**doc, "report": str(write_report(study, Path(out)))}
