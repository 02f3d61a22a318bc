"""Readout-error mitigation with qhep's own per-qubit calibration.

Why by hand: mitiq's ``rem`` works on lists of bitstrings, one
``MeasurementResult`` at a time; here a batch of (B, 2**m) count histograms is
corrected by contracting each qubit's inverse 2x2 assignment matrix, which costs
O(m 2**m) per distribution and keeps the batch axis.

Model: qubits are read out independently; qubit q reports 1 when prepared in 0
with probability ``p01[q]`` and 0 when prepared in 1 with ``p10[q]``. Two
calibration circuits (all qubits in |0>, all in |1>) measure both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qiskit.circuit import QuantumCircuit

__all__ = ["ReadoutCalibration", "calibration_circuits"]


def calibration_circuits(num_qubits: int) -> list[QuantumCircuit]:
    """The two calibration circuits: prepare all-0 and all-1, measure every qubit."""
    zero = QuantumCircuit(num_qubits, name="cal_0")
    zero.measure_all()
    one = QuantumCircuit(num_qubits, name="cal_1")
    one.x(range(num_qubits))
    one.measure_all()
    return [zero, one]


@dataclass
class ReadoutCalibration:
    """Per-qubit assignment error probabilities.

    Attributes:
        p01: (m,) P(read 1 | prepared 0) per qubit.
        p10: (m,) P(read 0 | prepared 1) per qubit.
    """

    p01: np.ndarray
    p10: np.ndarray

    @classmethod
    def from_counts(cls, counts_zero: np.ndarray, counts_one: np.ndarray) -> ReadoutCalibration:
        """Calibrate from (2**m,) count histograms of the all-0 and all-1 circuits."""
        m = int(np.log2(counts_zero.size))
        idx = np.arange(counts_zero.size)
        p01 = np.empty(m)
        p10 = np.empty(m)
        for q in range(m):
            bit = (idx >> q) & 1
            p01[q] = counts_zero[bit == 1].sum() / counts_zero.sum()
            p10[q] = counts_one[bit == 0].sum() / counts_one.sum()
        return cls(p01, p10)

    def inverse_matrices(self) -> np.ndarray:
        """(m, 2, 2) inverses of the per-qubit assignment matrices A[read, prepared]."""
        a = np.empty((self.p01.size, 2, 2))
        a[:, 0, 0] = 1 - self.p01
        a[:, 1, 0] = self.p01
        a[:, 0, 1] = self.p10
        a[:, 1, 1] = 1 - self.p10
        return np.linalg.inv(a)

    def apply(self, probs: np.ndarray, qubits: list[int] | None = None) -> np.ndarray:
        """Readout-corrected quasi-probabilities (..., 2**k) for measured calibration qubits.

        ``qubits[j]`` is the calibrated qubit read into bit j of the outcome
        (default: bit j <- qubit j). Results may be slightly negative (a quasi-distribution).
        """
        probs = np.asarray(probs, dtype=float)
        k = int(np.log2(probs.shape[-1]))
        qubits = list(range(k)) if qubits is None else list(qubits)
        inv = self.inverse_matrices()
        lead = probs.shape[:-1]
        state = probs.reshape((-1,) + (2,) * k)
        for bit, q in enumerate(qubits):
            axis = 1 + (k - 1 - bit)
            state = np.moveaxis(np.tensordot(inv[q], state, axes=([1], [axis])), 0, axis)
        return state.reshape(lead + (2**k,))
