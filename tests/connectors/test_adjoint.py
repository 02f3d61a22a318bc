"""Adjoint differentiation: equal to backprop on the package's ansatzes, gradcheck, memory of a few states."""

import numpy as np
import pytest
import torch
from qiskit.circuit import ParameterVector
from qiskit.circuit.library import qaoa_ansatz
from qiskit.quantum_info import SparsePauliOp

from qhep.circuits.ansatz import generator_ansatz, iqp_circuit, mera_upsampling_ansatz
from qhep.connectors import QuantumModule
from qhep.connectors.adjoint import AdjointOutputs, observable_maps
from qhep.execution import torch_plan
from qhep.execution.torch_statevector import TorchCircuit


def _qaoa():
    cost = SparsePauliOp.from_list([("ZZII", 1.0), ("IZZI", -0.7), ("ZIIZ", 0.3), ("IIZI", 0.4)])
    qc = qaoa_ansatz(cost, reps=2)
    return qc, list(qc.parameters)[:1]  # the first angle fed as an input, the rest weights


def _cases():
    gen, gx, _ = generator_ansatz(5, 2)
    mera, mx, _ = mera_upsampling_ansatz(8, 2)
    iqp, theta, _ = iqp_circuit(4)
    qaoa, qx = _qaoa()
    return {"generator": (gen, list(gx)), "mera": (mera, list(mx)), "iqp": (iqp, [theta[0], theta[5]]),
            "qaoa": (qaoa, qx)}


OBSERVABLES = ["XXYZ", "ZIIZ", "IYIX"]


def _grads(module, x, go):
    x = x.clone().requires_grad_(True)
    module.weight.grad = None
    (module(x) * go).sum().backward()
    return module.weight.grad.numpy().copy(), x.grad.numpy().copy()


@pytest.mark.parametrize("name", ["generator", "mera", "iqp", "qaoa"])
@pytest.mark.parametrize("output", ["probabilities", "z", "paulis"])
def test_adjoint_equals_backprop(name, output):
    qc, inputs = _cases()[name]
    n = qc.num_qubits
    kwargs = {"output": "probabilities"} if output == "probabilities" else {"output": "expectations"}
    if output == "paulis":
        kwargs["observables"] = [(o * n)[:n] for o in OBSERVABLES]
    rng = np.random.default_rng(abs(hash((name, output))) % 2**32)
    adj = QuantumModule(qc, inputs, gradient="adjoint", seed=1, **kwargs)
    ref = QuantumModule(qc, inputs, gradient="backprop", initial_weights=adj.weight.detach().numpy(), **kwargs)
    x = torch.as_tensor(rng.uniform(-np.pi, np.pi, (3, len(inputs))))
    go = torch.as_tensor(rng.normal(size=(3, adj.output_size)))
    np.testing.assert_allclose(adj(x).detach().numpy(), ref(x).detach().numpy(), atol=1e-12)
    gw, gx = _grads(adj, x, go)
    rw, rx = _grads(ref, x, go)
    assert np.abs(rw).max() > 1e-3  # a non-trivial gradient
    np.testing.assert_allclose(gw, rw, atol=1e-10)
    np.testing.assert_allclose(gx, rx, atol=1e-10)


def test_gradcheck_probabilities_and_paulis(monkeypatch):
    monkeypatch.setattr(torch_plan, "CHUNK_BYTES", 2 * 16 * 2**4)  # two rows a chunk: the sweep is chunked
    qc, _, _ = generator_ansatz(4, 1)
    qc = qc.remove_final_measurements(inplace=False)
    qc.crx(ParameterVector("e", 1)[0], 0, 2)
    qc.rxx(0.3, 1, 3)
    tc = TorchCircuit(qc)
    _, terms, _ = observable_maps([SparsePauliOp(["XYZI", "IXIX"], [0.5, -1.0])], 4)
    values = torch.tensor(np.random.default_rng(4).uniform(-2, 2, (5, qc.num_parameters)), requires_grad=True)
    weights = torch.linspace(-1, 1, 16, dtype=torch.float64)

    def f(v):
        probs, tv = AdjointOutputs.apply(v, tc, terms)
        return probs @ weights + tv.sum(-1)
    assert torch.autograd.gradcheck(f, (values,), eps=1e-6, atol=1e-7)


def test_adjoint_keeps_no_per_gate_states():
    qc, x, _ = generator_ansatz(8, 3)
    z = torch.rand(4, len(x), dtype=torch.float64)
    state_bytes = 4 * 2**8 * 16
    saved = {}
    for method in ("adjoint", "backprop"):
        module = QuantumModule(qc, x, gradient=method, output="expectations", seed=0)
        total = [0]

        def pack(t, total=total):
            total[0] += t.numel() * t.element_size()
            return t
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = module(z)
        out.sum().backward()
        saved[method] = total[0]
    # adjoint: the probabilities and the <Z> map for the output product; the final state is kept once
    assert saved["adjoint"] < 2 * state_bytes
    assert saved["backprop"] > 10 * state_bytes


def test_auto_picks_backprop_for_small_and_adjoint_for_large_circuits():
    from qhep.connectors.module import ADJOINT_MIN_QUBITS

    small, sx, _ = generator_ansatz(ADJOINT_MIN_QUBITS - 1, 1)
    large, lx, _ = generator_ansatz(ADJOINT_MIN_QUBITS, 1)
    assert QuantumModule(small, sx).gradient == "backprop"
    assert QuantumModule(large, lx).gradient == "adjoint"
    assert QuantumModule(small, sx, runner="aer").gradient == "parameter-shift"
    with pytest.raises(ValueError, match="unknown gradient 'adjoin'"):
        QuantumModule(small, sx, gradient="adjoin")


def test_adjoint_on_gpu_equals_cpu(gpu_runner):
    qc, x, _ = generator_ansatz(6, 2)
    cpu = QuantumModule(qc, x, gradient="adjoint", output="expectations", seed=2)
    gpu = QuantumModule(qc, x, gradient="adjoint", output="expectations", runner=gpu_runner,
                        initial_weights=cpu.weight.detach().numpy())
    z = torch.as_tensor(np.random.default_rng(3).uniform(-1, 1, (3, len(x))))
    go = torch.as_tensor(np.random.default_rng(4).normal(size=(3, 6)))
    grads = []
    for module in (cpu, gpu):
        zz = z.clone().requires_grad_(True)
        module.weight.grad = None
        out = module(zz)
        (out * go.to(out.device)).sum().backward()
        grads.append((module.weight.grad.cpu().numpy(), zz.grad.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], atol=1e-10)
    np.testing.assert_allclose(grads[1][1], grads[0][1], atol=1e-10)
