"""Thrust: exact algorithm, Ising form, brute force and simulated annealing agree on the optimum."""

import numpy as np
import pytest

from qhep.data.events import Selection, generate_events
from qhep.execution.torch_statevector import z_diagonal
from qhep.jets import brute_force, exact_thrust, simulated_annealing, thrust_ising


def test_exact_thrust_limits():
    t, axis = exact_thrust(np.array([[0, 0, 5.0], [0, 0, -5.0]]))
    assert t == pytest.approx(1.0) and abs(axis[2]) == pytest.approx(1.0)
    iso = np.random.default_rng(0).normal(size=(4000, 3))
    iso /= np.linalg.norm(iso, axis=1, keepdims=True)
    assert exact_thrust(iso[:300])[0] == pytest.approx(0.5, abs=0.05)  # isotropic events: T -> 1/2


def test_ising_operator_diagonal_and_energy_map():
    p = np.random.default_rng(1).normal(size=(9, 3))
    prob = thrust_ising(p)
    assert prob.num_qubits == 8
    diag = prob.diagonal()
    np.testing.assert_allclose(diag, z_diagonal(prob.operator, 8), atol=1e-12)
    ints = np.arange(2**8)
    spins = prob.spins(prob.bits_from_ints(ints))
    np.testing.assert_allclose(prob.thrust(spins), prob.thrust_from_energy(diag), atol=1e-12)


@pytest.fixture(scope="module")
def small_events():
    ev = generate_events(40, "ee-z", seed=9, selection=Selection(charged_only=True, e_min=1.0))
    return [ev.particles(k) for k in range(ev.n_events) if 4 <= ev.multiplicity[k] <= 16]


def test_brute_force_equals_exact_thrust_on_pythia_events(small_events):
    assert len(small_events) >= 20
    for p in small_events:
        _, t = brute_force(thrust_ising(p))
        assert t == pytest.approx(exact_thrust(p)[0], abs=1e-12)


def test_simulated_annealing_finds_the_optimum(small_events):
    found = [simulated_annealing(thrust_ising(p), seed=k)[1] >= exact_thrust(p)[0] - 1e-9
             for k, p in enumerate(small_events)]
    assert np.mean(found) >= 0.95
