import json
import os
import sys
from pathlib import Path

import pytest

from qhep.errors import LedgerError
from qhep.execution import Ledger, get_runner
from qhep.execution.ledger import default_ledger_path

sys.path.insert(0, str(Path(__file__).parents[1]))
from standin_service import StandInService  # noqa: E402


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


def test_crash_after_submission_loses_nothing_and_retrieves_from_the_ledger_file(tmp_path, cli, monkeypatch):
    ledger = Ledger()
    service = StandInService()

    def run_then_crash(tags):
        service.submit(tags, {"0000": 700, "1111": 300})
        raise KeyboardInterrupt  # killed after the service accepted, before the id came back

    with pytest.raises(KeyboardInterrupt):
        ledger.submit(run_then_crash, backend="ibm:test")
    (entry,) = ledger.entries().values()
    assert entry.status == "submitting" and entry.job_id is None
    monkeypatch.setenv("QHEP_SERVICE_FACTORY", "standin_service:make")  # a service object of its own
    proc = cli("jobs", "retrieve", entry.uuid[:10], "--json")  # knows only what the ledger file says
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


def test_corrupt_line_is_reported_and_skipped(cli):
    ledger = Ledger()
    ledger.submit(lambda tags: StandInService().submit(tags, {"0": 1}))
    with open(default_ledger_path(), "a") as fh:
        fh.write('{"uuid": "broken", "ev\n')
    ledger.submit(lambda tags: StandInService().submit(tags, {"1": 1}))
    with pytest.warns(UserWarning, match="corrupt ledger line"):
        entries = ledger.entries()
    assert len(entries) == 2 and len(ledger.problems) == 1
    proc = cli("jobs", "list", "--json")
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


# ---------------------------------------------------------------- concurrency
KEYS = ["spec/0", "spec/1", "spec/2"]


def _submitter(path, seed, die):
    """Submit every key of one spec; ``die`` kills this process at one step of one call."""
    import random
    import time

    rng = random.Random(seed)
    service = StandInService()
    ledger = Ledger(path)
    for n, key in enumerate(KEYS):
        def run(tags, n=n):
            time.sleep(rng.uniform(0, 0.02))
            if die == ("before", n):
                os._exit(137)  # after the 'submitting' line, before the service saw anything
            job = service.submit(tags, {"0": 1})
            time.sleep(rng.uniform(0, 0.02))
            if die == ("accepted", n):
                os._exit(137)  # the service accepted; the id never reached the ledger
            return job

        ledger.submit_once(key, run, service=service, digest="d")
        if die == ("recorded", n):
            os._exit(137)
    os._exit(0)


def _reconciler(path, seconds):
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        Ledger(path).reconcile(StandInService())
    os._exit(0)


def _check_exactly_once(path):
    """One service job per key, every service job's id on the ledger, no entry left undecided."""
    service = StandInService()
    ledger = Ledger(path)
    for key in KEYS:
        ledger.submit_once(key, lambda tags: service.submit(tags, {"0": 1}), service=service, digest="d")
    ledger.reconcile(service)
    entries = ledger.entries()
    by_uuid = {e.uuid: e for e in entries.values()}
    jobs = service._load()
    assert len(jobs) == len(KEYS), jobs
    for job_id, record in jobs.items():
        (tag,) = record["tags"]
        entry = by_uuid[tag.removeprefix("qhep-")]  # its 'submitting' line came first
        assert entry.job_id == job_id  # no id lost
    assert sorted(e.info["key"] for e in entries.values() if e.job_id) == KEYS
    assert all(e.status != "submitting" for e in entries.values())


def test_concurrent_submitters_with_kills_submit_each_call_exactly_once(tmp_path, monkeypatch):
    import multiprocessing
    import random
    import signal
    import time

    ctx = multiprocessing.get_context("fork")
    deaths = [None, None, ("before", 0), ("accepted", 0), ("recorded", 0), ("before", 1), ("accepted", 1),
              ("accepted", 2), ("before", 2)]
    for rnd in range(4):
        path = tmp_path / f"round{rnd}" / "jobs.jsonl"
        monkeypatch.setenv("QHEP_HOME", str(path.parent))  # the stand-in's store, per round
        rng = random.Random(rnd)
        procs = [ctx.Process(target=_submitter, args=(path, 100 * rnd + i, die))
                 for i, die in enumerate(rng.sample(deaths, 6))]
        procs += [ctx.Process(target=_reconciler, args=(path, 0.5)) for _ in range(2)]
        for proc in procs:
            proc.start()
        time.sleep(rng.uniform(0.0, 0.1))
        victim = rng.choice(procs[:6])
        if victim.is_alive():
            os.kill(victim.pid, signal.SIGKILL)  # a kill at an arbitrary step
        for proc in procs:
            proc.join(30)
            assert proc.exitcode is not None
        _check_exactly_once(path)


def test_reconcile_never_judges_a_submission_in_flight(tmp_path):
    import multiprocessing
    import signal
    import time

    path = tmp_path / "jobs.jsonl"
    marker = tmp_path / "accepted"

    def slow_submitter():
        service = StandInService()

        def run(tags):
            job = service.submit(tags, {"0": 1})
            marker.write_text(job.job_id())
            time.sleep(60)  # killed here: accepted, id not yet on the ledger
            return job

        Ledger(path).submit_once("spec/0", run, service=service)

    proc = multiprocessing.get_context("fork").Process(target=slow_submitter)
    proc.start()
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    job_id = marker.read_text()
    assert Ledger(path).reconcile(StandInService()) == []  # the owner is alive: left alone
    (entry,) = Ledger(path).entries().values()
    assert entry.status == "submitting" and entry.info["owner"]["pid"] == proc.pid
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    submitted = []
    uid, job = Ledger(path).submit_once("spec/0", lambda tags: submitted.append(tags), service=StandInService())
    assert job.job_id() == job_id and not submitted  # found by its tag, not submitted again
    assert Ledger(path).find(job_id).uuid == uid == entry.uuid


def test_ledger_lines_with_a_non_string_uuid_are_skipped_with_a_warning():
    ledger = Ledger()
    ledger.submit(lambda tags: StandInService().submit(tags, {"0": 1}))
    with open(default_ledger_path(), "a") as fh:
        fh.write('{"uuid": ["a"], "event": "submitted"}\n{"uuid": null, "event": "submitted"}\n')
    with pytest.warns(UserWarning, match="corrupt ledger line"):
        assert len(ledger.entries()) == 1
    assert len(ledger.problems) == 2


def test_local_mode_counts_follow_the_seed():
    from qhep.circuits import ghz

    def counts(seed):
        runner = get_runner("ibm:fake_manila", shots=300, seed=seed, ledger=Ledger())
        return runner.sample(ghz(3)).data.meas.get_counts()

    first = counts(5)
    assert counts(5) == first  # same seed, same counts (the device noise spreads them over many outcomes)
    assert len(first) > 2 and counts(6) != first
