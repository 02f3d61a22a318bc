"""QuantumModule: exact gradients vs finite differences, parameter shift on the logical circuit, SPSA, shots."""

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector

from qhep.connectors import QuantumModule, angle_circuit
from qhep.execution import get_runner


def _circuit():
    # shared parameters, coefficients and gates that transpile into theta/2 rotations (crz, cp)
    x, w = ParameterVector("x", 2), ParameterVector("w", 4)
    qc = QuantumCircuit(3)
    qc.ry(2 * x[0], 0)
    qc.rx(x[1] + w[0], 1)
    qc.cx(0, 1)
    qc.crz(w[1], 1, 2)
    qc.cp(w[2] / 2, 0, 2)
    qc.rzz(w[3], 0, 1)
    qc.ry(w[0], 2)
    qc.h(2)
    return qc, x


INPUTS = torch.tensor([[0.3, -0.7], [1.1, 0.4]], dtype=torch.float64)


def _fd_grad(module, x, go, eps=1e-6):
    """Central finite differences of sum(go * module(x)) in weights and inputs."""
    def f():
        with torch.no_grad():
            return float((module(x) * go).sum())
    gw = np.zeros(module.num_weights)
    for i in range(module.num_weights):
        module.weight.data[i] += eps
        up = f()
        module.weight.data[i] -= 2 * eps
        down = f()
        module.weight.data[i] += eps
        gw[i] = (up - down) / (2 * eps)
    gx = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        x[idx] += eps
        up = f()
        x[idx] -= 2 * eps
        down = f()
        x[idx] += eps
        gx[idx] = (up - down) / (2 * eps)
    return gw, gx


def _autograd(module, x, go):
    x = x.clone().requires_grad_(True)
    module.weight.grad = None
    (module(x) * go).sum().backward()
    return module.weight.grad.numpy().copy(), x.grad.numpy().copy()


@pytest.mark.parametrize("output", ["probabilities", "expectations"])
@pytest.mark.parametrize("gradient", ["adjoint", "backprop", "parameter-shift"])
def test_exact_gradients_match_finite_differences(output, gradient):
    qc, x = _circuit()
    module = QuantumModule(qc, x, output=output, gradient=gradient, seed=3)
    go = torch.as_tensor(np.random.default_rng(0).normal(size=(2, module.output_size)))
    gw, gx = _autograd(module, INPUTS, go)
    fw, fx = _fd_grad(module, INPUTS.clone(), go)
    np.testing.assert_allclose(gw, fw, atol=1e-7)
    np.testing.assert_allclose(gx, fx, atol=1e-7)


def test_angle_circuit_tracks_transpiled_coefficients():
    qc, _ = _circuit()
    ac = angle_circuit(qc)
    w1 = [p.name for p in ac.parameters].index("w[1]")
    # crz(w1) unrolls into two rz(+-w1/2): shifting w1 itself by pi/2 would be wrong
    assert sorted(np.abs(ac.a[:, w1][ac.a[:, w1] != 0])) == [0.5, 0.5]
    theta = np.random.default_rng(1).uniform(-1, 1, (1, len(ac.parameters)))
    from qiskit.quantum_info import Statevector

    bound = qc.assign_parameters(theta[0])
    rebuilt = ac.circuit.assign_parameters(ac.angles(theta)[0])
    assert Statevector(bound).equiv(Statevector(rebuilt))


def test_shot_based_parameter_shift_agrees_within_statistics():
    qc, x = _circuit()
    exact = QuantumModule(qc, x, output="expectations", seed=3)
    noisy = QuantumModule(qc, x, output="expectations", runner=get_runner("aer", shots=20000, seed=5),
                          initial_weights=exact.weight.detach().numpy())
    go = torch.ones((2, 3), dtype=torch.float64)
    gw_exact, _ = _autograd(exact, INPUTS, go)
    gw_shots, _ = _autograd(noisy, INPUTS, go)
    # each shifted expectation has std <= 1/sqrt(20000); 2 rows x 3 outputs x 2 shifts x 1/2 x coefficients
    assert np.max(np.abs(gw_shots - gw_exact)) < 0.1
    assert np.corrcoef(gw_shots, gw_exact)[0, 1] > 0.98


def test_spsa_points_along_the_gradient():
    qc, x = _circuit()
    exact = QuantumModule(qc, x, output="expectations", seed=3)
    spsa = QuantumModule(qc, x, output="expectations", gradient="spsa", seed=3, spsa_samples=400,
                         spsa_epsilon=0.01)
    go = torch.ones((2, 3), dtype=torch.float64)
    gw_exact, _ = _autograd(exact, INPUTS, go)
    gw_spsa, _ = _autograd(spsa, INPUTS, go)
    cos = gw_exact @ gw_spsa / np.linalg.norm(gw_exact) / np.linalg.norm(gw_spsa)
    assert cos > 0.9


def test_marginal_over_measured_qubits_and_sampling():
    qc = QuantumCircuit(3, 2)
    w = ParameterVector("w", 3)
    for q in range(3):
        qc.ry(w[q], q)
    qc.measure([2, 0], [0, 1])  # clbit 0 <- qubit 2, clbit 1 <- qubit 0
    m = QuantumModule(qc, [], initial_weights=np.array([0.4, 1.0, 2.2]), seed=0)
    p = m().detach().numpy()[0]
    p1 = np.sin(np.array([0.4, 1.0, 2.2]) / 2) ** 2
    expected = [(1 - p1[2]) * (1 - p1[0]), p1[2] * (1 - p1[0]), (1 - p1[2]) * p1[0], p1[2] * p1[0]]
    np.testing.assert_allclose(p, expected, atol=1e-12)
    draws = m.sample(shots=20000)[0]
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, expected, atol=0.015)


def test_clear_errors():
    qc, x = _circuit()
    with pytest.raises(ValueError, match="backprop needs an exact runner"):
        QuantumModule(qc, x, runner="aer", gradient="backprop")
    m = QuantumModule(qc, x)
    with pytest.raises(ValueError, match="width 3"):
        m(torch.zeros(2, 3))
