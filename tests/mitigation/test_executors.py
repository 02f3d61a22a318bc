"""qhep's readout correction and ZNE over plain Python executors that know nothing of qhep."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector

from qhep.mitigation import combine, execute_with_readout, execute_with_zne, expand
from qhep.mitigation.readout import ReadoutCalibration


def _ghz(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    return qc


class FlippingExecutor:
    """Exact distribution, sampled, then each qubit's readout flipped with known probabilities.

    Returns Qiskit-style count dicts (clbit 0 rightmost), as a Qiskit primitive would.
    """

    def __init__(self, p01, p10, shots: int, seed: int) -> None:
        self.p01, self.p10 = np.asarray(p01), np.asarray(p10)
        self.shots = shots
        self.rng = np.random.default_rng(seed)
        self.calls = 0

    def __call__(self, circuits):
        self.calls += 1
        out = []
        for circ in circuits:
            layout = {circ.find_bit(i.clbits[0]).index: circ.find_bit(i.qubits[0]).index
                      for i in circ.data if i.operation.name == "measure"}
            qubits = [layout[c] for c in range(circ.num_clbits)]
            probs = Statevector(circ.remove_final_measurements(inplace=False)).probabilities(qubits)
            ints = self.rng.choice(probs.size, size=self.shots, p=probs)
            bits = (ints[:, None] >> np.arange(len(qubits))) & 1
            p_flip = np.where(bits == 1, self.p10[qubits], self.p01[qubits])
            bits ^= (self.rng.random(bits.shape) < p_flip).astype(bits.dtype)
            flipped = (bits << np.arange(len(qubits))).sum(1)
            hist = np.bincount(flipped, minlength=probs.size)
            out.append({format(i, f"0{len(qubits)}b"): int(n) for i, n in enumerate(hist) if n})
        return out


def test_readout_correction_over_a_plain_executor_recovers_the_ideal_distribution():
    p01, p10 = np.array([0.08, 0.12, 0.05]), np.array([0.15, 0.1, 0.2])
    shots = 20000
    circuit = _ghz(3)
    circuit.measure_all()
    executor = FlippingExecutor(p01, p10, shots, seed=3)
    quasi = execute_with_readout(circuit, executor)
    assert executor.calls == 1  # circuit and both calibration circuits in one call
    ideal = np.zeros(8)
    ideal[[0, 7]] = 0.5
    raw = combine.counts_array(FlippingExecutor(p01, p10, shots, seed=4)([circuit])[0], 3) / shots
    # error bar of the corrected values: spread over independent executors (data and calibration redrawn)
    reps = np.array([execute_with_readout(circuit, FlippingExecutor(p01, p10, shots, seed=s))
                     for s in range(10, 16)])
    se = reps.std(0, ddof=1) + 1e-4
    assert np.all(np.abs(quasi - ideal) < 5 * se)
    assert np.max(np.abs(raw - ideal) / se) > 10  # the flips matter far beyond the error bars
    assert quasi.sum() == pytest.approx(1.0, abs=1e-9)


def test_readout_calibration_from_the_expanded_circuits_matches_the_injected_errors():
    p01, p10 = np.array([0.08, 0.12, 0.05, 0.3]), np.array([0.15, 0.1, 0.2, 0.01])
    shots = 40000
    # calibrate qubits 1 and 3 only: clbit j reads qubits[j]
    cal_zero, cal_one = FlippingExecutor(p01, p10, shots, seed=1)(expand.readout_circuits(4, [1, 3]))
    cal = combine.calibrate_readout(cal_zero, cal_one)
    tol = 4 * np.sqrt(0.3 * 0.7 / shots)
    np.testing.assert_allclose(cal.p01, p01[[1, 3]], atol=tol)
    np.testing.assert_allclose(cal.p10, p10[[1, 3]], atol=tol)


def test_correct_readout_inverts_a_known_assignment_exactly():
    cal = ReadoutCalibration(np.array([0.1, 0.2]), np.array([0.05, 0.3]))
    true = np.array([0.4, 0.1, 0.2, 0.3])  # index = 2 * bit1 + bit0
    # forward model: independent per-qubit assignment matrices A[read, prepared]
    a = [np.array([[1 - cal.p01[q], cal.p10[q]], [cal.p01[q], 1 - cal.p10[q]]]) for q in range(2)]
    measured = np.kron(a[1], a[0]) @ true
    np.testing.assert_allclose(combine.correct_readout(measured, cal), true, atol=1e-12)
    counts = np.rint(measured * 1e6).astype(np.int64)  # integer input is normalised first
    np.testing.assert_allclose(combine.correct_readout(counts, cal), true, atol=1e-5)
    with pytest.raises(ValueError, match="3-bit"):
        combine.counts_array({"01": 3, "111": 1}, 3)


def _aer_expectation_executor(p2q: float, shots: int, seed: int):
    """An executor a user might write: Aer with depolarising CX noise, <Z...Z> from the counts."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    noise = NoiseModel()
    noise.add_all_qubit_quantum_error(depolarizing_error(p2q, 2), ["cx"])
    sim = AerSimulator(noise_model=noise, seed_simulator=seed)

    def run(circuits):
        circuits = [c.measure_all(inplace=False) if not c.num_clbits else c for c in circuits]
        result = sim.run(circuits, shots=shots).result()
        values = []
        for k in range(len(circuits)):
            counts = result.get_counts(k)
            parity = sum((-1) ** key.count("1") * n for key, n in counts.items()) / shots
            values.append(parity)
        return values

    return run


def test_zne_over_a_plain_aer_executor_recovers_the_ideal_parity():
    circuit = _ghz(4)  # ideal <ZZZZ> = 1; three noisy CX
    scales = (1.0, 3.0, 5.0)
    shots = 40000
    zne = [execute_with_zne(circuit, _aer_expectation_executor(0.03, shots, seed=s), scales=scales,
                            extrapolator="exponential") for s in range(4)]
    raw = [_aer_expectation_executor(0.03, shots, seed=10 + s)([circuit])[0] for s in range(4)]
    zne_mean, zne_se = np.mean(zne), np.std(zne, ddof=1) / 2 + 1e-3
    raw_mean, raw_se = np.mean(raw), np.std(raw, ddof=1) / 2 + 1e-3
    assert abs(zne_mean - 1.0) < 4 * zne_se
    assert abs(raw_mean - 1.0) > 10 * max(raw_se, zne_se)


def test_zne_circuits_scale_the_two_qubit_gate_count():
    circuit = _ghz(3)
    folded = expand.zne_circuits(circuit, (1.0, 3.0, 5.0))
    assert [c.count_ops().get("cx", 0) for c in folded] == [2, 6, 10]
    for c in folded:  # folding never changes the unitary
        assert Statevector(c).equiv(Statevector(circuit))
    assert expand.zne_circuits_parametric(circuit, (1.0, 2.0)) is None  # even scale: no exact fold
    assert combine.extrapolate_zero_noise((1, 3, 5), np.array([[0.9], [0.7], [0.5]]))[0] == pytest.approx(1.0)
