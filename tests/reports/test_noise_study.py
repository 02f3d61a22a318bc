"""qhep noise-study: cell values, resumption, process pool and Ray give the same report."""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from qhep.reports import run_and_report as run_study
from qhep.studies import StudyError, load_study

STUDY = {
    "name": "tiny", "seed": 5, "shots": 3000, "device": "torino", "noise_scales": [0, 1],
    "backends": ["statevector"], "mitigation": ["none", "readout"],
    "tasks": [{"name": "ghz-3", "kind": "circuit", "circuit": "ghz:3"},
              {"name": "thrust-3q", "kind": "qaoa", "qubits": 3, "events": 3, "train": 2}],
}


def _write(tmp_path, doc=STUDY, name="study.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc))
    return path


def _cells(out):
    return {p.stem: json.loads(p.read_text()) for p in (out / "cells").glob("*.json")}


def _page(out):
    return re.sub(r'class="timestamp">[^<]*<', 'class="timestamp"><', (out / "report.html").read_text())


def test_cells_measure_what_noise_and_mitigation_do(tmp_path):
    study = load_study(_write(tmp_path))
    assert len(study.cells()) == 2 * (1 + 2 * 2)  # statevector runs without mitigation only
    doc = run_study(study, tmp_path / "out", progress=False)
    assert doc["finished"] == doc["cells"] == 10 and not doc["failed"]
    cells = {(c["task"], c["backend"], c["mitigation"]): c for c in _cells(tmp_path / "out").values()}
    assert cells[("ghz-3", "statevector", "none")]["value"] == pytest.approx(1.0, abs=1e-12)
    ideal_shots = cells[("ghz-3", "fake:torino@0", "none")]
    assert ideal_shots["value"] == pytest.approx(1.0, abs=1e-12)  # S = 0: no errors, GHZ outcomes only
    noisy = cells[("ghz-3", "fake:torino@1", "none")]
    mitigated = cells[("ghz-3", "fake:torino@1", "readout")]
    assert noisy["value"] < 0.97 and mitigated["value"] > noisy["value"] + 5 * noisy["std"]
    sv = cells[("thrust-3q", "statevector", "none")]
    assert 0 < sv["value"] <= 1 and sv["std"] > 0
    # at S = 0 the shot-based ratio agrees with the exact one within shot noise
    assert cells[("thrust-3q", "fake:torino@0", "none")]["value"] == pytest.approx(sv["value"], abs=0.03)
    page = (tmp_path / "out" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "Device calibration" in page and "qiskit-aer" in page


def test_interrupted_study_resumes_to_the_same_report(tmp_path):
    study = load_study(_write(tmp_path))
    first = run_study(study, tmp_path / "a", max_cells=3, progress=False)
    assert first["finished"] == 3
    assert "not yet run" in (tmp_path / "a" / "report.html").read_text()
    second = run_study(study, tmp_path / "a", progress=False)
    assert second["ran"] == 7 and second["skipped"] == 3
    run_study(study, tmp_path / "b", progress=False)
    assert _page(tmp_path / "a") == _page(tmp_path / "b")
    strip = lambda cells: {k: {f: v for f, v in c.items() if f != "seconds"} for k, c in cells.items()}  # noqa: E731
    assert strip(_cells(tmp_path / "a")) == strip(_cells(tmp_path / "b"))


@pytest.mark.slow  # starts Ray: ~100 s on 2 cores
def test_process_pool_and_ray_give_the_same_cells(tmp_path):
    pytest.importorskip("ray")
    doc = {**STUDY, "tasks": STUDY["tasks"][:1]}
    study = load_study(_write(tmp_path, doc))
    run_study(study, tmp_path / "serial", progress=False)
    run_study(study, tmp_path / "pool", workers=2, progress=False)
    run_study(study, tmp_path / "ray", ray_address="local", progress=False)
    strip = lambda cells: {k: {f: v for f, v in c.items() if f != "seconds"} for k, c in cells.items()}  # noqa: E731
    assert strip(_cells(tmp_path / "serial")) == strip(_cells(tmp_path / "pool")) == strip(_cells(tmp_path / "ray"))
    assert _page(tmp_path / "serial") == _page(tmp_path / "ray")


def test_hardware_cells_resume_without_paying_twice(tmp_path, monkeypatch):
    """An ibm: cell interrupted after its jobs ran replays them from the ledger on resume."""
    tests = os.path.dirname(os.path.dirname(__file__))
    monkeypatch.syspath_prepend(tests)
    monkeypatch.setenv("QHEP_SERVICE_FACTORY", "standin_service:make")
    doc = {"name": "hw", "seed": 2, "shots": 1000, "backends": ["ibm:torino"], "mitigation": ["none"],
           "tasks": [{"name": "ghz-3", "kind": "circuit", "circuit": "ghz:3"}]}
    study = load_study(_write(tmp_path, doc))
    run_study(study, tmp_path / "out", progress=False)
    store = tmp_path / "qhep_home" / "standin_jobs.json"
    jobs = json.loads(store.read_text())
    first = _cells(tmp_path / "out")
    (cell,) = first.values()
    assert cell["backend"] == "ibm:torino" and cell["value"] == pytest.approx(1.0)  # the stand-in is noiseless
    for path in (tmp_path / "out" / "cells").glob("*.json"):  # as if killed before the cell was written
        path.unlink()
    run_study(study, tmp_path / "out", progress=False)
    assert json.loads(store.read_text()) == jobs  # replayed, nothing submitted again
    strip = lambda cells: {k: {f: v for f, v in c.items() if f != "seconds"} for k, c in cells.items()}  # noqa: E731
    assert strip(_cells(tmp_path / "out")) == strip(first)


def test_a_failing_cell_is_reported_not_fatal(tmp_path, cli):
    doc = {**STUDY, "noise_scales": [1], "mitigation": ["none"],
           "tasks": [{"name": "too-wide", "kind": "circuit", "circuit": "ghz:140"},
                     {"name": "ghz-2", "kind": "circuit", "circuit": "ghz:2"}]}
    proc = cli("noise-study", _write(tmp_path, doc), "--out", tmp_path / "out", "--json")
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert result["failed"] == ["too-wide__fake-torino-1__none", "too-wide__statevector__none"]
    assert result["finished"] == 2  # the 2-qubit task ran on both backends
    assert "torino has 133" in (tmp_path / "out" / "report.html").read_text()


@pytest.mark.parametrize("doc, message", [
    ({"tasks": [{"name": "a", "kind": "circuit", "circuit": "ghz:2"}]}, "no backends"),
    ({"backends": ["statevector"], "tasks": [{"name": "a", "kind": "anneal"}]}, "kind in circuit"),
    ({"backends": ["fake:nowhere"], "tasks": [{"name": "a", "kind": "circuit", "circuit": "ghz:2"}]},
     "unknown IBM device"),
    ({"backends": ["statevector"], "tasks": [{"name": "a", "kind": "generator"}]}, "needs 'model'"),
])
def test_bad_study_files_name_the_problem(tmp_path, cli, doc, message):
    with pytest.raises(ValueError, match=message):
        load_study(_write(tmp_path, doc))
    proc = cli("noise-study", tmp_path / "study.yaml", "--out", tmp_path / "o")
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_study_error_is_a_value_error():
    assert issubclass(StudyError, ValueError)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_pool_workers_exit_when_the_study_process_is_killed(tmp_path):
    import signal
    import time

    from qhep.studies.study import die_with_parent

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the "study process": starts a worker, then is killed
        worker = os.fork()
        if worker == 0:
            die_with_parent(os.getppid())
            time.sleep(60)
            os._exit(0)
        os.write(write, str(worker).encode())
        time.sleep(60)
        os._exit(0)
    worker = int(os.read(read, 32))
    time.sleep(0.5)  # the worker has armed its death signal
    assert _alive(worker)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                pass
    return out


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as fh:
            return fh.read().replace("\0", " ")
    except OSError:
        return ""


@pytest.mark.slow
def test_kill_9_of_a_noise_study_leaves_no_worker_running(tmp_path):
    import signal
    import time

    doc = {**STUDY, "noise_scales": [0, 0.5, 1, 2], "tasks": STUDY["tasks"][1:]}  # QAOA cells: seconds each
    proc = subprocess.Popen([sys.executable, "-m", "qhep.cli", "noise-study", str(_write(tmp_path, doc)),
                             "--out", str(tmp_path / "out"), "--workers", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [p for p in _children(proc.pid) if "from multiprocessing.spawn" in _cmdline(p)]
        time.sleep(0.2)
    assert len(workers) == 2, "the pool did not start"
    time.sleep(3)  # the workers are importing or running cells
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)
