"""Hemisphere solvers: QAOA on statevector and on a shot backend, pre-clustering, FastJet, the CLI."""

import json

import numpy as np
import pytest
import torch

from qhep.data.events import Selection, generate_events
from qhep.data.io import write_events
from qhep.jets.ising import thrust_ising
from qhep.jets.qaoa import DiagonalQAOA, interpolate_init, ramp_init, rx_mixer, transfer_init
from qhep.jets.solve import solve_event
from qhep.jets.thrust import exact_thrust


@pytest.mark.parametrize("n", [1, 4, 7])
def test_mixer_is_rx_on_every_qubit(n):
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator

    beta = 0.37
    qc = QuantumCircuit(n)
    qc.rx(2 * beta, range(n))
    rng = np.random.default_rng(n)
    x = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    ours = rx_mixer(torch.as_tensor(x), torch.tensor(beta, dtype=torch.float64), n).numpy()
    np.testing.assert_allclose(ours, Operator(qc).data @ x, atol=1e-12)


def test_qaoa_state_matches_qiskit_qaoa_ansatz():
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit.quantum_info import SparsePauliOp, Statevector

    prob = thrust_ising(np.random.default_rng(2).normal(size=(6, 3)))
    sim = DiagonalQAOA(prob.diagonal())
    gammas, betas = np.array([0.4, 0.9]), np.array([0.7, 0.2])
    ours = sim.probabilities(np.concatenate([gammas, betas]))
    circ = qaoa_ansatz(SparsePauliOp(prob.operator.paulis, prob.operator.coeffs / sim.scale), reps=2)
    values = {p: (betas if p.name.startswith("β") else gammas)[int(p.name[2:-1])] for p in circ.parameters}
    np.testing.assert_allclose(ours, Statevector(circ.assign_parameters(values)).probabilities(), atol=1e-10)


def test_qaoa_energy_gradient_matches_finite_differences():
    sim = DiagonalQAOA(thrust_ising(np.random.default_rng(3).normal(size=(7, 3))).diagonal())
    x = torch.tensor([0.3, 0.8, 0.5, 0.2], dtype=torch.float64, requires_grad=True)
    sim.energy(x).backward()
    h = 1e-6
    fd = [(sim.energy(x.detach() + h * e) - sim.energy(x.detach() - h * e)).item() / (2 * h) for e in torch.eye(4)]
    np.testing.assert_allclose(x.grad.numpy(), fd, atol=1e-7)


def test_interp_keeps_the_schedule_and_transfer_beats_the_ramp():
    p1 = np.array([0.4, 0.6])
    grown = interpolate_init(p1)
    assert grown.size == 4
    np.testing.assert_allclose(grown, [0.4, 0.4, 0.6, 0.6])  # a constant schedule stays constant
    rng = np.random.default_rng(5)
    diags = [thrust_ising(rng.normal(size=(8, 3))).diagonal() for _ in range(6)]
    angles = transfer_init(diags[:3], reps=2)
    held_out = [DiagonalQAOA(d) for d in diags[3:]]
    e_transfer = [s.energy(torch.as_tensor(angles)).item() for s in held_out]
    e_ramp = [s.energy(torch.as_tensor(ramp_init(2))).item() for s in held_out]
    assert np.mean(e_transfer) < np.mean(e_ramp)


@pytest.fixture(scope="module")
def events():
    return generate_events(30, "ee-z", seed=21, selection=Selection(charged_only=True, e_min=0.5))


def test_qaoa_and_preclustering_recover_exact_thrust(events):
    ok = 0
    for k in range(events.n_events):
        p = events.particles(k)
        sol = solve_event(p, "qaoa", reps=2, shots=500, max_qubits=10, seed=k)
        assert sol.n_qubits == min(p.shape[0] - 1, 10)
        assert sol.thrust <= exact_thrust(p)[0] + 1e-12
        ok += sol.thrust >= 0.99 * exact_thrust(p)[0]
    assert ok / events.n_events >= 0.9


def test_qaoa_through_a_shot_runner(events):
    from qhep.execution import get_runner

    p = events.particles(0)
    sol = solve_event(p, "qaoa", runner=get_runner("aer", seed=1), reps=1, shots=400, max_qubits=5)
    assert sol.n_qubits == 5 and sol.optimum_found in (0.0, 1.0)
    assert sol.thrust >= 0.9 * exact_thrust(p)[0]


@pytest.mark.parametrize("method", ["durham", "anti_kt", "exact-thrust", "sa", "random"])
def test_classical_methods_partition_every_particle(events, method):
    p = events.particles(1)
    sol = solve_event(p, method)
    assert set(np.unique(sol.spins)) <= {-1.0, 1.0} and sol.spins.size == p.shape[0]
    assert sol.thrust <= exact_thrust(p)[0] + 1e-12


def test_cli_cluster_and_evaluate(tmp_path, events, cli):
    path = write_events(tmp_path / "e.h5", events)
    out = tmp_path / "j.h5"
    proc = cli("jets", "cluster", "--events", path, "--method", "brute-force", "--out", out, "--n-events", "10",
               "--max-qubits", "14", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["within_1pct"] >= 0.9
    ev = cli("jets", "evaluate", out, "--json")
    assert ev.returncode == 0, ev.stderr
    res = json.loads(ev.stdout)
    assert res["events"] == 10 and 0.5 <= res["all"]["assignment_efficiency"] <= 1.0
    # Delta(1-T)/(1-T) from the file's own columns; brute force adds nothing to the pre-clustering floor
    import h5py

    with h5py.File(out) as fh:
        t, t_ex, floor = fh["thrust"][...], fh["exact_thrust"][...], fh["floor_thrust"][...]
    rel = (t_ex - t) / (1 - t_ex)
    assert res["all"]["p90_rel_delta_1mT"] == pytest.approx(np.quantile(rel, 0.9))
    assert res["all"]["median_rel_delta_1mT"] == pytest.approx(np.median(rel))
    np.testing.assert_allclose(floor, t, rtol=1e-12)
    assert res["all"]["p90_rel_delta_1mT_solver"] == pytest.approx(0.0, abs=1e-12)
    assert res["all"]["within_1pct_se"] == pytest.approx(np.sqrt(doc["within_1pct"] * (1 - doc["within_1pct"]) / 10))
