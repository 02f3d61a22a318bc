"""The torch statevector path against Qiskit's Statevector, and its gradients."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit.library import efficient_su2, qaoa_ansatz
from qiskit.circuit.random import random_circuit
from qiskit.quantum_info import SparsePauliOp, Statevector, random_pauli_list

from qhep.errors import CircuitError
from qhep.execution.torch_statevector import TorchCircuit, pauli_expectations, z_diagonal


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4), depth=st.integers(1, 5))
def test_random_circuits_match_qiskit(seed, n, depth):
    qc = random_circuit(n, depth, max_operands=min(n, 3), seed=seed)
    psi = TorchCircuit(qc).statevector().numpy()[0]
    ref = Statevector(qc).data
    # equal up to a global phase
    overlap = abs(np.vdot(ref, psi))
    assert overlap == pytest.approx(1.0, abs=1e-10)


def test_parametric_batch_matches_qiskit():
    qc = efficient_su2(3, reps=2)
    qc.cp(2 * qc.parameters[0] + 0.1, 0, 2)
    qc.rzz(qc.parameters[1] / 2, 0, 1)
    rng = np.random.default_rng(1)
    vals = rng.uniform(-np.pi, np.pi, (4, qc.num_parameters))
    psi = TorchCircuit(qc).statevector(vals).numpy()
    for b in range(4):
        ref = Statevector(qc.assign_parameters(vals[b])).data
        np.testing.assert_allclose(psi[b], ref, atol=1e-12)


def test_pauli_expectations_match_qiskit():
    qc = efficient_su2(4, reps=1)
    vals = np.random.default_rng(2).uniform(0, 2, qc.num_parameters)
    obs = SparsePauliOp(random_pauli_list(4, 8, seed=3, phase=False), coeffs=np.arange(1, 9) / 3)
    psi = TorchCircuit(qc).statevector(vals)
    got = pauli_expectations(psi, obs).item()
    ref = Statevector(qc.assign_parameters(vals)).expectation_value(obs).real
    assert got == pytest.approx(ref, abs=1e-12)


def test_z_diagonal_is_the_ising_energy():
    op = SparsePauliOp.from_list([("IZZ", 0.5), ("ZIZ", -1.0), ("III", 0.25), ("ZII", 2.0)])
    diag = z_diagonal(op, 3)
    for idx in range(8):
        s = [1 - 2 * ((idx >> q) & 1) for q in range(3)]
        expected = 0.5 * s[0] * s[1] - 1.0 * s[0] * s[2] + 0.25 + 2.0 * s[2]
        assert diag[idx] == pytest.approx(expected)
    with pytest.raises(CircuitError):
        z_diagonal(SparsePauliOp("XI"), 2)


def test_gradient_matches_finite_differences():
    qc = qaoa_ansatz(SparsePauliOp.from_list([("ZZI", 1.0), ("IZZ", -0.7), ("ZIZ", 0.3)]), reps=2)
    tc = TorchCircuit(qc)
    x = torch.tensor(np.random.default_rng(3).uniform(0, 1, (2, qc.num_parameters)), requires_grad=True)
    weights = torch.linspace(-1, 1, 8, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda v: tc.probabilities(v) @ weights, (x,), eps=1e-6, atol=1e-7)


def test_nonlinear_angle_is_rejected():
    from qiskit.circuit import Parameter

    a = Parameter("a")
    qc = QuantumCircuit(1)
    qc.rx(a * a, 0)
    with pytest.raises(CircuitError, match="not linear"):
        TorchCircuit(qc)


def test_wrong_value_shape():
    qc = efficient_su2(2, reps=1)
    with pytest.raises(CircuitError, match="expected"):
        TorchCircuit(qc).statevector(np.zeros((3, qc.num_parameters + 1)))


def test_batch_chunks_change_nothing(monkeypatch):
    from qhep.execution import torch_plan

    qc = efficient_su2(4, reps=2)
    qc.crx(qc.parameters[0], 0, 3)
    qc.rzz(qc.parameters[2], 1, 2)
    tc = TorchCircuit(qc)
    vals = torch.as_tensor(np.random.default_rng(5).uniform(-np.pi, np.pi, (7, qc.num_parameters)))
    g = torch.as_tensor(np.random.default_rng(6).normal(size=(7, 16)))
    whole = tc.statevector(vals)
    grad_whole = tc.vjp(vals, whole, g * whole)
    monkeypatch.setattr(torch_plan, "CHUNK_BYTES", 16 * 16 * 3)  # 3 rows a chunk
    assert len(list(torch_plan.chunk_rows(7, 4, 16, torch.device("cpu")))) == 3
    np.testing.assert_allclose(tc.statevector(vals).numpy(), whole.numpy(), atol=1e-14)
    np.testing.assert_allclose(tc.vjp(vals, whole, g * whole).numpy(), grad_whole.numpy(), atol=1e-14)


def test_plan_fuses_layers_and_the_cz_ring():
    from qhep.circuits.ansatz import generator_ansatz
    from qhep.execution.torch_plan import Diagonal, Layer

    n = 6
    qc, _, _ = generator_ansatz(n, 3)
    tc = TorchCircuit(qc.remove_final_measurements(inplace=False))
    assert [type(s) for s in tc.plan] == [Layer, Diagonal] * 3 + [Layer]  # 3 x (4n gates + n CZ) + n gates
    layer = tc.plan[0]
    assert sorted(layer.gates) == list(range(n)) and all(len(g) == 4 for g in layer.gates.values())
    idx = np.arange(2**n)
    bits = (idx[:, None] >> np.arange(n)) & 1
    ring = (-1.0) ** sum(bits[:, q] * bits[:, (q + 1) % n] for q in range(n))
    np.testing.assert_allclose(tc.plan[1].fixed.numpy(), ring)


def test_small_states_run_on_one_thread_and_restore():
    from qhep.execution.torch_plan import THREAD_MIN_BYTES, threads_for

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with threads_for(1024, torch.device("cpu")):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with threads_for(THREAD_MIN_BYTES, torch.device("cpu")):
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
