"""Result containers and conversions shared by every Runner.

Samples are Qiskit V2 ``SamplerPubResult`` objects (a ``DataBin`` of ``BitArray``
per classical register), so code written against qhep also reads results of
Qiskit's own primitives. Expectation values come back as
:class:`EstimateResult`, whose ``values``/``stds`` mirror ``evs``/``stds`` of an
``EstimatorPubResult`` with an explicit batch axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import BitArray, DataBin, SamplerPubResult

from qhep.circuits.layout import measured_layout  # re-exported: Runners import it from here

__all__ = [
    "EstimateResult",
    "bitarray_from_ints",
    "counts_matrix",
    "measured_layout",
    "register_bits",
]


@dataclass
class EstimateResult:
    """Expectation values for a batch of parameter sets.

    Attributes:
        values: (B, n_observables) expectation values.
        stds: (B, n_observables) standard errors (0 where exact).
        metadata: what was run and which mitigation was applied where.
    """

    values: np.ndarray
    stds: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)


def bitarray_from_ints(samples: np.ndarray, num_bits: int) -> BitArray:
    """``BitArray`` from integer outcomes of shape (*batch, shots); bit i = clbit i."""
    samples = np.asarray(samples, dtype=np.uint64)
    n_bytes = max(1, (num_bits + 7) // 8)
    shifts = (8 * np.arange(n_bytes - 1, -1, -1)).astype(np.uint64)
    arr = ((samples[..., None] >> shifts) & np.uint64(0xFF)).astype(np.uint8)
    return BitArray(arr, num_bits)


def register_bits(circuit: QuantumCircuit) -> list[tuple[str, list[int]]]:
    """(register name, clbit indices) for each classical register, in circuit order."""
    return [(reg.name, [circuit.find_bit(b).index for b in reg]) for reg in circuit.cregs]


def sampler_result_from_ints(
    outcomes: np.ndarray, circuit: QuantumCircuit, metadata: dict[str, Any] | None = None
) -> SamplerPubResult:
    """Split integer outcomes over the circuit's clbits into one BitArray per register."""
    outcomes = np.asarray(outcomes, dtype=np.uint64)
    arrays = {}
    for name, bits in register_bits(circuit):
        value = np.zeros(outcomes.shape, dtype=np.uint64)
        for pos, clbit in enumerate(bits):
            value |= ((outcomes >> np.uint64(clbit)) & np.uint64(1)) << np.uint64(pos)
        arrays[name] = bitarray_from_ints(value, len(bits))
    data = DataBin(**arrays, shape=outcomes.shape[:-1])
    return SamplerPubResult(data, metadata=metadata or {})


def counts_matrix(bits: BitArray) -> np.ndarray:
    """(B, 2**num_bits) outcome counts from a BitArray of shape (B,) or ()."""
    arr = bits.array
    if arr.ndim == 2:
        arr = arr[None]
    arr = arr.reshape(-1, arr.shape[-2], arr.shape[-1])
    weights = (256 ** np.arange(arr.shape[-1] - 1, -1, -1)).astype(np.int64)
    ints = (arr.astype(np.int64) * weights).sum(-1)
    dim = 2**bits.num_bits
    out = np.zeros((ints.shape[0], dim), dtype=np.int64)
    for b in range(ints.shape[0]):
        out[b] = np.bincount(ints[b], minlength=dim)
    return out
