import numpy as np
import pytest

from qhep.execution import get_runner
from qhep.mitigation import ReadoutCalibration


def _confuse(p, p01, p10):
    k = len(p01)
    state = p.reshape((2,) * k)
    for q in range(k):
        a = np.array([[1 - p01[q], p10[q]], [p01[q], 1 - p10[q]]])
        axis = k - 1 - q
        state = np.moveaxis(np.tensordot(a, state, axes=([1], [axis])), 0, axis)
    return state.reshape(-1)


def test_inverse_undoes_independent_readout_errors():
    rng = np.random.default_rng(0)
    p01, p10 = rng.uniform(0, 0.1, 3), rng.uniform(0, 0.15, 3)
    true = rng.dirichlet(np.ones(8))
    measured = _confuse(true, p01, p10)
    cal = ReadoutCalibration(p01, p10)
    np.testing.assert_allclose(cal.apply(measured[None])[0], true, atol=1e-12)
    # a permutation of bits onto calibrated qubits
    perm = [2, 0, 1]
    cal_perm = ReadoutCalibration(p01[np.argsort(perm)], p10[np.argsort(perm)])
    np.testing.assert_allclose(cal_perm.apply(measured, qubits=perm), true, atol=1e-12)


def test_calibration_from_counts():
    c0 = np.array([900, 100, 0, 0])  # qubit0 misreads 1 w.p. 0.1 from |00>
    c1 = np.array([0, 0, 200, 800])  # qubit1 reads 0 w.p. 0.2... from |11>: outcome 2 = (q1=1, q0=0)
    cal = ReadoutCalibration.from_counts(c0, c1)
    assert cal.p01 == pytest.approx([0.1, 0.0])
    assert cal.p10 == pytest.approx([0.2, 0.0])


def test_readout_mitigated_probabilities_on_fake_device():
    from qhep.circuits import ghz

    raw = get_runner("fake:torino", seed=3).probabilities(ghz(3))
    mit = get_runner("fake:torino", seed=3, mitigation="readout").probabilities(ghz(3))
    peak = lambda p: p[0, 0] + p[0, 7]  # noqa: E731
    assert peak(mit) > peak(raw)
    assert mit.sum() == pytest.approx(1.0, abs=1e-9)
