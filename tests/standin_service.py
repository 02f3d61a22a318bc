"""A stand-in for ``QiskitRuntimeService`` that persists its jobs to a file.

Local-mode jobs die with their process, so crash and retrieval tests use this
object, which has the runtime service's interface (``jobs(job_tags=...)``,
``job(job_id)``, ``backend(name)``, ``job.result()``, ``job.status()``,
``job.job_id()``) and survives a new process. Through ``qhep_run`` it runs the
PUBs an :class:`qhep.execution.ibm.IBMRunner` submits on noiseless Aer at once and
stores the results.

Fault injection, by environment variable (for subprocess tests):

- ``QHEP_STANDIN_DIE_AFTER=N``: the process is killed (``os._exit(137)``) right
  after the service has accepted its N-th job, before the job id reaches the caller;
- ``QHEP_STANDIN_FLAKY=N``: the first N submissions raise ``ConnectionError``, half
  of them after the job was accepted (the ambiguous case a retry must not repeat);
- ``QHEP_STANDIN_QUEUED=1``: jobs report ``QUEUED`` until the variable is unset;
- ``QHEP_STANDIN_DELAY=S``: each submission takes S seconds (as a real one does), which widens
  the window in which concurrent clients could submit the same call twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import uuid
from pathlib import Path

import numpy as np
from qiskit.primitives import BitArray, DataBin, PrimitiveResult, PubResult, SamplerPubResult


def _store() -> Path:
    return Path(os.environ["QHEP_HOME"]) / "standin_jobs.json"


def _counter() -> Path:
    return Path(os.environ["QHEP_HOME"]) / "standin_attempts.txt"


class StandInJob:
    def __init__(self, job_id: str, record: dict) -> None:
        self._id = job_id
        self.record = record

    def job_id(self) -> str:
        return self._id

    def status(self) -> str:
        return "QUEUED" if os.environ.get("QHEP_STANDIN_QUEUED") else "DONE"

    def result(self) -> PrimitiveResult:
        if "counts" in self.record:
            counts = self.record["counts"]
            bits = BitArray.from_counts(counts, num_bits=len(next(iter(counts))))
            return PrimitiveResult([SamplerPubResult(DataBin(meas=bits))])
        pubs = []
        for pub in self.record["pubs"]:
            if "evs" in pub:
                evs = np.asarray(pub["evs"])
                pubs.append(PubResult(DataBin(evs=evs, stds=np.asarray(pub["stds"]), shape=evs.shape)))
                continue
            arrays = {name: BitArray(np.asarray(a["array"], dtype=np.uint8), a["num_bits"])
                      for name, a in pub["bits"].items()}
            shape = next(iter(arrays.values())).shape
            pubs.append(SamplerPubResult(DataBin(**arrays, shape=shape)))
        return PrimitiveResult(pubs)


@contextlib.contextmanager
def _service_lock():
    """The service's own serialisation: concurrent clients never lose each other's jobs."""
    path = Path(os.environ["QHEP_HOME"]) / "standin.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class StandInService:
    def _load(self) -> dict:
        return json.loads(_store().read_text()) if _store().exists() else {}

    def _save(self, job_id: str, record: dict) -> StandInJob:
        with _service_lock():
            jobs = self._load()
            jobs[job_id] = record
            _store().parent.mkdir(parents=True, exist_ok=True)
            tmp = _store().with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(jobs))
            os.replace(tmp, _store())
        return StandInJob(job_id, record)

    def submit(self, tags: list[str], counts: dict[str, int]) -> StandInJob:
        return self._save("job-" + uuid.uuid4().hex[:8], {"tags": tags, "counts": counts})

    def backend(self, name: str):
        from qiskit_ibm_runtime import fake_provider

        from qhep.execution.spec import fake_device_names

        return getattr(fake_provider, fake_device_names()[name.removeprefix("ibm_")])()

    def qhep_run(self, primitive: str, backend, pubs: list, options: dict) -> StandInJob:
        """Run PUBs on noiseless Aer now and store the results as a job."""
        with _service_lock():
            attempt = int(_counter().read_text()) + 1 if _counter().exists() else 1
            _counter().parent.mkdir(parents=True, exist_ok=True)
            _counter().write_text(str(attempt))
        flaky = int(os.environ.get("QHEP_STANDIN_FLAKY", "0"))
        if attempt <= flaky and attempt % 2 == 1:
            raise ConnectionError("stand-in: connection reset before the request arrived")
        tags = list(options["environment"]["job_tags"])
        if float(os.environ.get("QHEP_STANDIN_DELAY", "0")) > 0:
            time.sleep(float(os.environ["QHEP_STANDIN_DELAY"]))
        if primitive == "sampler":
            from qiskit_aer.primitives import SamplerV2

            result = SamplerV2(seed=attempt).run(pubs, shots=options.get("default_shots")).result()
            records = [{"bits": {name: {"array": getattr(r.data, name).array.tolist(),
                                        "num_bits": getattr(r.data, name).num_bits} for name in r.data}}
                       for r in result]
        else:
            from qiskit_aer.primitives import EstimatorV2

            result = EstimatorV2(options={"run_options": {"seed": attempt}}).run(pubs).result()
            records = [{"evs": np.asarray(r.data.evs).tolist(), "stds": np.asarray(r.data.stds).tolist()}
                       for r in result]
        job = self._save("job-" + uuid.uuid4().hex[:8], {"tags": tags, "pubs": records})
        if int(os.environ.get("QHEP_STANDIN_DIE_AFTER", "0")) == len(self._load()):
            os._exit(137)  # killed after the service accepted, before the caller saw the id
        if attempt <= flaky:
            raise ConnectionError("stand-in: connection reset after the job was accepted")
        return job

    def jobs(self, job_tags: list[str]) -> list[StandInJob]:
        return [StandInJob(k, v) for k, v in self._load().items() if set(job_tags) <= set(v["tags"])]

    def job(self, job_id: str) -> StandInJob:
        return StandInJob(job_id, self._load()[job_id])


def make() -> StandInService:
    return StandInService()


__all__ = ["StandInService", "make"]
