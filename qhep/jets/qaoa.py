"""QAOA and CVaR-VQE for Ising problems given as ``SparsePauliOp`` (thrust, later k-jet).

Two paths, one interface:

- ``statevector``: the cost diagonal is computed once per event; a QAOA layer is a
  phase exp(-i gamma C(z)) and the mixer exp(-i beta sum X) = H^n exp(-i beta sum Z) H^n,
  applied with a fast Walsh-Hadamard transform (O(n 2^n)), all in torch so
  (gamma, beta) are optimised with exact gradients (L-BFGS);
- any other Runner (``aer``, ``fake:NAME``, ``ibm:NAME``): Qiskit's ``qaoa_ansatz``
  (or a hardware-efficient RY + CZ ansatz for VQE), the energy (QAOA) or the CVaR of
  sampled energies (VQE) from the Runner, COBYLA from scipy.

The cost is divided by its largest |coefficient| so one parameter initialisation
(a linear ramp, the discretised annealing path) transfers between events and depths.
The answer is the best of ``shots`` sampled bitstrings; on ``statevector`` the
probability of the optimum in the final state is reported too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from qiskit.quantum_info import SparsePauliOp

__all__ = ["QAOAResult", "fwht", "qaoa_statevector", "ramp_init", "solve_on_runner"]


@dataclass
class QAOAResult:
    """Outcome of a variational solve.

    Attributes:
        best_bits: (n,) best sampled bitstring (qubit i = bit i).  best_energy: its cost.
        p_optimum: probability of the optimum in the final state (statevector only, else NaN).
        parameters: optimised angles.  evaluations: energy evaluations used.  shots: K.
    """

    best_bits: np.ndarray
    best_energy: float
    p_optimum: float
    parameters: np.ndarray
    evaluations: int
    shots: int
    meta: dict = field(default_factory=dict)


def ramp_init(p: int, dt: float = 0.75) -> np.ndarray:
    """Linear-ramp (gamma_1..p, beta_1..p) for a cost scaled to max |coefficient| 1."""
    k = (np.arange(p) + 0.5) / p
    return np.concatenate([k * dt, (1 - k) * dt])


def fwht(x: torch.Tensor, n: int) -> torch.Tensor:
    """Normalised Walsh-Hadamard transform (H^n) of states (..., 2**n)."""
    shape = x.shape
    y = x.reshape(-1, *(2,) * n)
    for axis in range(1, n + 1):
        a = y.narrow(axis, 0, 1)
        b = y.narrow(axis, 1, 1)
        y = torch.cat([a + b, a - b], dim=axis)
    return y.reshape(shape) / (2 ** (n / 2))


def _qaoa_state(diag: torch.Tensor, mixer_diag: torch.Tensor, params: torch.Tensor, n: int) -> torch.Tensor:
    p = params.shape[0] // 2
    psi = torch.full((2**n,), 2 ** (-n / 2), dtype=torch.complex128)
    for k in range(p):
        psi = psi * torch.exp(-1j * params[k] * diag)
        psi = fwht(fwht(psi, n) * torch.exp(-1j * params[p + k] * mixer_diag), n)
    return psi


def qaoa_statevector(diag: np.ndarray, reps: int = 1, *, shots: int = 1000, init: np.ndarray | None = None,
                     seed: int = 0, max_iter: int = 100) -> QAOAResult:
    """QAOA on a cost diagonal (2**n,): exact energies and gradients in torch, L-BFGS."""
    n = int(np.log2(diag.size))
    scale = float(np.max(np.abs(diag - diag.mean()))) or 1.0
    d = torch.as_tensor((diag - diag.mean()) / scale, dtype=torch.float64)
    idx = torch.arange(2**n)
    popcount = sum(((idx >> q) & 1) for q in range(n)).to(torch.float64)
    mixer = n - 2 * popcount  # sum_q Z_q in the Hadamard basis
    params = torch.tensor(ramp_init(reps) if init is None else init, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([params], max_iter=max_iter, line_search_fn="strong_wolfe")
    count = 0

    def closure():
        nonlocal count
        opt.zero_grad()
        psi = _qaoa_state(d, mixer, params, n)
        energy = ((psi.real**2 + psi.imag**2) * d).sum()
        energy.backward()
        count += 1
        return energy

    opt.step(closure)
    with torch.no_grad():
        probs = _qaoa_state(d, mixer, params, n).abs().numpy() ** 2
    optimum = np.flatnonzero(np.isclose(diag, diag.min(), rtol=0, atol=1e-9 * scale))
    rng = np.random.default_rng(seed)
    draws = rng.choice(probs.size, size=shots, p=probs / probs.sum())
    best = int(draws[np.argmin(diag[draws])])
    bits = (best >> np.arange(n)) & 1
    return QAOAResult(bits, float(diag[best]), float(probs[optimum].sum()), params.detach().numpy(), count, shots,
                      {"reps": reps, "backend": "statevector", "scale": scale})


def _cvar(energies: np.ndarray, counts: np.ndarray, alpha: float) -> float:
    order = np.argsort(energies)
    e, c = energies[order], counts[order].astype(float)
    need = alpha * c.sum()
    taken = np.minimum(c, np.maximum(need - np.concatenate([[0.0], np.cumsum(c)[:-1]]), 0))
    return float((e * taken).sum() / max(taken.sum(), 1e-12))


def hardware_efficient(n: int, reps: int):
    """RY layers with a CZ chain between them: (circuit, weights)."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    w = ParameterVector("w", n * (reps + 1))
    qc = QuantumCircuit(n)
    for r in range(reps + 1):
        for q in range(n):
            qc.ry(w[r * n + q], q)
        if r < reps:
            for q in range(n - 1):
                qc.cz(q, q + 1)
    return qc, w


def solve_on_runner(operator: SparsePauliOp, diag_fn, runner, *, method: str = "qaoa", reps: int = 1,
                    shots: int = 1000, alpha: float = 0.1, max_iter: int = 60, seed: int = 0) -> QAOAResult:
    """QAOA (energy) or VQE (CVaR_alpha of sampled energies) through a shot-based Runner, COBYLA.

    ``diag_fn(ints)`` returns the classical cost of basis states (used to score samples;
    it never sees the quantum state).
    """
    from qiskit.circuit.library import qaoa_ansatz
    from scipy.optimize import minimize

    n = operator.num_qubits
    scale = float(np.max(np.abs(operator.coeffs.real))) or 1.0
    op = SparsePauliOp(operator.paulis, operator.coeffs / scale)
    if method == "qaoa":
        circuit = qaoa_ansatz(op, reps=reps)
        order = [p.name for p in circuit.parameters]
        init = ramp_init(reps)
        x0 = np.array([init[:reps][int(nm[2:-1])] if nm.startswith("γ") else init[reps:][int(nm[2:-1])]
                       for nm in order])
    elif method == "vqe":
        circuit, _ = hardware_efficient(n, reps)
        x0 = np.random.default_rng(seed).uniform(0, np.pi, circuit.num_parameters)
    else:
        raise ValueError(f"unknown variational method {method!r}; choose qaoa or vqe")
    measured = circuit.measure_all(inplace=False)
    count = 0

    def sampled(x: np.ndarray, n_shots: int) -> tuple[np.ndarray, np.ndarray]:
        from qhep.execution.results import counts_matrix

        counts = counts_matrix(runner.sample(measured, x, shots=n_shots).data.meas)[0]
        hit = np.flatnonzero(counts)
        return hit, counts[hit]

    def objective(x: np.ndarray) -> float:
        nonlocal count
        count += 1
        if method == "qaoa":
            return float(runner.estimate(circuit, op, x).values[0, 0])
        ints, counts = sampled(x, shots)
        return _cvar(diag_fn(ints) / scale, counts, alpha)

    res = minimize(objective, x0, method="COBYLA", options={"maxiter": max_iter, "rhobeg": 0.3})
    ints, counts = sampled(res.x, shots)
    energies = diag_fn(ints)
    best = int(ints[np.argmin(energies)])
    return QAOAResult((best >> np.arange(n)) & 1, float(energies.min()), float("nan"), res.x, count, shots,
                      {"reps": reps, "backend": str(runner.spec), "scale": scale, "method": method})
