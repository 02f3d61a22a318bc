"""Hardware job specs: dry-run on the fake twin with a device-time estimate, submit, retrieve.

What a spec's task runs is in :mod:`qhep.studies` (the task registry); this package only
estimates, submits and collects.

The ``hardware/submit.py`` and ``hardware/retrieve.py`` scripts are thin command
lines over :mod:`qhep.hardware.submission`.
"""

from qhep.hardware.cost import DeviceTimeModel, DryRunRunner, circuit_duration
from qhep.hardware.jobspec import JobSpec, SpecError, load_job
from qhep.hardware.submission import dry_run, retrieve, submit

__all__ = ["DeviceTimeModel", "DryRunRunner", "JobSpec", "SpecError", "circuit_duration", "dry_run", "load_job",
           "retrieve", "submit"]
