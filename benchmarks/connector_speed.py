"""Generator step speed: qhep's QuantumModule vs qiskit-machine-learning's TorchConnector vs PennyLane.

The step: an n-qubit generator (latent angles re-uploaded as RY inputs, 4 layers of
RY + CZ ring, 4n weights: 32 at n = 8), batch 32, all 2**n probabilities, a scalar
loss and ``backward()``. qhep runs it on ``statevector`` (torch, backprop); the peers:

- qiskit-machine-learning ``TorchConnector(SamplerQNN)`` on Qiskit's reference
  ``StatevectorSampler`` with its default parameter-shift gradient (only at 8 qubits
  unless ``--qml-all``: it takes tens of seconds a step);
- PennyLane ``default.qubit`` with ``diff_method="backprop"`` and the torch interface
  (skipped with a note if PennyLane is not installed: ``pip install pennylane``).

    python benchmarks/connector_speed.py [--qubits 8 12 16] [--repeats 3] [--backend statevector:gpu]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector


def circuit(n: int, layers: int = 4) -> tuple[QuantumCircuit, ParameterVector, ParameterVector]:
    x, w = ParameterVector("x", n), ParameterVector("w", n * layers)
    qc = QuantumCircuit(n)
    for layer in range(layers):
        for q in range(n):
            qc.ry(x[q], q)
            qc.ry(w[layer * n + q], q)
        for q in range(n):
            qc.cz(q, (q + 1) % n)
    return qc, x, w


def _time(step, repeats: int) -> float:
    step()  # warm-up (compilation, caches)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best


def qhep_step(n: int, batch: int, backend: str = "statevector"):
    from qhep.connectors import QuantumModule

    qc, x, _ = circuit(n)
    module = QuantumModule(qc, x, seed=0, precision="single", runner=backend)
    z = torch.rand(batch, n) * np.pi
    sync = torch.cuda.synchronize if backend.endswith(":gpu") else (lambda: None)

    def step():
        module.weight.grad = None
        (module(z) ** 2).sum().backward()
        sync()  # GPU kernels run asynchronously: time them to completion
    return step


def qml_step(n: int, batch: int):
    from qiskit.primitives import StatevectorSampler
    from qiskit_machine_learning.connectors import TorchConnector
    from qiskit_machine_learning.neural_networks import SamplerQNN

    qc, x, w = circuit(n)
    qnn = SamplerQNN(circuit=qc, input_params=list(x), weight_params=list(w), sampler=StatevectorSampler(),
                     input_gradients=False)
    model = TorchConnector(qnn, initial_weights=np.random.default_rng(0).uniform(-np.pi, np.pi, len(w)))
    z = torch.rand(batch, n) * np.pi

    def step():
        model.zero_grad()
        (model(z) ** 2).sum().backward()
    return step


def pennylane_step(n: int, batch: int):
    import pennylane as qml

    dev = qml.device("default.qubit", wires=n)
    layers = 4

    @qml.qnode(dev, interface="torch", diff_method="backprop")
    def node(inputs, weights):
        for layer in range(layers):
            for q in range(n):
                qml.RY(inputs[..., q], wires=q)
                qml.RY(weights[layer * n + q], wires=q)
            for q in range(n):
                qml.CZ(wires=[q, (q + 1) % n])
        return qml.probs(wires=range(n))

    weights = torch.nn.Parameter(torch.rand(n * layers) * np.pi)
    z = torch.rand(batch, n) * np.pi

    def step():
        weights.grad = None
        (node(z, weights) ** 2).sum().backward()
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[8, 12, 16])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--qml-all", action="store_true", help="run qiskit-machine-learning beyond 8 qubits")
    parser.add_argument("--backend", default="statevector", help="qhep's backend: statevector or statevector:gpu")
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    print(f"{'qubits':>6s}{'weights':>8s}{'qhep s':>10s}{'qiskit-ml s':>13s}{'PennyLane s':>13s}"
          f"{'qml/qhep':>10s}{'PL/qhep':>9s}")
    for n in args.qubits:
        t_qhep = _time(qhep_step(n, args.batch, args.backend), args.repeats)
        try:
            t_qml = _time(qml_step(n, args.batch), 1) if (n <= 8 or args.qml_all) else float("nan")
        except ImportError:  # e.g. on a GPU machine without qiskit-machine-learning
            t_qml = float("nan")
        try:
            t_pl = _time(pennylane_step(n, args.batch), args.repeats)
        except ImportError:
            t_pl = float("nan")
        print(f"{n:>6d}{4 * n:>8d}{t_qhep:>10.4f}{t_qml:>13.3f}{t_pl:>13.4f}{t_qml / t_qhep:>10.0f}"
              f"{t_pl / t_qhep:>9.1f}")


if __name__ == "__main__":
    main()
