"""``custom_noise_model``: each error channel against its closed-form effect on one qubit."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit_aer import AerSimulator

from qhep.noise import custom_noise_model


def _p1(model, circuit) -> float:
    """Exact P(measure 1) of qubit 0 under ``model`` (density matrix, no shot noise)."""
    qc = circuit.copy()
    qc.save_probabilities([0])
    sim = AerSimulator(method="density_matrix", noise_model=model)
    return float(sim.run(qc, shots=1).result().data(0)["probabilities"][1])


def _x_gate() -> QuantumCircuit:
    qc = QuantumCircuit(1)
    qc.x(0)
    return qc


def test_depolarising_flips_an_x_gate_with_half_its_probability():
    # 1q depolarising rho -> (1-p) rho + p I/2: P(0) after X is p/2
    for p, scale in ((0.02, 1.0), (0.02, 3.0)):
        model = custom_noise_model({"depolarizing": {"p1": p}}, scale=scale)
        assert 1 - _p1(model, _x_gate()) == pytest.approx(p * scale / 2, rel=1e-9)


def test_readout_error_is_a_symmetric_flip_of_the_measured_bit():
    model = custom_noise_model({"readout": 0.03})
    sim = AerSimulator(method="density_matrix", noise_model=model, seed_simulator=1)
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    counts = sim.run(qc, shots=40000).result().get_counts()
    p = counts.get("1", 0) / 40000
    assert p == pytest.approx(0.03, abs=4 * np.sqrt(0.03 * 0.97 / 40000))


def test_thermal_relaxation_decays_the_excited_state_with_t1():
    t1, gate = 50e-6, 10e-6
    model = custom_noise_model({"thermal": {"t1": t1, "t2": 2 * t1, "gate_time_1q": gate}})
    assert _p1(model, _x_gate()) == pytest.approx(np.exp(-gate / t1), rel=1e-6)
    faster = custom_noise_model({"thermal": {"t1": t1, "t2": 2 * t1, "gate_time_1q": gate}}, scale=2.0)
    assert _p1(faster, _x_gate()) == pytest.approx(np.exp(-2 * gate / t1), rel=1e-6)  # scale shortens T1


def test_zero_scale_is_noiseless_and_unknown_keys_are_named():
    model = custom_noise_model({"depolarizing": {"p1": 0.1, "p2": 0.2}, "readout": 0.1,
                                "thermal": {"t1": 1e-6, "t2": 1e-6}}, scale=0.0)
    assert _p1(model, _x_gate()) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError, match="depolarising"):
        custom_noise_model({"depolarising": {"p1": 0.1}})
