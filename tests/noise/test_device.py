import numpy as np
import pytest
from qiskit_aer.noise import NoiseModel

from qhep.circuits import ghz
from qhep.execution import get_runner
from qhep.execution.spec import fake_backend
from qhep.noise import custom_noise_model, device_noise_model, reduced_target


@pytest.fixture(scope="module")
def torino():
    return fake_backend("torino").target


def test_model_covers_only_used_qubits(torino):
    model = device_noise_model(torino, [10, 11, 12])
    assert sorted(model.noise_qubits) == [0, 1, 2]


def test_reduced_target_copies_calibration(torino):
    small = reduced_target(torino, [10, 11])
    assert small["sx"][(1,)].error == pytest.approx(torino["sx"][(11,)].error)
    assert small.qubit_properties[0].t1 == pytest.approx(torino.qubit_properties[10].t1)


def test_scaling_errors_and_relaxation(torino):
    s1 = reduced_target(torino, [3, 4], 1.0)
    s3 = reduced_target(torino, [3, 4], 3.0)
    assert s3["sx"][(0,)].error == pytest.approx(min(3 * s1["sx"][(0,)].error, 1.0))
    assert s3.qubit_properties[0].t1 == pytest.approx(s1.qubit_properties[0].t1 / 3)
    huge = reduced_target(torino, [3, 4], 1e6)
    assert huge["measure"][(0,)].error <= 1.0
    for t in (s1, s3, huge):
        for q in t.qubit_properties:
            assert q.t2 <= 2 * q.t1 + 1e-18


def test_error_grows_with_scale():
    errors = []
    for scale in (0, 1, 3):
        runner = get_runner(f"fake:torino@{scale}", shots=4000, seed=11)
        counts = runner.sample(ghz(4)).data.meas.get_counts()
        errors.append(1 - (counts.get("0000", 0) + counts.get("1111", 0)) / 4000)
    assert errors[0] == 0.0
    assert errors[0] < errors[1] < errors[2]


def test_custom_noise_config():
    model = custom_noise_model({"depolarizing": {"p1": 0.001, "p2": 0.02}, "readout": 0.03,
                                "thermal": {"t1": 100e-6, "t2": 250e-6}})
    assert isinstance(model, NoiseModel)
    assert "cx" in model.noise_instructions and "measure" in model.noise_instructions
    with pytest.raises(ValueError, match="unknown noise config"):
        custom_noise_model({"depolarising": 0.1})
    assert np.isclose(custom_noise_model({"readout": 0.4}, scale=10)._default_readout_error.probabilities[0, 1], 1.0)
