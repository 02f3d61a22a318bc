"""``statevector`` / ``statevector:gpu``: exact, noiseless, differentiable.

Probabilities and expectation values carry no shot noise; samples are drawn
from the exact distribution with the runner's seed. Circuits are lowered to
torch once per structure (the analogue of transpiling once) by
:class:`~qhep.execution.torch_statevector.TorchCircuit`; :meth:`StatevectorRunner.compiled`
hands that differentiable form to callers (``supports_exact_gradients`` is True),
so training code reaches the exact path through the Runner, never through kernels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import SamplerPubResult

from qhep.errors import BackendSpecError
from qhep.execution.base import (
    BaseRunner,
    Prepared,
    coerce_circuit_values,
    coerce_observables,
    coerce_values,
    ensure_measured,
)
from qhep.execution.results import EstimateResult, measured_layout, sampler_result_from_ints
from qhep.execution.spec import BackendSpec
from qhep.execution.torch_statevector import TorchCircuit, pauli_expectations
from qhep.mitigation.config import MitigationConfig
from qhep.transpile.cache import TranspileCache

__all__ = ["StatevectorRunner", "compile_circuit", "marginal_probabilities"]

MAX_QUBITS = 30


def compile_circuit(circuit: QuantumCircuit, *, dtype: torch.dtype = torch.complex128,
                    device: str | torch.device = "cpu") -> TorchCircuit:
    """A circuit's exact, differentiable torch form where no runner is at hand (uncached).

    The one place the exact path is built, for :meth:`StatevectorRunner.compiled` and for model
    code simulating its own circuits (states fed in, no backend): both get the same width check.
    """
    if circuit.num_qubits > MAX_QUBITS:
        raise BackendSpecError(
            f"{circuit.num_qubits} qubits is beyond exact statevector simulation here "
            f"(limit {MAX_QUBITS})"
        )
    return TorchCircuit(circuit, dtype=dtype, device=device)


def marginal_probabilities(probs, qubits: Sequence[int], num_qubits: int):
    """(B, 2**m) marginal over ``qubits`` (bit j of the result = qubits[j]) of (B, 2**n).

    Works on numpy arrays and on torch tensors (differentiably, on any device).
    """
    batch = probs.shape[0]
    if list(qubits) == list(range(num_qubits)):
        return probs
    tensor = probs.reshape((batch,) + (2,) * num_qubits)
    keep_axes = [1 + (num_qubits - 1 - q) for q in reversed(qubits)]
    drop = tuple(a for a in range(1, num_qubits + 1) if a not in keep_axes)
    summed = tensor.sum(axis=drop) if drop else tensor
    # remaining axes are in increasing original-axis order; reorder to keep_axes order
    remaining = sorted(keep_axes)
    order = [remaining.index(a) + 1 for a in keep_axes]
    axes = [0] + order
    moved = np.transpose(summed, axes) if isinstance(summed, np.ndarray) else summed.permute(axes)
    return moved.reshape(batch, 2 ** len(qubits))


class StatevectorRunner(BaseRunner):
    """Exact simulation in torch, on CPU or on CUDA (``statevector:gpu``)."""

    exact = True
    supports_exact_gradients = True

    def __init__(self, spec: BackendSpec, *, shots: int = 4000, seed: int | None = None,
                 mitigation: MitigationConfig | None = None, dtype: torch.dtype = torch.complex128) -> None:
        self.spec = spec
        self.shots = shots
        self.mitigation = mitigation or MitigationConfig()
        self.device = "cpu"
        if spec.gpu:
            if not torch.cuda.is_available():
                raise BackendSpecError(
                    "statevector:gpu needs a CUDA build of torch and an NVIDIA GPU; none was found "
                    "(use 'statevector')"
                )
            self.device = "cuda"
        self.dtype = dtype
        self.cache = TranspileCache()
        self._rng = np.random.default_rng(seed)

    def compiled(self, circuit: QuantumCircuit, *, dtype: torch.dtype | None = None,
                 device: str | torch.device | None = None) -> TorchCircuit:
        """The circuit's differentiable torch form on this runner, lowered once per structure (cached).

        ``dtype`` and ``device`` default to the runner's (``statevector:gpu``: CUDA); a caller
        training in single precision asks for ``torch.complex64``. Circuits built the same way
        with new ``Parameter`` objects share one lowering: values are positional, in
        ``circuit.parameters`` order.
        """
        dtype = self.dtype if dtype is None else dtype
        device = self.device if device is None else device
        return self.cache.get(  # type: ignore[return-value]
            circuit, ("torch", str(device), str(dtype)),
            lambda: compile_circuit(circuit, dtype=dtype, device=device),
        )

    def prepare(self, circuit: QuantumCircuit) -> Prepared:
        """The circuit itself: nothing is transpiled, so ``stats`` is empty."""
        return Prepared(circuit, np.arange(circuit.num_parameters), "exact", tuple(range(circuit.num_qubits)), [], {})

    def _full_probs(self, circuit: QuantumCircuit, values) -> np.ndarray:
        vals = coerce_values(circuit, values)
        with torch.no_grad():
            probs = self.compiled(circuit).probabilities(vals)
        return probs.cpu().numpy()

    def probabilities(self, circuit: QuantumCircuit, parameter_values=None, *, shots=None) -> np.ndarray:
        """Exact (B, 2**m) probabilities over measured clbits (all qubits if none measured)."""
        probs = self._full_probs(circuit, parameter_values)
        layout = measured_layout(circuit)
        if not layout:
            return probs
        clbit_qubits = [layout.get(c, None) for c in range(circuit.num_clbits)]
        if None in clbit_qubits:
            raise ValueError("every clbit must be measured for probabilities(); some are never written")
        return marginal_probabilities(probs, clbit_qubits, circuit.num_qubits)

    def probabilities_with_metadata(self, circuit: QuantumCircuit, parameter_values=None, *,
                                    shots=None) -> tuple[np.ndarray, dict[str, Any]]:
        """Exact probabilities and metadata (no shots, no mitigation)."""
        return (self.probabilities(circuit, parameter_values),
                {"backend": str(self.spec), "shots": None, "exact": True, "mitigation": {}})

    def counts(self, circuits: Sequence[QuantumCircuit], parameter_values=None, *, shots=None) -> list[np.ndarray]:
        """(B, 2**m) multinomial counts drawn from each circuit's exact distribution."""
        circuits = [ensure_measured(c) for c in circuits]
        values = coerce_circuit_values(circuits, parameter_values)
        shots = int(shots or self.shots)
        out = []
        for circ in circuits:
            probs = np.clip(self.probabilities(circ, values), 0, None)
            out.append(np.stack([self._rng.multinomial(shots, p / p.sum()) for p in probs]))
        return out

    def sample(self, circuit: QuantumCircuit, parameter_values=None, *, shots=None) -> SamplerPubResult:
        """Samples drawn from the exact distribution, one BitArray per register."""
        circuit = ensure_measured(circuit)
        probs = self.probabilities(circuit, parameter_values)
        shots = int(shots or self.shots)
        outcomes = np.empty((probs.shape[0], shots), dtype=np.uint64)
        for b, p in enumerate(probs):
            p = np.clip(p, 0, None)
            outcomes[b] = self._rng.choice(p.size, size=shots, p=p / p.sum())
        squeeze = np.asarray(parameter_values).ndim == 1 if parameter_values is not None else True
        if squeeze:
            outcomes = outcomes[0]
        return sampler_result_from_ints(outcomes, circuit, {"shots": shots, "backend": str(self.spec)})

    def estimate(self, circuit: QuantumCircuit, observables, parameter_values=None, *, shots=None) -> EstimateResult:
        """Exact expectation values; ``stds`` are zero."""
        base = circuit.remove_final_measurements(inplace=False)
        ops = coerce_observables(base, observables)
        vals = coerce_values(base, parameter_values)
        with torch.no_grad():
            psi = self.compiled(base).statevector(vals)
            evs = torch.stack([pauli_expectations(psi, op) for op in ops], dim=-1)
        values = evs.cpu().numpy()
        return EstimateResult(values, np.zeros_like(values),
                              {"backend": str(self.spec), "exact": True, "mitigation": {}})
