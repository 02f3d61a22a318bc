import numpy as np
from qiskit.circuit.library import real_amplitudes

from qhep.execution import get_runner
from qhep.transpile import TranspileCache, circuit_fingerprint


def test_second_bind_does_not_transpile():
    runner = get_runner("fake:torino", shots=200, seed=1)
    qc = real_amplitudes(3, reps=1)
    qc.measure_all()
    rng = np.random.default_rng(0)
    runner.sample(qc, rng.uniform(0, 1, (2, qc.num_parameters)))
    assert runner.cache.misses == 1
    for _ in range(3):
        runner.sample(qc, rng.uniform(0, 1, (4, qc.num_parameters)))
    assert runner.cache.misses == 1
    assert runner.cache.hits >= 3
    # an equal circuit built anew has the same structure: still no transpile
    qc2 = real_amplitudes(3, reps=1)
    qc2.measure_all()
    runner.sample(qc2, rng.uniform(0, 1, qc.num_parameters))
    assert runner.cache.misses == 1


def test_fingerprint_distinguishes_structure():
    a = real_amplitudes(3, reps=1)
    b = real_amplitudes(3, reps=2)
    assert circuit_fingerprint(a) != circuit_fingerprint(b)
    assert circuit_fingerprint(a) == circuit_fingerprint(real_amplitudes(3, reps=1))


def test_lru_eviction():
    cache = TranspileCache(maxsize=2)
    circuits = [real_amplitudes(2, reps=r) for r in (1, 2, 3)]
    for c in circuits:
        cache.get(c, "t", lambda: object())
    cache.get(circuits[0], "t", lambda: object())
    assert cache.misses == 4
