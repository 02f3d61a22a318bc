"""The dry run's cost figures: unchanged on the example spec, and logged by a wrapped Runner."""

from pathlib import Path

import pytest

from qhep.execution import Runner
from qhep.hardware import DryRunRunner, dry_run, load_job

ROOT = Path(__file__).parents[2]


def test_example_calibration_spec_costs_what_it_did(tmp_path):
    """Figures of hardware/specs/calibration-torino.yaml from the dry run before the runner was wrapped."""
    copy = tmp_path / "calibration-torino.yaml"
    copy.write_text((ROOT / "hardware" / "specs" / "calibration-torino.yaml").read_text())
    report = dry_run(load_job(copy))
    # 3 circuits and their 2 readout-calibration circuits per noise group (3 groups): 6 jobs, 9 circuits
    assert (report["jobs"], report["circuits"], report["shots"]) == (6, 9, 36000)
    assert (report["max_depth"], report["max_two_qubit_gates"]) == (67, 20)
    assert report["max_circuit_duration_us"] == pytest.approx(2.944, rel=1e-9)
    assert report["device_seconds"] == pytest.approx(21.064736, rel=1e-9)


def test_dry_run_runner_wraps_a_runner_and_logs_each_call():
    from qiskit import QuantumCircuit

    runner = DryRunRunner("fake:torino", shots=100, seed=1)
    assert isinstance(runner, Runner) and isinstance(runner.inner, Runner)
    assert type(runner).__mro__[1] is object  # composition: no backend class above it
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    counts = runner.counts([qc, qc.copy()], shots=100)
    assert len(counts) == 2 and counts[0].sum() == 100
    assert len(runner.log.jobs) == 1 and runner.log.jobs[0]["circuits"] == 2  # one call: one job
    with pytest.raises(Exception, match="fake twin"):
        DryRunRunner("aer")
