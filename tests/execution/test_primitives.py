"""qhep Runners as Qiskit V2 primitives, and qiskit-machine-learning training through them."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector
from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2
from qiskit.quantum_info import SparsePauliOp, Statevector

from qhep.execution import get_runner
from qhep.execution.primitives import QhepEstimator, QhepSampler


def _param_circuit():
    t = ParameterVector("t", 2)
    qc = QuantumCircuit(2)
    qc.ry(t[0], 0)
    qc.cx(0, 1)
    qc.rx(t[1], 1)
    return qc


def _exact(qc, vals, label):
    return np.array([Statevector(qc.assign_parameters(v) if len(v) else qc).expectation_value(
        SparsePauliOp(label)).real for v in vals])


@pytest.mark.parametrize("spec", ["statevector", "aer"])
def test_estimator_broadcasts_pubs_like_qiskit(spec):
    qc = _param_circuit()
    vals = np.random.default_rng(0).uniform(-2, 2, (3, 2))
    est = QhepEstimator(get_runner(spec, seed=1))
    assert isinstance(est, BaseEstimatorV2)
    res = est.run([(qc, [["ZZ"], ["XI"]], vals), (qc, "IZ", vals[0])], precision=0.01).result()
    assert res[0].data.evs.shape == (2, 3) and res[1].data.evs.shape == ()
    exact = np.stack([_exact(qc, vals, "ZZ"), _exact(qc, vals, "XI")])
    if spec == "statevector":
        np.testing.assert_allclose(res[0].data.evs, exact, atol=1e-12)
    else:  # precision 0.01 -> 10000 shots; stds are the shot noise
        assert res[0].metadata["shots"] == 10000
        assert np.all(np.abs(res[0].data.evs - exact) < 5 * res[0].data.stds)
        assert np.all((res[0].data.stds > 0.002) & (res[0].data.stds < 0.011))
    assert res[1].data.evs == pytest.approx(_exact(qc, vals[:1], "IZ")[0], abs=0.05)


def test_sampler_returns_bitarrays_in_the_pub_shape():
    qc = _param_circuit().measure_all(inplace=False)
    vals = np.array([[[0.0, 0.0], [np.pi, 0.0]]])  # shape (1, 2)
    sampler = QhepSampler(get_runner("aer", seed=2))
    assert isinstance(sampler, BaseSamplerV2)
    bits = sampler.run([(qc, vals)], shots=300).result()[0].data.meas
    assert bits.shape == (1, 2) and bits.num_shots == 300
    assert bits[0, 0].get_counts() == {"00": 300} and bits[0, 1].get_counts() == {"11": 300}


def test_readout_mitigation_reaches_through_the_estimator_on_a_fake_device():
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    raw = QhepEstimator(get_runner("fake:torino", seed=3, shots=8000)).run([(bell, "ZZ")]).result()[0]
    fixed = QhepEstimator(get_runner("fake:torino", seed=3, shots=8000, mitigation="readout")).run(
        [(bell, "ZZ")]).result()[0]
    assert fixed.metadata["mitigation"] == {"readout": "client"}
    # ideal <ZZ> = 1: readout errors pull the raw value down well beyond its error bar
    assert 1 - raw.data.evs > 5 * raw.data.stds
    assert abs(1 - fixed.data.evs) < abs(1 - raw.data.evs) / 2


def _train_qnn(spec: str, mitigation: str | None, steps: int, seed: int):
    """A 2-qubit EstimatorQNN regression fitted by gradient descent on the QNN's own gradients."""
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    x, w = Parameter("x"), ParameterVector("w", 2)
    qc = QuantumCircuit(2)  # <ZZ> = cos w0 cos w1 + sin w0 sin w1 sin x
    qc.ry(x, 0)
    qc.cx(0, 1)
    qc.ry(w[0], 0)
    qc.ry(w[1], 1)
    estimator = QhepEstimator(get_runner(spec, seed=seed, shots=2000, mitigation=mitigation))
    qnn = EstimatorQNN(circuit=qc, estimator=estimator, observables=SparsePauliOp("ZZ"),
                       input_params=[x], weight_params=list(w), default_precision=1 / np.sqrt(2000))
    inputs = np.linspace(-1.0, 1.0, 4)[:, None]
    w_true = {w[0]: 0.9, w[1]: -0.7}  # targets: the exact output at these weights
    target = np.array([_exact(qc.assign_parameters({x: v, **w_true}), [[]], "ZZ")[0] for v in inputs[:, 0]])
    weights = np.array([2.2, 0.3])
    losses = []
    for _ in range(steps):
        out = qnn.forward(inputs, weights)[:, 0]
        losses.append(float(np.mean((out - target) ** 2)))
        _, grad = qnn.backward(inputs, weights)
        weights = weights - 0.8 * np.mean(2 * (out - target)[:, None] * grad[:, 0, :], axis=0)
    losses.append(float(np.mean((qnn.forward(inputs, weights)[:, 0] - target) ** 2)))
    return losses


def test_estimator_qnn_trains_through_the_adapter_on_aer():
    losses = _train_qnn("aer", None, steps=6, seed=4)
    assert losses[-1] < 0.05 * losses[0]  # measured: 1.3 -> 0.002 (aer), 1.25 -> 0.004 (torino)


def test_estimator_qnn_trains_through_the_adapter_on_fake_torino_with_readout_mitigation():
    losses = _train_qnn("fake:torino", "readout", steps=6, seed=4)
    assert losses[-1] < 0.05 * losses[0]  # measured: 1.3 -> 0.002 (aer), 1.25 -> 0.004 (torino)
