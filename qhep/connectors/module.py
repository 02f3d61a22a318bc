"""``QuantumModule``: a torch module around a Qiskit circuit with input and weight parameters.

On an exact Runner (``statevector``, ``statevector:gpu``) the circuit is evaluated by
qhep's batched torch statevector (:mod:`qhep.execution.torch_plan`: fused gates,
cache-sized batch chunks) in one simulation of the whole batch per step, with exact
gradients by backprop or by the adjoint method (:mod:`qhep.connectors.adjoint`:
memory of a few states, what lets 20+ qubits train). On shot-based Runners
(``aer``, ``fake:NAME``, ``ibm:NAME``) forward is one Runner call for the batch and
backward uses gate-level parameter shift on the logical circuit or SPSA
(:mod:`qhep.connectors.gradients`). Speed against PennyLane at equal precision:
``benchmarks/connector_speed.py``.

Why not qiskit-machine-learning's ``TorchConnector``: it evaluates a QNN through a
V2 primitive and differentiates by parameter shift even on a statevector, 2P extra
circuits per step; it is kept as a peer in ``benchmarks/connector_speed.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import torch
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp

from qhep.connectors.gradients import angle_circuit, parameter_shift_vjp, spsa_vjp
from qhep.errors import CircuitError
from qhep.execution.results import measured_layout
from qhep.execution.statevector import marginal_probabilities
from qhep.execution.torch_statevector import pauli_expectations

__all__ = ["ADJOINT_MIN_QUBITS", "QuantumModule"]

Output = Literal["probabilities", "expectations"]
#: From this many qubits ``gradient="auto"`` uses the adjoint method on exact runners. Below it backprop
#: (through the same fused plan) is faster: 0.6-0.9x the adjoint's time at 8-16 qubits
#: (benchmarks/results/connector_speed.md); from here its one state per gate reaches gigabytes (about 44
#: batched states: ~6 GB at 18 qubits, batch 32, double) while the adjoint keeps a few.
ADJOINT_MIN_QUBITS = 18
Gradient = Literal["auto", "adjoint", "backprop", "parameter-shift", "spsa"]


class _ShotFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values: torch.Tensor, module: QuantumModule) -> torch.Tensor:  # type: ignore[override]
        ctx.module = module
        ctx.save_for_backward(values)
        out = module._evaluate(values.detach().cpu().numpy())
        return torch.as_tensor(out, dtype=values.dtype)

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        (values,) = ctx.saved_tensors
        module: QuantumModule = ctx.module
        grad = module._vjp(values.detach().cpu().numpy(), grad_out.detach().cpu().numpy())
        return torch.as_tensor(grad, dtype=values.dtype), None


class QuantumModule(torch.nn.Module):
    """Torch module evaluating ``circuit`` for a batch of inputs with trainable weights.

    Args:
        circuit: a parametrised circuit; its measurements choose the outcome bits of
            ``output="probabilities"`` (all qubits if it measures none).
        input_params: parameters fed from ``forward``'s input, in column order.
        weight_params: trainable parameters (default: every other parameter, Qiskit's order).
        output: ``"probabilities"`` (B, 2**m) or ``"expectations"`` (B, n_obs); with
            ``observables=None`` the expectations are <Z_q> of every qubit q.
        runner: a Runner or backend SPEC string (default ``statevector``).
        gradient: ``"auto"`` (on exact runners backprop below ``ADJOINT_MIN_QUBITS`` qubits,
            adjoint from there; parameter shift on shot-based runners),
            ``"adjoint"`` (exact; memory of a few states), ``"backprop"`` (exact; torch
            autograd, one state per gate), ``"parameter-shift"`` or ``"spsa"``.
        initial_weights: (W,) starting weights; default uniform in [-pi, pi) from ``seed``.
        precision: ``"double"`` (complex128) or ``"single"`` (complex64, ~2x faster) on exact runners.
    """

    def __init__(self, circuit: QuantumCircuit, input_params: Sequence[Parameter] = (),
                 weight_params: Sequence[Parameter] | None = None, *, output: Output = "probabilities",
                 observables: Sequence[SparsePauliOp | str] | None = None, runner=None, gradient: Gradient = "auto",
                 initial_weights: np.ndarray | None = None, seed: int | None = None,
                 precision: Literal["double", "single"] = "double", spsa_epsilon: float = 0.1,
                 spsa_samples: int = 4) -> None:
        super().__init__()
        from qhep.execution import get_runner

        self.runner = get_runner(runner or "statevector", seed=seed) if runner is None or isinstance(runner, str) \
            else runner
        self.circuit = circuit
        params = list(circuit.parameters)
        self.input_params = list(input_params)
        in_set = set(self.input_params)
        unknown = [p.name for p in self.input_params if p not in set(params)]
        if unknown:
            raise CircuitError(f"input parameters {unknown[:4]} are not in the circuit")
        self.weight_params = [p for p in params if p not in in_set] if weight_params is None else list(weight_params)
        missing = set(params) - in_set - set(self.weight_params)
        if missing:
            raise CircuitError(f"circuit parameters {sorted(p.name for p in missing)[:4]} are neither inputs "
                               "nor weights")
        order = self.input_params + self.weight_params
        pos = {p: i for i, p in enumerate(order)}
        self._perm = torch.as_tensor([pos[p] for p in params], dtype=torch.long)
        self.output = output
        if gradient not in ("auto", "adjoint", "backprop", "parameter-shift", "spsa"):
            raise ValueError(f"unknown gradient {gradient!r}: use auto, adjoint, backprop, parameter-shift or spsa")
        if gradient == "auto":  # see ADJOINT_MIN_QUBITS
            exact = "adjoint" if circuit.num_qubits >= ADJOINT_MIN_QUBITS else "backprop"
            gradient = exact if self.runner.supports_exact_gradients else "parameter-shift"
        self.gradient = gradient
        if self.gradient in ("backprop", "adjoint") and not self.runner.supports_exact_gradients:
            raise ValueError(f"{self.gradient} needs an exact runner (statevector); {self.runner.spec} is shot-based: "
                             "use gradient='parameter-shift' or 'spsa'")
        self._dtype = torch.float64 if precision == "double" else torch.float32
        self._cdtype = torch.complex128 if precision == "double" else torch.complex64
        rng = np.random.default_rng(seed)
        w0 = rng.uniform(-np.pi, np.pi, len(self.weight_params)) if initial_weights is None \
            else np.asarray(initial_weights, dtype=float)
        if w0.shape != (len(self.weight_params),):
            raise ValueError(f"initial_weights must have shape ({len(self.weight_params)},), got {w0.shape}")
        self.weight = torch.nn.Parameter(torch.as_tensor(w0, dtype=self._dtype))
        self._rng = rng
        self.spsa_epsilon, self.spsa_samples = spsa_epsilon, spsa_samples
        self._base = circuit.remove_final_measurements(inplace=False)
        n = circuit.num_qubits
        layout = measured_layout(circuit)
        self._sampled = circuit if layout else circuit.measure_all(inplace=False)
        self._measured = [layout[c] for c in range(circuit.num_clbits)] if layout else list(range(n))
        if observables is None:
            self._observables = [SparsePauliOp.from_sparse_list([("Z", [q], 1.0)], n) for q in range(n)]
            self._per_qubit_z = True
        else:
            self._observables = [SparsePauliOp(o) if isinstance(o, str) else o for o in observables]
            self._per_qubit_z = False
        self._angle_circuit = None
        self._torch_circuit = None
        self._maps: tuple | None = None  # adjoint path: (diagonal map, Pauli terms, their weights)

    def on(self, runner) -> QuantumModule:
        """The same circuit, inputs, outputs and current weights on ``runner`` (a Runner or a SPEC).

        For sampling a trained model on another backend; gradients there are SPSA, since a shot
        backend cannot backpropagate and a trained model is sampled, not trained, on it.
        """
        return QuantumModule(self.circuit, self.input_params, self.weight_params, output=self.output,
                             observables=self._observables, runner=runner, gradient="spsa",
                             initial_weights=self.weight.detach().cpu().numpy().astype(float))

    # ----------------------------------------------------------------- helpers
    @property
    def num_weights(self) -> int:
        """Trainable weights."""
        return len(self.weight_params)

    @property
    def output_size(self) -> int:
        """Width of ``forward``'s output."""
        return 2 ** len(self._measured) if self.output == "probabilities" else len(self._observables)

    def _values(self, x: torch.Tensor | None) -> torch.Tensor:
        n_in = len(self.input_params)
        if x is None:
            if n_in:
                raise ValueError(f"this module needs inputs of width {n_in}")
            x = torch.zeros((1, 0), dtype=self._dtype)
        x = torch.as_tensor(x).to(self._dtype)
        if x.ndim == 1:
            x = x[None, :]
        if x.shape[1] != n_in:
            raise ValueError(f"inputs have width {x.shape[1]}; the circuit has {n_in} input parameters")
        w = self.weight.to(x.device)[None, :].expand(x.shape[0], -1)
        return torch.cat([x, w], dim=1)[:, self._perm.to(x.device)]

    # ----------------------------------------------------------------- forward
    def forward(self, x: torch.Tensor | None = None) -> torch.Tensor:
        """Outputs (B, output_size) for inputs (B, n_inputs)."""
        values = self._values(x)
        if self.gradient in ("backprop", "adjoint"):
            return self._exact(values)
        return _ShotFunction.apply(values, self)

    def _exact(self, values: torch.Tensor) -> torch.Tensor:
        if self._torch_circuit is None:  # the runner's differentiable form, in this module's precision
            self._torch_circuit = self.runner.compiled(self._base, dtype=self._cdtype)
        tc = self._torch_circuit
        values = values.to(tc.device)
        n = self.circuit.num_qubits
        if self.gradient == "adjoint":
            return self._adjoint(tc, values)
        if self.output == "probabilities":
            return marginal_probabilities(tc.probabilities(values), self._measured, n)
        psi = tc.statevector(values)
        if self._per_qubit_z:
            probs = psi.real**2 + psi.imag**2
            idx = torch.arange(2**n, device=probs.device)
            signs = 1 - 2 * ((idx[:, None] >> torch.arange(n, device=probs.device)[None, :]) & 1)
            return probs @ signs.to(probs.dtype)
        return torch.stack([pauli_expectations(psi, op) for op in self._observables], dim=-1)

    def _adjoint(self, tc, values: torch.Tensor) -> torch.Tensor:
        """Outputs as linear maps of (probabilities, non-diagonal Pauli values); adjoint gradients."""
        from qhep.connectors.adjoint import AdjointOutputs, observable_maps

        n = self.circuit.num_qubits
        if self._maps is None:
            if self.output == "probabilities":
                self._maps = (None, [], None)
            else:
                diag, terms, coeffs = observable_maps(self._observables, n)
                self._maps = (torch.as_tensor(diag, dtype=self._dtype, device=tc.device), terms,
                              torch.as_tensor(coeffs, dtype=self._dtype, device=tc.device))
        diag, terms, coeffs = self._maps
        probs, term_values = AdjointOutputs.apply(values, tc, terms)
        if self.output == "probabilities":
            return marginal_probabilities(probs, self._measured, n)
        out = probs @ diag
        return out + term_values @ coeffs if terms else out

    # ------------------------------------------------------------- shot-based
    def _target(self) -> QuantumCircuit:
        """The circuit the Runner evaluates: measured for probabilities, unmeasured for expectations."""
        return self._sampled if self.output == "probabilities" else self._base

    def _evaluate(self, values: np.ndarray, circuit: QuantumCircuit | None = None) -> np.ndarray:
        """One Runner call for (R, P) values: probabilities or expectation values (R, D)."""
        circ = self._target() if circuit is None else circuit
        if self.output == "probabilities":
            return np.asarray(self.runner.probabilities(circ, values))
        return np.asarray(self.runner.estimate(circ, self._observables, values).values)

    def _vjp(self, values: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
        if self.gradient == "spsa":
            return spsa_vjp(self._evaluate, values, grad_out, self._rng, self.spsa_epsilon, self.spsa_samples)
        if self._angle_circuit is None:
            self._angle_circuit = angle_circuit(self._target())
        ac = self._angle_circuit
        return parameter_shift_vjp(lambda phi: self._evaluate(phi, ac.circuit), ac, values, grad_out)

    # ----------------------------------------------------------------- samples
    @torch.no_grad()
    def sample(self, x: torch.Tensor | None = None, shots: int = 1) -> np.ndarray:
        """(B, shots) measured outcomes as integers (clbit 0 = least significant bit)."""
        values = self._values(x).cpu().numpy()
        if self.runner.exact:
            probs = self.forward(x).cpu().numpy() if self.output == "probabilities" else \
                np.asarray(self.runner.probabilities(self._sampled, values))
            out = np.empty((probs.shape[0], shots), dtype=np.int64)
            for b, p in enumerate(np.clip(probs, 0, None)):
                out[b] = self._rng.choice(p.size, size=shots, p=p / p.sum())
            return out
        from qhep.execution.results import counts_matrix

        circ = self._sampled
        if len(circ.cregs) != 1:
            raise CircuitError("sample() needs a circuit with one classical register")
        result = self.runner.sample(circ, values, shots=shots)
        counts = counts_matrix(getattr(result.data, circ.cregs[0].name))
        return np.stack([self._rng.permutation(np.repeat(np.arange(c.size), c)) for c in counts])
