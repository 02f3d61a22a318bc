"""The runner's compiled (differentiable) form is the state Qiskit computes, and the kernels are its gates."""

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.circuit.library import RXGate, RYGate, RZGate, RZZGate
from qiskit.quantum_info import SparsePauliOp, Statevector

from qhep.errors import CircuitError
from qhep.execution import get_runner
from qhep.execution.kernels import apply_gate, linear_form, rx_matrix, ry_matrix, rz_diagonal, rzz_diagonal
from qhep.execution.statevector import compile_circuit


def _random_ansatz(n: int, layers: int, seed: int) -> QuantumCircuit:
    """Random rotations (some angles affine in the parameters), CX/CZ entanglers, RZZ/RXX couplings."""
    rng = np.random.default_rng(seed)
    th = ParameterVector("t", 3 * n * layers)
    qc = QuantumCircuit(n)
    k = 0
    for _ in range(layers):
        for q in range(n):
            gate = [qc.rx, qc.ry, qc.rz][int(rng.integers(3))]
            gate(th[k] * float(rng.uniform(0.5, 2)) + float(rng.uniform(-1, 1)), q)
            qc.ry(th[k + 1], q)
            k += 2
        for q in range(n - 1):
            (qc.cx if rng.random() < 0.5 else qc.cz)(q, q + 1)
        for q in range(0, n - 1, 2):
            (qc.rzz if rng.random() < 0.5 else qc.rxx)(th[k], q, q + 1)
            k += 1
    return qc


@pytest.mark.parametrize("seed", [0, 1])
def test_runner_compiled_state_and_expectations_match_qiskit(seed):
    qc = _random_ansatz(4, 2, seed)
    values = np.random.default_rng(seed).uniform(-np.pi, np.pi, (3, qc.num_parameters))
    runner = get_runner("statevector")
    tc = runner.compiled(qc)
    assert runner.compiled(qc) is tc  # lowered once per structure
    psi = tc.statevector(values).numpy()
    obs = SparsePauliOp(["ZZII", "XIYI", "IIIZ"], coeffs=[1.0, 0.5, -0.3])
    for b in range(values.shape[0]):
        ref = Statevector(qc.assign_parameters(values[b]))
        assert abs(np.vdot(ref.data, psi[b])) == pytest.approx(1.0, abs=1e-12)  # equal up to global phase
        assert runner.estimate(qc, obs, values[b]).values[0, 0] == pytest.approx(
            float(np.real(ref.expectation_value(obs))), abs=1e-12)


def test_compiled_precision_and_the_factory_give_the_same_state():
    qc = _random_ansatz(3, 2, 5)
    values = np.random.default_rng(5).uniform(-1, 1, (2, qc.num_parameters))
    runner = get_runner("statevector")
    double = runner.compiled(qc).statevector(values)
    single = runner.compiled(qc, dtype=torch.complex64)
    assert single.dtype == torch.complex64 and single is not runner.compiled(qc)
    assert np.allclose(single.statevector(values).numpy(), double.numpy(), atol=1e-5)
    assert np.allclose(compile_circuit(qc).statevector(values).numpy(), double.numpy(), atol=1e-14)


def test_shot_runners_have_no_compiled_form():
    runner = get_runner("aer")
    assert not runner.supports_exact_gradients
    with pytest.raises(CircuitError, match="no differentiable form"):
        runner.compiled(QuantumCircuit(1))


def test_kernels_are_qiskit_gates():
    t = torch.tensor([0.37, -1.2], dtype=torch.float64)
    for fn, gate in ((rx_matrix, RXGate), (ry_matrix, RYGate)):
        out = fn((t,)).numpy()
        assert all(np.allclose(out[b], gate(float(t[b])).to_matrix()) for b in range(2))
    assert np.allclose(rz_diagonal((t,)).numpy()[0], np.diag(RZGate(0.37).to_matrix()))
    assert np.allclose(rzz_diagonal((t,)).numpy()[1], np.diag(RZZGate(-1.2).to_matrix()))
    # RX on qubit 1 of |00>, batch of one: |10> (qubit 1 is bit 1) with amplitude -i sin(theta/2)
    state = torch.zeros((1, 2, 2), dtype=torch.complex128)
    state[0, 0, 0] = 1
    out = apply_gate(state, rx_matrix((t[:1],)), (1,), 2, False).reshape(1, 4).numpy()[0]
    assert np.allclose(out, Statevector.from_label("00").evolve(RXGate(0.37), [1]).data)


def test_linear_form_reads_affine_angles_and_refuses_others():
    a = ParameterVector("a", 2)
    coeffs, offset = linear_form(2 * a[0] - a[1] / 4 + 0.5, {a[0]: 0, a[1]: 1})
    assert coeffs == pytest.approx({0: 2.0, 1: -0.25}) and offset == pytest.approx(0.5)
    with pytest.raises(CircuitError, match="not linear"):
        linear_form(a[0] * a[1], {a[0]: 0, a[1]: 1})
