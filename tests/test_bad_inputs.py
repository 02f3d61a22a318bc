"""Bad inputs: every command exits 2 with one line naming what is wrong, no traceback, no partial file.

Commands run in-process through the ``cli`` fixture (``qhep.cli.main(argv)``, with the process
state put back afterwards; the hardware scripts' ``main`` directly), so each case costs
milliseconds unless it has to train or simulate.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).parents[1]


def _fails(cli, argv: list[str], *needles: str) -> str:
    """Run ``qhep argv``; assert exit 2 and exactly one stderr line containing every needle."""
    result = cli(*argv)
    err = result.stderr
    lines = [line for line in err.splitlines() if line.strip() and "%|" not in line and "\r" not in line]
    assert result.code == 2, err
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("qhep: error: "), err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _no_leftovers(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")], list(folder.iterdir())


@pytest.fixture(scope="module")
def showers(tmp_path_factory) -> Path:
    from qhep.data.io import write_calo
    from qhep.data.showers import generate_showers

    path = tmp_path_factory.mktemp("data") / "showers.h5"
    sample = generate_showers(64, (10.0, 100.0), geometry_name="8px", seed=1)
    write_calo(path, sample.energies_gev, sample.showers_mev, {"geometry": "8px"})
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, showers) -> Path:
    from qhep.models.training import train

    out = tmp_path_factory.mktemp("runs") / "gan"
    train("gan", str(showers), str(out), steps=2, config={"checkpoint_every": 1, "batch": 16}, progress=False)
    return out


def _copy_run(run_dir: Path, dest: Path) -> Path:
    dest.mkdir()
    for name in ("run.json", "checkpoint.pt"):
        (dest / name).write_bytes((run_dir / name).read_bytes())
    return dest


# ------------------------------------------------------------------ unwritable --out
@pytest.mark.parametrize("kind", ["directory", "parent is a file", "empty", "read-only"])
def test_unwritable_out_is_one_line_and_leaves_nothing(cli, tmp_path, kind):
    if kind == "read-only" and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    target = {"directory": tmp_path / "adir", "parent is a file": tmp_path / "afile" / "x.h5",
              "empty": "", "read-only": tmp_path / "ro" / "x.h5"}[kind]
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "ro").mkdir(mode=0o555)
    line = _fails(cli, ["data", "showers", "--n", "20", "--out", str(target)])
    assert ("--out" in line) if kind == "empty" else (str(Path(target).parent.name) in line)
    for folder in (tmp_path, tmp_path / "adir", tmp_path / "ro"):
        _no_leftovers(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile", "ro"]


def test_sample_into_a_directory_and_plot_into_a_missing_parent(cli, tmp_path, run_dir, showers):
    (tmp_path / "adir").mkdir()
    _fails(cli, ["sample", str(run_dir), "--n", "4", "--out", str(tmp_path / "adir")], "adir")
    _no_leftovers(tmp_path)
    (tmp_path / "afile").write_text("x")
    _fails(cli, ["data", "plot", str(showers), "--out", str(tmp_path / "afile" / "p.png")], "afile")


# ------------------------------------------------------------------ checkpoints and run files
class _Payload:
    """Pickles to a call that would create a file: what a crafted checkpoint would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_checkpoint_carrying_a_pickled_object_is_refused(cli, tmp_path, run_dir):
    import torch

    run = _copy_run(run_dir, tmp_path / "run")
    marker = tmp_path / "code-ran"
    state = torch.load(run / "checkpoint.pt", weights_only=True)
    state["extra"] = _Payload(marker)
    torch.save(state, run / "checkpoint.pt")
    _fails(cli, ["sample", str(run), "--n", "2", "--out", str(tmp_path / "s.h5")], "checkpoint.pt", "pickled")
    _fails(cli, ["train", "gan", "--out", str(run), "--resume", "--steps", "3"], "checkpoint.pt", "pickled")
    assert not marker.exists() and not (tmp_path / "s.h5").exists()


@pytest.mark.parametrize("damage", ["truncated checkpoint", "garbage checkpoint", "corrupt run.json",
                                    "run.json without model"])
def test_corrupt_run_files_are_one_line(cli, tmp_path, run_dir, damage):
    run = _copy_run(run_dir, tmp_path / "run")
    if damage == "truncated checkpoint":
        data = (run / "checkpoint.pt").read_bytes()
        (run / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    elif damage == "garbage checkpoint":
        (run / "checkpoint.pt").write_bytes(b"\x00garbage" * 10)
    elif damage == "corrupt run.json":
        (run / "run.json").write_text('{"model": "gan", ')
    else:
        (run / "run.json").write_text(json.dumps({"seed": 0}))
    name = "checkpoint.pt" if "checkpoint" in damage else "run.json"
    _fails(cli, ["sample", str(run), "--n", "2", "--out", str(tmp_path / "s.h5")], name)
    assert not (tmp_path / "s.h5").exists()


def test_sample_never_writes_nan(cli, tmp_path, run_dir, monkeypatch):
    import qhep.models.training as training

    model, run = training.load_run(str(run_dir))
    monkeypatch.setattr(model, "generate", lambda energies, **kw: np.full((len(energies), 64), np.nan))
    monkeypatch.setattr(training, "load_run", lambda path: (model, run))
    _fails(cli, ["sample", str(run_dir), "--n", "3", "--out", str(tmp_path / "s.h5")], "NaN", "nothing was written")
    assert not (tmp_path / "s.h5").exists()


# ------------------------------------------------------------------ training options
def test_training_options_are_checked(cli, tmp_path, showers, run_dir):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("stpes: 10\n")
    line = _fails(cli, ["train", "gan", "--data", str(showers), "--out", str(tmp_path / "r"), "--config", str(cfg)])
    assert line.startswith(f"qhep: error: {cfg}: unknown key 'stpes' (did you mean 'steps'?)")
    for text, key in (("checkpoint_every: -3\n", "checkpoint_every"), ("batch: 0\n", "batch"),
                      ("steps: ten\n", "steps")):
        cfg.write_text(text)
        _fails(cli, ["train", "gan", "--data", str(showers), "--out", str(tmp_path / "r"), "--config", str(cfg)],
               key, str(cfg))
    _fails(cli, ["train", "gan", "--data", str(showers), "--out", str(tmp_path / "r"), "--steps", "-3"], "--steps")
    assert not (tmp_path / "r").exists()  # nothing made before the options were checked


def test_an_existing_run_is_not_overwritten_without_overwrite(cli, tmp_path, showers, run_dir):
    run = _copy_run(run_dir, tmp_path / "run")
    before = (run / "checkpoint.pt").read_bytes()
    _fails(cli, ["train", "gan", "--data", str(showers), "--out", str(run), "--steps", "1"],
           "--resume", "--overwrite")
    assert (run / "checkpoint.pt").read_bytes() == before
    done = cli("train", "gan", "--data", showers, "--out", run, "--steps", "1", "--overwrite", "--json")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["steps"] == 1


def test_all_empty_showers_are_refused(cli, tmp_path):
    from qhep.data.io import write_calo

    write_calo(tmp_path / "empty.h5", np.linspace(10, 100, 64), np.zeros((64, 64)), {"geometry": "8px"})
    _fails(cli, ["train", "qag", "--data", str(tmp_path / "empty.h5"), "--out", str(tmp_path / "r0")],
           "empty.h5", "empty")
    assert not (tmp_path / "r0").exists()


def test_non_finite_loss_stops_training_and_keeps_the_last_finite_checkpoint(tmp_path, showers, monkeypatch):
    import torch

    from qhep.models.gan import ClassicalGAN
    from qhep.models.training import TrainingError, train

    original = ClassicalGAN.training_step
    calls = []

    def step(self, batch, gen):
        calls.append(1)
        losses = original(self, batch, gen)
        return {k: (float("nan") if len(calls) == 3 else v) for k, v in losses.items()}

    monkeypatch.setattr(ClassicalGAN, "training_step", step)
    with pytest.raises(TrainingError, match=r"loss is nan at step 3; this state was not saved \(the checkpoint of "
                                            r"step 2 is kept\)"):
        train("gan", str(showers), str(tmp_path / "r"), steps=5, config={"checkpoint_every": 1, "batch": 16},
              progress=False)
    state = torch.load(tmp_path / "r" / "checkpoint.pt", weights_only=True)
    assert json.loads(state["state"])["step"] == 2
    assert all(torch.isfinite(t).all() for t in state["model"].values() if t.is_floating_point())
    assert not (tmp_path / "r" / "losses.json").exists()


# ------------------------------------------------------------------ other options
@pytest.mark.parametrize("argv, needle", [
    (["data", "showers", "--n", "0", "--out", "x.h5"], "--n"),
    (["data", "events", "--n", "5", "--cos-max", "-1", "--out", "x.h5"], "--cos-max"),
    (["data", "events", "--n", "5", "--e-min", "1000", "--out", "x.h5"], "--e-min"),
    (["data", "events", "--n", "5", "--flavours", "99", "--out", "x.h5"], "--flavours"),
    (["data", "events", "--n", "5", "--flavours", "u,d", "--out", "x.h5"], "--flavours"),
    (["evaluate", "--real", "a.h5", "--generated", "b.h5", "--bootstrap", "-1"], "--bootstrap"),
    (["noise-study", "s.yaml", "--out", "o", "--workers", "0"], "--workers"),
    (["noise-study", "s.yaml", "--out", "o", "--max-cells", "-1"], "--max-cells"),
    (["jets", "cluster", "--events", "e.h5", "--method", "ee_kt", "--out", "o.json", "--reps", "0"], "--reps"),
    (["run", "c.qasm", "--backend", "fake:torino@1e400"], "1e400"),
    (["run", "c.qasm", "--backend", "fake:torino@-1"], "noise scale"),
])
def test_invalid_option_values(cli, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.qasm").write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\nmeasure q -> c;\n')
    _fails(cli, argv, needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.qasm"]


def test_a_circuit_wider_than_the_simulator_is_one_line(cli, tmp_path):
    from qiskit import QuantumCircuit, qasm2

    qc = QuantumCircuit(40)
    qc.h(range(40))
    qc.rz(0.3, range(40))
    qc.measure_all()
    (tmp_path / "wide.qasm").write_text(qasm2.dumps(qc))
    _fails(cli, ["run", str(tmp_path / "wide.qasm"), "--backend", "aer", "--shots", "10"], "40 qubits")
    _fails(cli, ["run", str(tmp_path / "wide.qasm"), "--backend", "fake:torino", "--shots", "10"], "40 qubits")


def test_json_output_is_strictly_valid(capsys):
    import argparse

    from qhep.cliutil import emit

    emit(argparse.Namespace(json=True), {"a": float("nan"), "b": [np.float64("inf"), 1.5], "c": np.arange(2)}, "")
    out = capsys.readouterr().out
    assert json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in --json output")) == {
        "a": None, "b": [None, 1.5], "c": [0, 1]}


# ------------------------------------------------------------------ mirror circuits
def test_mirror_on_one_and_two_qubits():
    from qiskit.quantum_info import Statevector

    from qhep.circuits import mirror
    from qhep.errors import CircuitError

    with pytest.raises(CircuitError, match="at least 2 qubits"):
        mirror(1)
    qc = mirror(2, 5, seed=3)  # returned at all (it used to loop for ever)
    assert qc.count_ops()["cx"] == 10  # 5 CX in the layer, 5 in its inverse
    assert abs(Statevector(qc).probabilities()[0] - 1.0) < 1e-9  # the ideal outcome is |00>


# ------------------------------------------------------------------ study files
STUDY = {"name": "s", "backends": ["statevector"], "tasks": [{"name": "ghz-2", "kind": "circuit", "circuit": "ghz:2"}]}


@pytest.mark.parametrize("change, needle", [
    ({"tasks": [{"name": "../../../x", "kind": "circuit", "circuit": "ghz:2"}]}, "plain name"),
    ({"tasks": [{"name": "..", "kind": "circuit", "circuit": "ghz:2"}]}, "plain name"),
    ({"tasks": [{"name": "m", "kind": "circuit", "circuit": "mirror:1"}]}, "mirror needs at least 2"),
    ({"tasks": [{"name": "m", "kind": "circuit", "circuit": "ghz:2", "qbits": 3}]}, "did you mean 'qubits'"),
    ({"tasks": [{"name": "q", "kind": "qaoa", "reps": 0}]}, "reps must be a positive integer"),
    ({"tasks": [{"name": "g", "kind": "generator", "model": "qag", "config": {"stpes": 3}}]},
     "unknown key 'stpes' (did you mean 'steps'?)"),
    ({"shotz": 100}, "unknown key 'shotz' (did you mean 'shots'?)"),
    ({"shots": "many"}, "shots must be an integer"),
])
def test_bad_study_files(cli, tmp_path, change, needle):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump({**STUDY, **change}))
    _fails(cli, ["noise-study", str(path), "--out", str(tmp_path / "out")], str(path), needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.yaml"]  # nothing written, inside or outside


def test_study_ledger_keys_name_the_output_directory(tmp_path, monkeypatch):
    import qhep.execution
    from qhep.studies.cells import run_cell

    keys = []

    def fake_runner(*args, **kwargs):
        keys.append(kwargs.get("job_key"))
        raise RuntimeError("stop after the key")

    monkeypatch.setattr(qhep.execution, "get_runner", fake_runner)
    task = {"name": "ghz-2", "kind": "circuit", "circuit": "ghz:2"}
    for study_key in ("aaaa", "bbbb"):
        with pytest.raises(RuntimeError, match="stop after the key"):
            run_cell(task, "ibm:fake_manila", "none", shots=100, study_seed=1, study_key=study_key)
    assert keys[0].startswith("noise-study/aaaa/") and keys[1].startswith("noise-study/bbbb/")
    assert keys[0].removeprefix("noise-study/aaaa/") == keys[1].removeprefix("noise-study/bbbb/")


# ------------------------------------------------------------------ hardware job specs
def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"hw_{name}", ROOT / "hardware" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


GOOD = {"name": "cal", "device": "ibm:torino", "shots": 100, "seed": 3, "budget_s": 60,
        "task": {"kind": "calibration", "circuits": ["ghz:2"]}}


@pytest.mark.parametrize("change, needle", [
    ({"budget_s": "lots"}, "budget_s must be a finite number"),
    ({"shots": "1000"}, "shots must be an integer"),
    ({"seed": "x"}, "seed must be an integer"),
    ({"time_model": {"rep_delay": 1e-4}}, "time_model: unknown key 'rep_delay'"),
    ({"time_model": {"rep_delay_s": "slow"}}, "time_model.rep_delay_s must be a finite number"),
    ({"mitigation": "magic"}, "mitigation"),
    ({"task": {"kind": "calibration", "circuits": ["mirror:1"]}}, "mirror needs at least 2"),
    ({"task": {"kind": "calibration", "circuits": ["mirror:2x"]}}, "not ghz:N or mirror:N"),
])
def test_bad_job_specs_are_one_line(in_process, tmp_path, change, needle):
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump({**GOOD, **change}))
    result = in_process(_script("submit"), path, "--dry-run", prog="submit.py")
    code, err = result.code, result.stderr
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("submit: error: ") and str(path) in err and needle in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job.yaml"]


def test_jobs_retrieve_of_an_unknown_id_asks_for_no_credentials(cli, monkeypatch):
    import qhep.execution.ibm as ibm

    monkeypatch.setattr(ibm, "service_from_env", lambda: pytest.fail("credentials looked up"))
    _fails(cli, ["jobs", "retrieve", "nosuchjob"], "no job 'nosuchjob'")


def test_a_rejected_token_is_not_reported_as_no_account(monkeypatch):
    import qiskit_ibm_runtime

    from qhep.errors import BackendSpecError
    from qhep.execution.ibm import runtime_service

    def refuse(**kwargs):
        raise RuntimeError(f"401 unauthorized for {kwargs['token']}")

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", refuse)
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "secret-token-123")
    with pytest.raises(BackendSpecError) as info:
        runtime_service()
    assert "did not accept QISKIT_IBM_TOKEN" in str(info.value) and "no IBM Quantum account" not in str(info.value)
    assert "secret-token-123" not in str(info.value)


def test_jets_cluster_of_a_wide_event_without_max_qubits_is_one_line(cli, tmp_path):
    from qhep.data.events import generate_events
    from qhep.data.io import write_events

    sample = generate_events(3, "ee-z", seed=1)
    write_events(tmp_path / "ee.h5", sample)
    widest = int(sample.multiplicity.max()) - 1
    assert widest > 30  # Z-pole events carry ~40 visible particles
    _fails(cli, ["jets", "cluster", "--events", str(tmp_path / "ee.h5"), "--method", "qaoa",
                    "--out", str(tmp_path / "j.h5")], "ee.h5", f"{widest} qubits", "--max-qubits")
    _fails(cli, ["jets", "cluster", "--events", str(tmp_path / "ee.h5"), "--method", "brute-force",
                    "--max-qubits", "40", "--out", str(tmp_path / "j.h5")], "--max-qubits must be at most 30")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ee.h5"]


def test_the_committed_example_checkpoint_still_loads_safely():
    """Checkpoints written before the JSON state (the noise-study example's) load with weights_only too."""
    from qhep.models.training import load_checkpoint, load_run

    run = ROOT / "docs" / "noise-study-example" / "models" / "qag-8px"
    state = load_checkpoint(run / "checkpoint.pt")
    assert state["state"]["step"] == len(state["state"]["history"]["steps"]) > 0
    model, info = load_run(str(run))
    assert info["model"] == "qag" and model.parameter_count() == info["generator_parameters"]


def test_qag_on_a_64_pixel_file_names_what_to_use_instead(cli, tmp_path):
    from qhep.data import generate_showers, write_calo

    s = generate_showers(40, (10, 100), geometry_name="8x8", seed=1)
    path = tmp_path / "s64.h5"
    write_calo(path, s.energies_gev, s.showers_mev, s.file_attributes())
    _fails(cli, ["train", "qag", "--data", str(path), "--out", str(tmp_path / "r"), "--steps", "1"],
           "64 qubits", "qlatent")
    assert not (tmp_path / "r" / "checkpoint.pt").exists()


def test_nan_at_the_first_step_leaves_no_run_behind(tmp_path, showers, monkeypatch):
    from qhep.models.gan import ClassicalGAN
    from qhep.models.training import TrainingError, train

    monkeypatch.setattr(ClassicalGAN, "training_step", lambda self, batch, gen: {"loss_d": float("nan")})
    with pytest.raises(TrainingError, match=r"loss_d loss is nan at step 1; this state was not saved \(no checkpoint"):
        train("gan", str(showers), str(tmp_path / "r"), steps=3, progress=False)
    assert not (tmp_path / "r").exists()  # no run.json without weights
