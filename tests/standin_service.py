"""A stand-in for ``QiskitRuntimeService`` that persists its jobs to a file.

Local-mode jobs die with their process, so crash and retrieval tests use this
object, which has the runtime service's interface (``jobs(job_tags=...)``,
``job(job_id)``, ``job.result()``, ``job.job_id()``) and survives a new process.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import numpy as np
from qiskit.primitives import BitArray, DataBin, PrimitiveResult, SamplerPubResult


def _store() -> Path:
    return Path(os.environ["QHEP_HOME"]) / "standin_jobs.json"


class StandInJob:
    def __init__(self, job_id: str, record: dict) -> None:
        self._id = job_id
        self.record = record

    def job_id(self) -> str:
        return self._id

    def result(self) -> PrimitiveResult:
        counts = self.record["counts"]
        bits = BitArray.from_counts(counts, num_bits=len(next(iter(counts))))
        return PrimitiveResult([SamplerPubResult(DataBin(meas=bits))])


class StandInService:
    def _load(self) -> dict:
        return json.loads(_store().read_text()) if _store().exists() else {}

    def submit(self, tags: list[str], counts: dict[str, int]) -> StandInJob:
        jobs = self._load()
        job_id = "job-" + uuid.uuid4().hex[:8]
        jobs[job_id] = {"tags": tags, "counts": counts}
        _store().parent.mkdir(parents=True, exist_ok=True)
        _store().write_text(json.dumps(jobs))
        return StandInJob(job_id, jobs[job_id])

    def jobs(self, job_tags: list[str]) -> list[StandInJob]:
        return [StandInJob(k, v) for k, v in self._load().items() if set(job_tags) <= set(v["tags"])]

    def job(self, job_id: str) -> StandInJob:
        return StandInJob(job_id, self._load()[job_id])


def make() -> StandInService:
    return StandInService()


__all__ = ["StandInService", "make", "np"]
