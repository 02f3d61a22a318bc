"""Hardware job specs: dry-run cost model, budget refusal, crash-safe submit and retrieve."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qhep.errors import BudgetError, QhepError
from qhep.execution import Ledger
from qhep.hardware import DeviceTimeModel, circuit_duration, dry_run, load_job, submit

TESTS = Path(__file__).parents[1]
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))
from standin_service import StandInService  # noqa: E402


def _spec(tmp_path, **overrides) -> Path:
    doc = {"name": "cal", "device": "ibm:torino", "shots": 500, "seed": 3, "budget_s": 60,
           "task": {"kind": "calibration", "circuits": ["ghz:3", "mirror:4"]}}
    doc.update(overrides)
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _script(name, *args, **env):
    """A hardware script as its own process: for the tests where the process is what is tested (killed)."""
    full = {**os.environ, "QHEP_SERVICE_FACTORY": "standin_service:make",
            "PYTHONPATH": str(TESTS) + os.pathsep + os.environ.get("PYTHONPATH", ""), **env}
    return subprocess.run([sys.executable, str(ROOT / "hardware" / name), *map(str, args)],
                          capture_output=True, text=True, env=full)


def _main(name: str):
    """``main`` of ``hardware/NAME``, loaded as the script is (it is not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"hw_{name.removesuffix('.py')}", ROOT / "hardware" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.fixture
def script(in_process, monkeypatch):
    """``script("submit.py", *args, **env)``: a hardware script in this process, on the stand-in service."""
    monkeypatch.setenv("QHEP_SERVICE_FACTORY", "standin_service:make")

    def run(name, *args, **env):
        with monkeypatch.context() as m:
            for key, value in env.items():
                m.setenv(key, value)
            return in_process(_main(name), *args, prog=name)

    return run


def _service_jobs() -> dict:
    store = Path(os.environ["QHEP_HOME"]) / "standin_jobs.json"
    return json.loads(store.read_text()) if store.exists() else {}


def test_circuit_duration_matches_qiskit_on_the_full_width_circuit():
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    from qhep.circuits import mirror
    from qhep.execution.aer import reduce_to_active
    from qhep.transpile.passes import TranspileOptions, build_pass_manager

    target = FakeTorino().target
    isa = build_pass_manager(target, TranspileOptions()).run(mirror(4).measure_all(inplace=False))
    small, physical = reduce_to_active(isa)
    expected = isa.estimate_duration(target, unit="s")
    assert expected > 1e-6
    assert circuit_duration(small, target, physical) == pytest.approx(expected, rel=1e-9)


def test_dry_run_reports_the_stated_time_model(tmp_path):
    spec = load_job(_spec(tmp_path, task={"kind": "calibration", "circuits": ["ghz:3"]},
                          time_model={"overhead_per_job_s": 1.5}))
    report = dry_run(spec)
    assert report["jobs"] == 1 and report["circuits"] == 1 and report["shots"] == 500
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    from qhep.circuits import ghz
    from qhep.transpile.passes import TranspileOptions, build_pass_manager

    backend = FakeTorino()
    duration = build_pass_manager(backend.target, TranspileOptions()).run(ghz(3)).estimate_duration(
        backend.target, unit="s")
    rep_delay = backend.configuration().default_rep_delay
    assert report["device_seconds"] == pytest.approx(1.5 + 500 * (duration + rep_delay), rel=1e-6)
    assert report["within_budget"] and report["max_two_qubit_gates"] >= 2
    assert json.loads((spec.out_dir / "dry_run.json").read_text())["device_seconds"] == report["device_seconds"]
    ghz3 = report["twin_results"]["circuits"]["ghz:3"]["success"]
    assert 0.5 < ghz3 < 0.99  # the twin's gate and readout noise: below the ideal 1
    assert DeviceTimeModel(1e-4, 2.0).job_seconds(100, [1e-6, 2e-6]) == pytest.approx(2.0 + 100 * 2.03e-4)


def test_over_budget_spec_is_refused_before_anything_is_sent(tmp_path, script):
    spec = load_job(_spec(tmp_path, budget_s=0.5))
    with pytest.raises(BudgetError, match="exceeds the budget of 0.5 s"):
        submit(spec, StandInService())
    assert not _service_jobs() and not Ledger().entries()
    proc = script("submit.py", spec.path)
    assert proc.returncode == 2 and "nothing was submitted" in proc.stderr
    assert not _service_jobs()


def test_kill_during_submit_then_retrieve_loses_nothing_and_submits_nothing_twice(tmp_path):
    path = _spec(tmp_path, mitigation="readout")
    killed = _script("submit.py", path, QHEP_STANDIN_DIE_AFTER="2")
    assert killed.returncode == 137, killed.stderr  # died after the 2nd job was accepted
    assert len(_service_jobs()) == 2
    entries = Ledger().entries().values()
    assert [e.status for e in entries].count("submitting") == 1  # the id never reached the ledger

    done = _script("retrieve.py", path, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["status"] == "done"
    jobs = _service_jobs()
    keys = [e.info["key"] for e in Ledger().entries().values() if e.job_id]
    assert len(keys) == len(set(keys)) == len(jobs) == len(doc["jobs"])  # one job per call, none twice
    for entry in Ledger().entries().values():
        assert len(StandInService().jobs(job_tags=[entry.tag])) == (1 if entry.job_id else 0)
    results = json.loads((tmp_path / "job.out" / "results.json").read_text())
    assert results["circuits"]["ghz:3"]["success"] == pytest.approx(1.0, abs=0.02)  # noiseless stand-in
    assert len(list((tmp_path / "job.out" / "jobs").glob("*.json"))) == len(jobs)

    again = _script("submit.py", path, "--json")  # a re-run replays, it does not resubmit
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "done" and len(_service_jobs()) == len(jobs)
    assert json.loads((tmp_path / "job.out" / "results.json").read_text()) == results


def test_transient_errors_are_retried_without_double_submission(tmp_path, monkeypatch):
    import qhep.execution.ledger as ledger_module

    waits = []
    monkeypatch.setattr(ledger_module.time, "sleep", waits.append)
    monkeypatch.setenv("QHEP_STANDIN_FLAKY", "2")  # 1st: lost before arrival; 2nd: accepted, reply lost
    spec = load_job(_spec(tmp_path, task={"kind": "calibration", "circuits": ["ghz:3"]}))
    doc = submit(spec, StandInService(), wait=True)
    assert doc["status"] == "done"
    assert len(_service_jobs()) == 1 and waits == [2.0]  # retried once, then found the accepted job by tag
    (entry,) = Ledger().entries().values()
    assert [e["event"] for e in entry.events] == ["submitting", "retry", "submitted", "retrieved"]


def test_queued_jobs_are_reported_and_collected_later(tmp_path, script):
    path = _spec(tmp_path, task={"kind": "calibration", "circuits": ["ghz:3"]})
    queued = script("submit.py", path, "--json", QHEP_STANDIN_QUEUED="1")
    assert queued.returncode == 0, queued.stderr
    assert json.loads(queued.stdout)["status"] == "pending"
    still = script("retrieve.py", path, "--no-wait", QHEP_STANDIN_QUEUED="1")
    assert still.returncode == 3 and "QUEUED" in still.stdout
    assert len(_service_jobs()) == 1
    done = script("retrieve.py", path)
    assert done.returncode == 0, done.stderr
    assert len(_service_jobs()) == 1
    assert (tmp_path / "job.out" / "results.json").exists()


def test_changed_circuits_under_the_same_key_are_refused(tmp_path):
    spec = load_job(_spec(tmp_path, task={"kind": "calibration", "circuits": ["ghz:3"]}))
    submit(spec, StandInService(), wait=True)
    changed = load_job(_spec(tmp_path, task={"kind": "calibration", "circuits": ["ghz:4"]}))
    from qhep.execution import get_runner
    from qhep.studies.jobs import run_job

    runner = get_runner("ibm:torino", shots=500, seed=3, service=StandInService(), job_key=spec.key)
    with pytest.raises(QhepError, match="other circuits"):
        run_job(changed, runner, tmp_path / "x")


@pytest.mark.parametrize("doc, message", [
    ({"device": "fake:torino", "task": {"kind": "calibration"}}, "device must be ibm:NAME"),
    ({"device": "ibm:torino", "task": {"kind": "train"}}, "task.kind must be one of"),
    ({"device": "ibm:torino", "task": {"kind": "qaoa"}, "budget": 3}, "unknown keys"),
    ({"task": {"kind": "qaoa"}}, "missing 'device'"),
])
def test_bad_specs_name_the_problem(tmp_path, script, doc, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(QhepError, match=message):
        load_job(path)
    proc = script("submit.py", path, "--dry-run")
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_example_specs_parse_and_the_calibration_one_fits_its_budget(tmp_path):
    specs = sorted((ROOT / "hardware" / "specs").glob("*.yaml"))
    assert len({load_job(p).device for p in specs}) >= 2
    copy = tmp_path / "calibration-torino.yaml"
    copy.write_text((ROOT / "hardware" / "specs" / "calibration-torino.yaml").read_text())
    report = dry_run(load_job(copy))
    assert report["within_budget"]


@pytest.mark.slow
def test_concurrent_submit_and_retrieve_scripts_submit_each_call_once(tmp_path):
    """Three submit.py and one retrieve.py of one spec at once, one killed after a job was accepted."""
    path = _spec(tmp_path, mitigation="readout")
    full = {**os.environ, "QHEP_SERVICE_FACTORY": "standin_service:make", "QHEP_STANDIN_DELAY": "1.5",
            "PYTHONPATH": str(TESTS) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    runs = [("submit.py", {}), ("submit.py", {"QHEP_STANDIN_DIE_AFTER": "2"}), ("submit.py", {}),
            ("retrieve.py", {})]
    procs = [subprocess.Popen([sys.executable, str(ROOT / "hardware" / name), str(path)], env={**full, **env},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name, env in runs]
    for proc in procs:
        proc.communicate(timeout=300)
    done = _script("retrieve.py", path, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    jobs = _service_jobs()
    entries = list(Ledger().entries().values())
    keys = [e.info["key"] for e in entries if e.job_id]
    assert len(keys) == len(set(keys)) == len(jobs) == len(doc["jobs"])  # one service job per call
    assert {e.job_id for e in entries if e.job_id} == set(jobs)  # every job id on the ledger
