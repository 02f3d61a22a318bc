"""Mitigation's second half: results of the expanded circuits back to one answer.

The inverse of :mod:`qhep.mitigation.expand` (mitiq's ``combine_results`` step):
readout calibration from the two calibration histograms and its inversion on
counts, zero-noise extrapolation of values measured at several noise scales,
and bootstrap error bars over the shots. :func:`execute_with_readout` and
:func:`execute_with_zne` chain both halves around any Python executor, so qhep's
corrections apply to a user's own simulator or a Qiskit primitive::

    quasi = execute_with_readout(circuit, lambda circuits: [run(c) for c in circuits])

Counts may be arrays (index = outcome, bit j = clbit j) or Qiskit count dicts
(``{"01": n}``, clbit 0 rightmost).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from qiskit.circuit import QuantumCircuit

from qhep.circuits.layout import measured_layout
from qhep.mitigation.expand import readout_circuits, zne_circuits
from qhep.mitigation.readout import ReadoutCalibration
from qhep.mitigation.zne import extrapolate

__all__ = [
    "Counts",
    "bootstrap_std",
    "calibrate_readout",
    "correct_readout",
    "counts_array",
    "execute_with_readout",
    "execute_with_zne",
    "extrapolate_zero_noise",
    "resample_counts",
]

Counts = Mapping[str, int] | np.ndarray


def counts_array(counts: Counts, num_bits: int) -> np.ndarray:
    """(..., 2**num_bits) counts from an array or a Qiskit count dict (keys like ``"0 11"`` allowed)."""
    if isinstance(counts, Mapping):
        out = np.zeros(2**num_bits, dtype=np.int64)
        for key, n in counts.items():
            bits = str(key).replace(" ", "")
            if len(bits) != num_bits or set(bits) - {"0", "1"}:
                raise ValueError(f"count key {key!r} is not a {num_bits}-bit string")
            out[int(bits, 2)] += int(n)
        return out
    arr = np.asarray(counts)
    if arr.shape[-1] != 2**num_bits:
        raise ValueError(f"counts have {arr.shape[-1]} outcomes; {num_bits} bits need {2**num_bits}")
    return arr


def calibrate_readout(counts_zero: Counts, counts_one: Counts, num_bits: int | None = None) -> ReadoutCalibration:
    """Per-qubit assignment errors from the histograms of the two :func:`readout_circuits`."""
    if num_bits is None:
        num_bits = int(np.log2(np.asarray(counts_zero).size)) if not isinstance(counts_zero, Mapping) \
            else len(str(next(iter(counts_zero))).replace(" ", ""))
    return ReadoutCalibration.from_counts(counts_array(counts_zero, num_bits), counts_array(counts_one, num_bits))


def correct_readout(counts: Counts, calibration: ReadoutCalibration, bits: Sequence[int] | None = None,
                    num_bits: int | None = None) -> np.ndarray:
    """Readout-corrected quasi-probabilities (..., 2**k) from counts or probabilities.

    ``bits[j]`` is the calibration index of the qubit read into clbit j (default j).
    The result may dip slightly below zero: a quasi-distribution, not clipped.
    """
    if num_bits is None:
        num_bits = len(bits) if bits is not None else int(calibration.p01.size)
    arr = counts_array(counts, num_bits)
    if isinstance(counts, Mapping) or np.issubdtype(arr.dtype, np.integer):
        arr = arr / arr.sum(-1, keepdims=True)  # counts; float input is taken as probabilities already
    return calibration.apply(arr, None if bits is None else list(bits))


def extrapolate_zero_noise(scales: Sequence[float], values: np.ndarray, method: str = "linear") -> np.ndarray:
    """Zero-noise values (...) from ``values`` (n_scales, ...) measured at ``scales`` (mitiq factories)."""
    values = np.asarray(values, dtype=float)
    if values.shape[0] != len(scales):
        raise ValueError(f"{values.shape[0]} values per point for {len(scales)} scales")
    out = np.empty(values.shape[1:])
    for idx in np.ndindex(*values.shape[1:]):
        out[idx] = extrapolate(scales, values[(slice(None),) + idx], method)
    return out


def resample_counts(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One multinomial bootstrap replica of every histogram in ``counts`` (..., outcomes)."""
    out = np.empty_like(counts)
    for idx in np.ndindex(*counts.shape[:-1]):
        total = counts[idx].sum()
        out[idx] = rng.multinomial(total, counts[idx] / total)
    return out


def bootstrap_std(counts: Sequence[np.ndarray], evaluate: Callable[[list[np.ndarray]], np.ndarray],
                  n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Standard deviation of ``evaluate`` over ``n_resamples`` shot-bootstrap replicas of ``counts``.

    Resampling the shots of each histogram keeps the calibration and the data apart:
    pass only the histograms the error bar is about.
    """
    reps = [evaluate([resample_counts(c, rng) for c in counts]) for _ in range(n_resamples)]
    return np.std(np.array(reps), axis=0, ddof=1)


def execute_with_readout(circuit: QuantumCircuit, executor: Callable[[list[QuantumCircuit]], Sequence[Counts]]
                         ) -> np.ndarray:
    """Readout-corrected (2**m,) quasi-probabilities of ``circuit``'s m clbits, via any executor.

    ``executor`` runs a list of circuits (the circuit, then the two calibration circuits,
    in one call so they share the device's state) and returns one histogram each.
    """
    layout = measured_layout(circuit)
    if len(layout) != circuit.num_clbits:
        raise ValueError("every clbit of the circuit must be measured for readout correction")
    qubits = sorted(set(layout.values()))
    results = list(executor([circuit, *readout_circuits(circuit.num_qubits, qubits)]))
    if len(results) != 3:
        raise ValueError(f"the executor returned {len(results)} results for 3 circuits")
    cal = calibrate_readout(results[1], results[2], len(qubits))
    bits = [qubits.index(layout[c]) for c in range(circuit.num_clbits)]
    return correct_readout(results[0], cal, bits, circuit.num_clbits)


def execute_with_zne(circuit: QuantumCircuit, executor: Callable[[list[QuantumCircuit]], Sequence[float]], *,
                     scales: Sequence[float] = (1.0, 3.0, 5.0), extrapolator: str = "linear",
                     basis_gates: Sequence[str] | None = None) -> float:
    """Zero-noise expectation value of ``circuit`` via any executor returning one value per circuit."""
    values = np.asarray(list(executor(zne_circuits(circuit, scales, basis_gates))), dtype=float)
    if values.shape != (len(scales),):
        raise ValueError(f"the executor returned {values.shape} values for {len(scales)} circuits")
    return float(extrapolate_zero_noise(scales, values, extrapolator))
