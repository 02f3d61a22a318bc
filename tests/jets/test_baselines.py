"""Random best-of-K baseline, binomial and bootstrap errors, one QAOA normalisation on both paths."""

import itertools

import numpy as np
import pytest
import torch

from qhep.jets.baseline import approximation_ratio, expected_best_of_k, p_optimum_best_of_k, random_assignments
from qhep.jets.ising import thrust_ising
from qhep.jets.solve import solve_problem
from qhep.jets.stats import binomial, bootstrap_quantile, rel_delta_1mt


@pytest.fixture(scope="module")
def small():
    """A 5-particle event: 4 qubits, 16 assignments."""
    return thrust_ising(np.random.default_rng(4).normal(size=(5, 3)))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_best_of_k_expectation_equals_enumeration(small, k):
    diag = small.diagonal()
    brute = np.mean([diag[list(t)].min() for t in itertools.product(range(diag.size), repeat=k)])
    assert expected_best_of_k(diag, k) == pytest.approx(brute, rel=1e-12)
    ratio = np.mean([approximation_ratio(diag[list(t)].min(), diag)
                     for t in itertools.product(range(diag.size), repeat=k)])
    assert approximation_ratio(expected_best_of_k(diag, k), diag) == pytest.approx(ratio, rel=1e-12)
    hits = np.mean([np.isclose(diag[list(t)].min(), diag.min()) for t in itertools.product(range(diag.size), repeat=k)])
    assert p_optimum_best_of_k(diag, k) == pytest.approx(hits, rel=1e-12)


def test_random_solver_matches_its_expectation(small):
    """The sampler behind ``method='random'``: mean ratio over seeds within 4 standard errors of the formula."""
    diag, k = small.diagonal(), 3
    ratios = np.array([approximation_ratio(diag[solve_problem(small, "random", shots=k, seed=s).best], diag)
                       for s in range(3000)])
    exact = approximation_ratio(expected_best_of_k(diag, k), diag)
    assert abs(ratios.mean() - exact) < 4 * ratios.std(ddof=1) / np.sqrt(ratios.size)
    assert exact < 0.999  # the check would be empty if three draws always found the optimum
    with pytest.raises(ValueError, match="K >= 1"):
        random_assignments(small, 0, np.random.default_rng(0))


def test_random_p_optimum_is_one_over_two_to_the_n(small):
    sol = solve_problem(small, "random", shots=10, seed=1)
    assert sol.p_optimum == pytest.approx(1 / 16)  # one optimum: the last spin is fixed, no s -> -s copy


def test_binomial_errors():
    b = binomial(np.array([1] * 30 + [0] * 70))
    assert (b.k, b.n, b.p) == (30, 100, 0.3)
    assert b.se == pytest.approx(np.sqrt(0.3 * 0.7 / 100))
    assert b.low < 0.3 < b.high
    full = binomial(50, 50)  # the plain error is 0 at p = 1; Wilson's interval is not
    assert full.se == 0 and 0.97 < full.low < 1 and full.high == pytest.approx(1.0)
    assert str(full) == f"1.000 (> {full.low:.3f})" and str(b) == "0.300 ± 0.046"
    assert str(binomial(0, 50)).startswith("0.000 (< 0.0")
    with pytest.raises(ValueError, match="at least one event"):
        binomial(0, 0)


def test_rel_delta_and_bootstrap_quantile():
    np.testing.assert_allclose(rel_delta_1mt([0.9, 0.95], [0.95, 0.95]), [1.0, 0.0])
    rng = np.random.default_rng(0)
    x = rng.exponential(size=4000)
    q = bootstrap_quantile(x, 0.9)
    assert q.value == pytest.approx(np.log(10), rel=0.05)  # exponential's 90th percentile
    # asymptotic standard error of a quantile: sqrt(q(1-q)/n) / density at the quantile
    assert q.se == pytest.approx(np.sqrt(0.9 * 0.1 / x.size) / 0.1, rel=0.25)
    same = bootstrap_quantile(x, 0.9, minus=x)
    assert same.value == 0 and same.se == 0


def test_both_qaoa_paths_give_the_same_energy():
    """Statevector Runner on Qiskit's qaoa_ansatz (the device path) against the torch diagonal, same angles."""
    from qhep.execution import get_runner
    from qhep.jets.qaoa import DiagonalQAOA, circuit_values, cost_normalisation, qaoa_circuit

    prob = thrust_ising(np.random.default_rng(8).normal(size=(7, 3)))
    diag = prob.diagonal()
    sim = DiagonalQAOA(diag)
    assert cost_normalisation(prob.energies, prob.num_qubits, chunk=5) == pytest.approx((sim.offset, sim.scale))
    angles = np.array([0.5, 1.1, 0.6, 0.3])
    runner = get_runner("statevector", seed=0)
    _, scale = cost_normalisation(prob.energies, prob.num_qubits)  # what solve_on_runner uses
    circuit = qaoa_circuit(prob.operator, scale, 2)
    device = runner.estimate(circuit, prob.operator, circuit_values(circuit, angles)[None, :]).values[0, 0]
    torch_path = sim.energy(torch.as_tensor(angles)).item() * sim.scale + sim.offset
    assert device == pytest.approx(torch_path, rel=1e-9, abs=1e-9 * sim.scale)
    # a different scale (max |coefficient|, the old circuit normalisation) gives a different energy
    other = qaoa_circuit(prob.operator, float(np.abs(prob.operator.coeffs).max()), 2)
    moved = runner.estimate(other, prob.operator, circuit_values(other, angles)[None, :]).values[0, 0]
    assert abs(moved - torch_path) > 1e-3 * sim.scale


def test_precluster_floor_is_brute_force_on_the_proto_jets():
    """Exact thrust of the proto-jets, renormalised to the full event = the best proto-jet assignment's T."""
    from qhep.data.events import generate_events
    from qhep.jets.solve import precluster_floor, solve_event
    from qhep.jets.thrust import exact_thrust

    ev = generate_events(4, "ee-z", seed=5)
    for k in range(ev.n_events):
        p = ev.particles(k)
        floor = precluster_floor(p, 9)
        assert floor == pytest.approx(solve_event(p, "brute-force", max_qubits=8).thrust, rel=1e-12)
        assert floor <= exact_thrust(p)[0] + 1e-12
        assert precluster_floor(p, p.shape[0]) == pytest.approx(exact_thrust(p)[0])


def test_sparsify_keeps_fields_and_the_strongest_couplings():
    from qhep.jets.sparse import sparsify, z_diagonal

    prob = thrust_ising(np.random.default_rng(9).normal(size=(7, 3)))  # 6 qubits: 15 ZZ, 6 Z
    np.testing.assert_allclose(z_diagonal(prob.operator), prob.diagonal(), atol=1e-9)  # against the momenta
    full = sparsify(prob.operator, 1.0)
    np.testing.assert_allclose(z_diagonal(full), prob.diagonal(), atol=1e-9)
    half = sparsify(prob.operator, 0.5)
    weight = half.paulis.z.sum(axis=1)
    assert (weight == 1).sum() == 6 and (weight == 2).sum() == 8
    dropped = set(map(str, prob.operator.paulis)) - set(map(str, half.paulis))
    kept_min = np.abs(half.coeffs[weight == 2]).min()
    assert all(abs(prob.operator.coeffs[list(map(str, prob.operator.paulis)).index(d)]) <= kept_min for d in dropped)
    with pytest.raises(ValueError, match="fraction"):
        sparsify(prob.operator, 0.0)
