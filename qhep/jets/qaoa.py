"""QAOA and CVaR-VQE for Ising problems given as ``SparsePauliOp`` (thrust, k-jet, cone jets).

Two paths, one interface:

- ``statevector``: the cost diagonal is computed once per event; a QAOA layer is a
  phase exp(-i gamma C(z)) and the mixer exp(-i beta sum X) is RX on every qubit, applied
  in 3-qubit Kronecker blocks (O(n 2^n)), all in torch so (gamma, beta) are optimised
  with exact gradients (L-BFGS). Written here rather than taken from QOKit (the fastest
  QAOA simulator we know) because QOKit pins its own qiskit and numpy and has no
  gradients; ``benchmarks/jets/speed.py`` compares the two;
- any other Runner (``aer``, ``fake:NAME``, ``ibm:NAME``): Qiskit's ``qaoa_ansatz``
  (or a hardware-efficient RY + CZ ansatz for VQE), the energy (QAOA) or the CVaR of
  sampled energies (VQE) from the Runner, COBYLA from scipy.

One normalisation on both paths (:func:`cost_normalisation`): the cost diagonal is
centred on its mean over all 2**n states and divided by max |C - mean|, so the scaled
cost spans at most [-1, 1] and one parameter initialisation (a linear ramp, the
discretised annealing path) or one set of learnt angles transfers between events and
depths. The mean only shifts the phase globally; the scale is what the angles see. The
circuit path evaluates the diagonal in chunks to get it (up to ``MAX_DIAGONAL_QUBITS``),
so a gamma means the same on ``statevector`` and on a device.
The answer is the best of ``shots`` sampled bitstrings; on ``statevector`` the
probability of the optimum in the final state is reported too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from qiskit.quantum_info import SparsePauliOp

__all__ = ["MAX_DIAGONAL_QUBITS", "DiagonalQAOA", "QAOAResult", "circuit_values", "cost_normalisation",
           "interpolate_init", "qaoa_circuit", "qaoa_statevector", "ramp_init", "rx_mixer", "solve_on_runner",
           "transfer_init"]

MAX_DIAGONAL_QUBITS = 24  # 2**24 float64 = 128 MiB per cost diagonal


def cost_normalisation(diag, num_qubits: int | None = None, chunk: int = 2**20) -> tuple[float, float]:
    """(offset, scale) of a cost: its mean over all 2**n basis states and max |C - mean| (1 if C is constant).

    ``diag`` is the diagonal (2**n,) or a function ``energies(ints)`` with ``num_qubits``
    given; the function is evaluated in chunks of ``chunk`` states (no 2**n array).
    """
    if not callable(diag):
        d = np.asarray(diag, dtype=float)
        offset = float(d.mean())
        return offset, float(np.max(np.abs(d - offset))) or 1.0
    if num_qubits is None:
        raise ValueError("cost_normalisation of an energy function needs num_qubits")
    if num_qubits > MAX_DIAGONAL_QUBITS:
        raise ValueError(f"the QAOA cost normalisation needs all 2**n energies; limited to {MAX_DIAGONAL_QUBITS} "
                         f"qubits here, got {num_qubits}")
    total, low, high, size = 0.0, np.inf, -np.inf, 2**num_qubits
    for start in range(0, size, chunk):
        e = np.asarray(diag(np.arange(start, min(start + chunk, size), dtype=np.int64)), dtype=float)
        total += float(e.sum())
        low, high = min(low, float(e.min())), max(high, float(e.max()))
    offset = total / size
    return offset, max(high - offset, offset - low) or 1.0


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
    """Linear-ramp (gamma_1..p, beta_1..p) for a cost scaled to max |C - mean| = 1."""
    k = (np.arange(p) + 0.5) / p
    return np.concatenate([k * dt, (1 - k) * dt])


MIXER_GROUP = 3  # qubits per mixer block: 8x8 matrices on (2**(n-k-3), 8, 2**k) views measured fastest here


def rx_mixer(psi: torch.Tensor, beta: torch.Tensor, n: int) -> torch.Tensor:
    """exp(-i beta sum_q X_q) psi for states (2**n,): RX(2 beta) on every qubit.

    Applied as Kronecker blocks of ``MIXER_GROUP`` qubits, one batched matmul per
    block, so a layer costs ceil(n / 3) passes over the state instead of n.
    """
    c, s = torch.cos(beta), torch.sin(beta)
    rx = torch.stack([torch.stack([c + 0j, -1j * s]), torch.stack([-1j * s, c + 0j])]).to(psi.dtype)
    blocks: dict[int, torch.Tensor] = {}
    q = 0
    while q < n:
        m = min(MIXER_GROUP, n - q)
        if m not in blocks:
            block = rx
            for _ in range(m - 1):
                block = torch.kron(block, rx)
            blocks[m] = block
        psi = (blocks[m] @ psi.reshape(2 ** (n - q - m), 2**m, 2**q)).reshape(-1)
        q += m
    return psi


class DiagonalQAOA:
    """QAOA on a cost diagonal C(z) (2**n,), centred and scaled to max |C - mean| = 1 (:func:`cost_normalisation`).

    ``state(params)`` applies p layers exp(-i beta_k sum X) exp(-i gamma_k C) to |+>^n
    for params = (gamma_1..p, beta_1..p); everything is torch, so energies have exact
    gradients. The scaling makes one set of angles transfer between events.
    """

    def __init__(self, diag: np.ndarray, dtype: torch.dtype = torch.complex128) -> None:
        diag = np.asarray(diag, dtype=float)
        self.n = int(np.log2(diag.size))
        if 2**self.n != diag.size:
            raise ValueError(f"a cost diagonal needs 2**n entries, got {diag.size}")
        self.offset, self.scale = cost_normalisation(diag)
        self.d = torch.as_tensor((diag - self.offset) / self.scale, dtype=torch.float64)
        self.dtype = dtype

    def state(self, params: torch.Tensor) -> torch.Tensor:
        """Final state (2**n,) for params (2p,)."""
        p = params.shape[0] // 2
        psi = torch.full((2**self.n,), 2 ** (-self.n / 2), dtype=self.dtype)
        for k in range(p):
            psi = psi * torch.complex(torch.cos(params[k] * self.d), -torch.sin(params[k] * self.d)).to(self.dtype)
            psi = rx_mixer(psi, params[p + k], self.n)
        return psi

    def energy(self, params: torch.Tensor) -> torch.Tensor:
        """<(C - offset) / scale> (differentiable); <C> = energy * scale + offset."""
        psi = self.state(params)
        return (psi.real**2 + psi.imag**2).to(torch.float64) @ self.d

    def probabilities(self, params: np.ndarray) -> np.ndarray:
        """|psi_z|^2 (2**n,) as numpy."""
        with torch.no_grad():
            psi = self.state(torch.as_tensor(params, dtype=torch.float64))
            return (psi.real**2 + psi.imag**2).to(torch.float64).numpy()

    def optimise(self, init: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, int]:
        """L-BFGS on the energy from ``init``: (angles, energy evaluations)."""
        params = torch.tensor(init, dtype=torch.float64, requires_grad=True)
        if max_iter <= 0:
            return params.detach().numpy(), 0
        opt = torch.optim.LBFGS([params], max_iter=max_iter, line_search_fn="strong_wolfe")
        count = 0

        def closure():
            nonlocal count
            opt.zero_grad()
            energy = self.energy(params)
            energy.backward()
            count += 1
            return energy

        opt.step(closure)
        return params.detach().numpy(), count


def interpolate_init(params: np.ndarray) -> np.ndarray:
    """Angles for depth p + 1 from optimised angles at depth p (INTERP, Zhou et al. PRX 10, 021067)."""
    p = params.size // 2

    def stretch(x: np.ndarray) -> np.ndarray:
        padded = np.concatenate([[0.0], x, [0.0]])
        k = np.arange(1, p + 2)
        return (k - 1) / p * padded[k - 1] + (p - k + 1) / p * padded[k]

    return np.concatenate([stretch(params[:p]), stretch(params[p:])])


def transfer_init(diags: list[np.ndarray], reps: int, max_iter: int = 100) -> np.ndarray:
    """Angles that transfer between events: the median of per-event optima, grown p = 1..reps by INTERP."""
    params = None
    for _ in range(reps):
        start = ramp_init(1) if params is None else interpolate_init(params)
        params = np.median([DiagonalQAOA(d).optimise(start, max_iter)[0] for d in diags], axis=0)
    return params


def qaoa_statevector(diag: np.ndarray, reps: int = 1, *, shots: int = 1000, init: np.ndarray | None = None,
                     seed: int = 0, max_iter: int = 100) -> QAOAResult:
    """QAOA on a cost diagonal (2**n,): exact energies and gradients in torch, L-BFGS from ``init``.

    ``max_iter = 0`` samples at ``init`` unchanged (transferred angles, one evaluation).
    """
    sim = DiagonalQAOA(diag)
    n = sim.n
    x0 = ramp_init(reps) if init is None else np.asarray(init, dtype=float)
    if x0.size != 2 * reps:
        raise ValueError(f"init has {x0.size} angles; depth {reps} needs {2 * reps}")
    params, count = sim.optimise(x0, max_iter)
    probs = sim.probabilities(params)
    optimum = np.flatnonzero(np.isclose(diag, diag.min(), rtol=0, atol=1e-9 * sim.scale))
    rng = np.random.default_rng(seed)
    draws = rng.choice(probs.size, size=shots, p=probs / probs.sum())
    best = int(draws[np.argmin(diag[draws])])
    bits = (best >> np.arange(n)) & 1
    return QAOAResult(bits, float(diag[best]), float(probs[optimum].sum()), params, count, shots,
                      {"reps": reps, "backend": "statevector", "scale": sim.scale})


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


def qaoa_circuit(operator: SparsePauliOp, scale: float, reps: int):
    """Qiskit ``qaoa_ansatz`` of ``operator / scale`` (``scale`` from :func:`cost_normalisation`)."""
    from qiskit.circuit.library import qaoa_ansatz

    return qaoa_ansatz(SparsePauliOp(operator.paulis, operator.coeffs / scale), reps=reps)


def circuit_values(circuit, params: np.ndarray) -> np.ndarray:
    """Angles (gamma_1..p, beta_1..p), as :class:`DiagonalQAOA` takes them, in ``circuit.parameters`` order."""
    params = np.asarray(params, dtype=float)
    reps = params.size // 2
    return np.array([params[:reps][int(p.name[2:-1])] if p.name.startswith("γ") else params[reps:][int(p.name[2:-1])]
                     for p in circuit.parameters])


def solve_on_runner(operator: SparsePauliOp, diag_fn, runner, *, method: str = "qaoa", reps: int = 1,
                    shots: int = 1000, alpha: float = 0.1, max_iter: int = 60, seed: int = 0) -> QAOAResult:
    """QAOA (energy) or VQE (CVaR_alpha of sampled energies) through a shot-based Runner, COBYLA.

    ``diag_fn(ints)`` returns the classical cost of basis states (used to score samples
    and for the normalisation, :func:`cost_normalisation`; it never sees the quantum state).
    """
    from scipy.optimize import minimize

    n = operator.num_qubits
    _, scale = cost_normalisation(diag_fn, n)
    op = SparsePauliOp(operator.paulis, operator.coeffs / scale)
    if method == "qaoa":
        circuit = qaoa_circuit(operator, scale, reps)
        x0 = circuit_values(circuit, ramp_init(reps))
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
