"""The task registry: every task the repository's studies and job specs name resolves; unknown ones are refused."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from qhep.studies import TASKS, Benchmark, TaskError, TaskKind, kinds, resolve, task_kind

ROOT = Path(__file__).parents[2]
STUDIES = sorted((ROOT / "docs").rglob("study*.yaml"))
SPECS = sorted((ROOT / "hardware" / "specs").glob("*.yaml"))


def _names():
    """(use, name) of every task kind and benchmark circuit the example studies and job specs use."""
    out = set()
    for path in STUDIES:
        for task in yaml.safe_load(path.read_text())["tasks"]:
            out.add(("study", task["kind"]))
            if "circuit" in task:
                out.add(("study", task["circuit"]))
    for path in SPECS:
        task = yaml.safe_load(path.read_text())["task"]
        out.add(("job", task["kind"]))
        out.update(("job", c) for c in task.get("circuits", []))
    return sorted(out)


def test_the_repository_uses_tasks_of_both_tables():
    names = _names()
    assert STUDIES and SPECS
    assert {("study", "circuit"), ("study", "qaoa"), ("job", "calibration"), ("job", "ghz:3")} <= set(names)


@pytest.mark.parametrize("use, name", _names())
def test_every_task_name_in_the_examples_resolves(use, name):
    found = resolve(name, use)
    if ":" in name:
        assert isinstance(found, Benchmark)
        circuit, ideal = found.build()
        assert circuit.num_qubits == found.num_qubits and ideal
    else:
        assert isinstance(found, TaskKind) and found.name == name
        assert (found.cell if use == "study" else found.job) is not None


@pytest.mark.parametrize("name, use, nearest", [
    ("qoaa", "study", "qaoa"), ("calibraton", "job", "calibration"), ("generater", "study", "generator"),
    ("gzh:4", None, "ghz:4"), ("miror:4", "job", "mirror:4"), ("circut", None, "circuit"),
])
def test_unknown_names_are_refused_naming_the_nearest(name, use, nearest):
    with pytest.raises(TaskError, match=f"did you mean '{nearest}'"):
        resolve(name, use)


def test_a_kind_of_the_other_table_is_refused_as_such():
    with pytest.raises(TaskError, match="'sample' runs in the other table"):
        task_kind("sample", "study")
    assert kinds("job") == ("calibration", "qaoa", "sample")
    assert kinds("study") == ("circuit", "qaoa", "generator", "diffusion")
    assert set(TASKS) == set(kinds("job")) | set(kinds("study"))


def test_benchmark_names_keep_their_messages():
    with pytest.raises(TaskError, match="mirror needs at least 2 qubits"):
        resolve("mirror:1")
    with pytest.raises(TaskError, match="not ghz:N or mirror:N"):
        resolve("mirror:2x")
    circuit, ideal = resolve("ghz:3").build()
    assert ideal == [0, 7] and circuit.num_clbits == 3


def test_misspelt_kinds_in_files_name_the_nearest(tmp_path):
    from qhep.hardware import SpecError, load_job
    from qhep.studies import StudyError, load_study

    spec = tmp_path / "job.yaml"
    spec.write_text(yaml.safe_dump({"device": "ibm:torino", "task": {"kind": "calibratoin"}}))
    with pytest.raises(SpecError, match="task.kind must be one of .*did you mean 'calibration'"):
        load_job(spec)
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump({"backends": ["statevector"],
                                     "tasks": [{"name": "t", "kind": "circiut", "circuit": "ghz:2"}]}))
    with pytest.raises(StudyError, match="did you mean 'circuit'"):
        load_study(study)


def test_qaoa_angles_bind_by_parameter_name():
    """gamma_k and beta_k land on the circuit's γ[k] and β[k], whatever order Qiskit sorts them in."""
    from qiskit.quantum_info import SparsePauliOp

    from qhep.jets.qaoa import qaoa_circuit
    from qhep.studies.thrust import bind_angles

    circuit = qaoa_circuit(SparsePauliOp(["ZZI", "IZZ"], [1.0, -0.5]), 1.0, reps=2)
    angles = np.array([0.1, 0.2, 0.3, 0.4])  # gamma_0, gamma_1, beta_0, beta_1
    values = bind_angles(circuit, angles)
    assert values.shape == (1, 4)
    named = {p.name: v for p, v in zip(circuit.parameters, values[0])}
    assert named == {"γ[0]": 0.1, "γ[1]": 0.2, "β[0]": 0.3, "β[1]": 0.4}
