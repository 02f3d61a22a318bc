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


def test_density_matrix_where_it_is_faster():
    from qiskit import QuantumCircuit

    from qhep.execution.aer import noisy_method

    final = ghz(10)  # measured at the end
    assert noisy_method(10, [final], 1000) == "density_matrix"  # Aer's automatic: trajectories
    assert noisy_method(12, [final], 200) == "automatic"        # 2^12 states >> 200 shots
    assert noisy_method(13, [final], 10**6) == "automatic"      # 4^13 amplitudes: 1 GB
    mid = QuantumCircuit(2, 2)
    mid.h(0)
    mid.measure(0, 0)
    mid.cx(0, 1)
    mid.measure(1, 1)
    assert noisy_method(2, [mid], 1000) == "automatic"           # mid-circuit measurement


def test_density_matrix_run_agrees_with_trajectories():
    """The runner's density-matrix run samples the same distribution as Aer's trajectories."""
    from qiskit_aer import AerSimulator

    from qhep.execution.results import counts_matrix

    circuit = ghz(5)
    runner = get_runner("fake:torino@3", shots=20000, seed=4)
    dm = counts_matrix(runner.sample(circuit).data.meas)[0] / 20000
    assert any(method == "density_matrix" for _, method in runner._exec._samplers)
    prep = runner.prepare(circuit)
    sim = AerSimulator(method="statevector", noise_model=runner.noise_model(prep), seed_simulator=5)
    counts = sim.run(prep.circuit, shots=20000).result().get_counts()
    traj = np.zeros(32)
    for bits, c in counts.items():
        traj[int(bits.replace(" ", ""), 2)] = c / 20000
    assert dm[0] + dm[31] < 0.9                   # the noise is visible
    assert np.abs(dm - traj).max() < 5 * np.sqrt(0.25 / 20000) * np.sqrt(2)
