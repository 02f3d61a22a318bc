import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qhep.errors import LedgerError
from qhep.execution import Ledger, get_runner
from qhep.execution.ledger import default_ledger_path

sys.path.insert(0, str(Path(__file__).parents[1]))
from standin_service import StandInService  # noqa: E402


def _qhep(*args, env=None):
    return subprocess.run([sys.executable, "-m", "qhep.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_submit_records_uuid_before_and_job_id_after():
    ledger = Ledger()
    service = StandInService()
    seen = {}

    def run(tags):
        seen["before"] = {e.uuid: e.status for e in Ledger().entries().values()}
        return service.submit(tags, {"00": 10})

    uid, job = ledger.submit(run, backend="ibm:test")
    assert seen["before"] == {uid: "submitting"}  # on disk before the runtime was called
    entry = ledger.find(uid)
    assert entry.status == "submitted" and entry.job_id == job.job_id()
    assert ledger.find(job.job_id()).uuid == uid
    assert service.jobs(job_tags=[entry.tag])[0].job_id() == job.job_id()


def test_crash_after_submission_loses_nothing_and_retrieves_in_a_new_process(tmp_path):
    ledger = Ledger()
    service = StandInService()

    def run_then_crash(tags):
        service.submit(tags, {"0000": 700, "1111": 300})
        raise KeyboardInterrupt  # killed after the service accepted, before the id came back

    with pytest.raises(KeyboardInterrupt):
        ledger.submit(run_then_crash, backend="ibm:test")
    (entry,) = ledger.entries().values()
    assert entry.status == "submitting" and entry.job_id is None
    env = {"QHEP_SERVICE_FACTORY": "standin_service:make",
           "PYTHONPATH": str(Path(__file__).parents[1]) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = _qhep("jobs", "retrieve", entry.uuid[:10], "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(Path(json.loads(proc.stdout)["result"]).read_text())
    assert result["result"][0]["meas"] == {"0000": 700, "1111": 300}
    entry = Ledger().find(entry.uuid)
    assert entry.status == "retrieved" and entry.job_id is not None
    assert len(service.jobs(job_tags=[entry.tag])) == 1  # nothing submitted twice


def test_crash_before_submission_is_marked_not_submitted():
    ledger = Ledger()

    def crash(tags):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ledger.submit(crash)
    (fixed,) = ledger.reconcile(StandInService())
    assert fixed.status == "not_submitted"
    with pytest.raises(LedgerError, match="never submitted"):
        ledger.retrieve(fixed.uuid, StandInService())


def test_corrupt_line_is_reported_and_skipped():
    ledger = Ledger()
    ledger.submit(lambda tags: StandInService().submit(tags, {"0": 1}))
    with open(default_ledger_path(), "a") as fh:
        fh.write('{"uuid": "broken", "ev\n')
    ledger.submit(lambda tags: StandInService().submit(tags, {"1": 1}))
    with pytest.warns(UserWarning, match="corrupt ledger line"):
        entries = ledger.entries()
    assert len(entries) == 2 and len(ledger.problems) == 1
    proc = _qhep("jobs", "list", "--json")
    assert proc.returncode == 0
    assert len(json.loads(proc.stdout)["jobs"]) == 2
    assert "corrupt ledger line" in proc.stderr


def test_local_mode_runner_goes_through_the_ledger():
    from qhep.circuits import ghz

    ledger = Ledger()
    runner = get_runner("ibm:fake_manila", shots=500, seed=1, ledger=ledger)
    counts = runner.sample(ghz(3)).data.meas.get_counts()
    assert sum(counts.values()) == 500
    (entry,) = ledger.entries().values()
    assert entry.status == "submitted" and entry.info["primitive"] == "sampler"
    assert entry.job_id


def test_local_mode_estimator():
    from qhep.circuits import ghz

    runner = get_runner("ibm:fake_manila", shots=2000, seed=1, ledger=Ledger())
    res = runner.estimate(ghz(3, measure=False), ["ZZI", "XXX"])
    assert res.values.shape == (1, 2)
    assert 0.5 < res.values[0, 0] <= 1.0
    assert res.metadata["local_mode_ignores_options"] is True
