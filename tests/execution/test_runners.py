"""Every local backend kind through the same Runner API."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import SparsePauliOp, Statevector

from qhep.circuits import ghz
from qhep.errors import CircuitError
from qhep.execution import Runner, get_runner


def _param_circuit():
    theta = ParameterVector("t", 2)
    qc = QuantumCircuit(2)
    qc.ry(theta[0], 0)
    qc.cx(0, 1)
    qc.rx(theta[1], 1)
    return qc


def test_is_a_runner(runner):
    assert isinstance(runner, Runner)


def test_ghz_samples(runner):
    res = runner.sample(ghz(3))
    counts = res.data.meas.get_counts()
    assert sum(counts.values()) == 4000
    good = counts.get("000", 0) + counts.get("111", 0)
    # the noisy device loses some weight, but the GHZ peaks dominate everywhere
    assert good / 4000 > (0.99 if runner.exact or runner.spec.kind == "aer" else 0.6)
    assert abs(counts.get("000", 0) - counts.get("111", 0)) < 400


def test_batch_is_one_pub_with_exact_values(runner):
    qc = _param_circuit()
    vals = np.array([[0.1, 0.2], [1.0, -0.5], [2.5, 1.5]])
    obs = [SparsePauliOp("ZZ"), SparsePauliOp.from_list([("XI", 0.5), ("IZ", 1.0)])]
    res = runner.estimate(qc, obs, vals)
    assert res.values.shape == (3, 2)
    exact = np.array([[Statevector(qc.assign_parameters(v)).expectation_value(o).real for o in obs] for v in vals])
    if runner.exact:
        np.testing.assert_allclose(res.values, exact, atol=1e-12)
        assert np.all(res.stds == 0)
    elif runner.spec.kind == "aer":
        assert np.all(np.abs(res.values - exact) < 5 * res.stds + 1e-9)
        assert np.all(res.stds > 0)
    else:  # noisy: shrunk towards 0 but same sign pattern where large
        big = np.abs(exact) > 0.5
        assert np.all(np.sign(res.values[big]) == np.sign(exact[big]))


def test_probabilities_over_measured_bits(runner):
    qc = QuantumCircuit(3, 2)
    qc.x(2)
    qc.h(0)
    qc.measure(2, 0)
    qc.measure(0, 1)
    probs = runner.probabilities(qc)
    assert probs.shape == (1, 4)
    # clbit0 <- qubit2 (always 1); clbit1 <- qubit0 (50/50): outcomes 01 and 11 (little-endian int 1, 3)
    tol = 0.05 if runner.spec.kind != "fake" else 0.12
    assert probs[0, 1] == pytest.approx(0.5, abs=tol)
    assert probs[0, 3] == pytest.approx(0.5, abs=tol)


def test_bad_inputs(runner):
    qc = _param_circuit()
    with pytest.raises(CircuitError, match="expected"):
        runner.estimate(qc, "ZZ", np.zeros((2, 3)))
    with pytest.raises(CircuitError, match="acts on 3 qubits"):
        runner.estimate(qc, "ZZZ", [0.1, 0.2])
    with pytest.raises(CircuitError, match="no parameter values"):
        runner.sample(qc)


def test_diagonal_observable_is_one_circuit():
    runner = get_runner("aer", seed=3)
    ising = SparsePauliOp.from_list([("ZZI", 1.0), ("IZZ", -0.5), ("ZIZ", 0.25), ("ZII", 0.1)])
    res = runner.estimate(ghz(3, measure=False), ising)
    assert res.metadata["circuits"] == 1
    assert res.values[0, 0] == pytest.approx(1.0 - 0.5 + 0.25, abs=0.06)


def test_statevector_gpu_matches_cpu(gpu_runner):
    qc = _param_circuit()
    vals = np.array([[0.3, 0.7]])
    cpu = get_runner("statevector").estimate(qc, "ZZ", vals).values
    np.testing.assert_allclose(gpu_runner.estimate(qc, "ZZ", vals).values, cpu, atol=1e-10)


def test_gpu_spec_without_cuda_is_a_clear_error():
    import torch

    from qhep.errors import BackendSpecError

    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(BackendSpecError, match="CUDA"):
        get_runner("statevector:gpu")
    with pytest.raises(BackendSpecError, match="qhep\\[gpu\\]"):
        get_runner("aer:gpu")
