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


def test_counts_batch_several_circuits_in_one_call(runner):
    theta = _param_circuit().parameters
    a, b = _param_circuit(), _param_circuit()
    b.x(0)
    vals = np.array([[0.0, 0.0], [np.pi, 0.0]])
    counts = runner.counts([a, b], vals, shots=2000)
    assert [c.shape for c in counts] == [(2, 4), (2, 4)]
    assert all(np.all(c.sum(-1) == 2000) for c in counts)
    # a: ry(0) -> 00, ry(pi) -> 11 (ints 0, 3); b's final x(0) flips qubit 0: ints 1, 2
    tol = 0.02 if runner.spec.kind != "fake" else 0.3  # device noise: the peak still dominates
    for c, peaks in ((counts[0], (0, 3)), (counts[1], (1, 2))):
        assert c[0, peaks[0]] / 2000 > 1 - tol and c[1, peaks[1]] / 2000 > 1 - tol
    other = QuantumCircuit(2)
    other.rx(theta[0], 0)
    with pytest.raises(CircuitError, match="share one parameter list"):
        runner.counts([a, other], vals)


def test_prepare_metadata_and_capabilities(runner):
    qc = ghz(3)
    prep = runner.prepare(qc)
    probs, meta = runner.probabilities_with_metadata(qc)
    np.testing.assert_allclose(probs, runner.probabilities(qc), atol=0.05)
    assert meta["backend"] == str(runner.spec)
    assert runner.supports_exact_gradients == runner.exact
    if runner.exact:  # nothing transpiled, no readout error, a differentiable form
        assert prep.stats == {} and prep.circuit is qc
        assert runner.readout_calibration(qc) is None
        assert runner.compiled(qc).probabilities(np.zeros((1, 0))).shape == (1, 8)
    else:  # transpiled once: the same object on a second call, with its two-qubit gate count
        assert runner.prepare(qc) is prep and prep.stats["two_qubit_gates"] >= 2
        cal, idx = runner.readout_calibration(qc)
        assert sorted(idx) == [0, 1, 2]
        if runner.spec.kind == "aer":
            assert np.all(cal.p01 == 0) and np.all(cal.p10 == 0)
        else:  # calibrated on the device's own qubits: their reported assignment error, 4000+ shots
            reported = [runner.target["measure"][(q,)].error for q in prep.physical_qubits]
            np.testing.assert_allclose((cal.p01 + cal.p10) / 2, reported, atol=0.015)


def test_runner_is_a_context_manager_that_closes():
    closed = []
    runner = get_runner("aer", seed=1)
    runner.close = lambda: closed.append(True)
    with runner as r:
        assert r is runner
    assert closed == [True]
