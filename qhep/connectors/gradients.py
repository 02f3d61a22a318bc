"""Shot-based gradients on the logical circuit: gate-level parameter shift and SPSA.

Parameter shift is only valid for a gate exp(-i phi P / 2) whose angle *is* the
shifted variable. Transpiling rewrites a parameter theta as theta/2, -theta, 2 theta
and shares it between gates, so shifting a bound transpiled parameter by pi/2
gives wrong gradients. Here the logical circuit is first unrolled into Pauli
rotations (qiskit ``transpile`` with a rotation basis, no layout), every rotation
gets its own angle phi_k = A_k . theta + b_k, the circuit is rebuilt with the phi_k
as its parameters, and

    d f / d theta = sum_k A_k (f(phi + pi/2 e_k) - f(phi - pi/2 e_k)) / 2,

all shifted circuits of a batch going to the Runner in one call (it transpiles the
angle circuit once for the device and binds the shifts). qiskit-machine-learning's
``ParamShiftSamplerGradient`` does the same on a V2 sampler but one PUB per circuit
and without the Runner's noise-model reduction, mitigation and ledger, which is why
this is written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Parameter, ParameterExpression

from qhep.errors import CircuitError
from qhep.execution.kernels import linear_form

__all__ = ["AngleCircuit", "angle_circuit", "parameter_shift_vjp", "spsa_vjp"]

_ROTATIONS = {"rx", "ry", "rz", "rxx", "ryy", "rzz", "rzx"}
_BASIS = sorted(_ROTATIONS | {"cx", "cz", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg", "swap",
                              "ecr", "id", "measure", "delay", "reset"})


@dataclass
class AngleCircuit:
    """The logical circuit with one parameter per rotation: angles = theta @ A.T + b.

    Attributes:
        circuit: rebuilt circuit whose parameters are ``phi`` (one per rotation, in order).
        phi: those parameters.  a: (K, P) d phi / d theta.  b: (K,) offsets, rad.
        parameters: the original circuit's parameters, order of the columns of ``a``.
    """

    circuit: QuantumCircuit
    phi: list[Parameter]
    a: np.ndarray
    b: np.ndarray
    parameters: list[Parameter]

    def angles(self, theta: np.ndarray) -> np.ndarray:
        """(B, K) rotation angles for (B, P) parameter values."""
        return np.asarray(theta) @ self.a.T + self.b


def angle_circuit(circuit: QuantumCircuit) -> AngleCircuit:
    """Unroll ``circuit`` into Pauli rotations with one fresh parameter per rotation angle."""
    params = list(circuit.parameters)
    index = {p: i for i, p in enumerate(params)}
    unrolled = transpile(circuit, basis_gates=_BASIS, optimization_level=0)
    out = QuantumCircuit(*unrolled.qregs, *unrolled.cregs)
    rows: list[tuple[dict[int, float], float]] = []
    phi: list[Parameter] = []
    for inst in unrolled.data:
        op = inst.operation
        symbolic = [p for p in op.params if isinstance(p, ParameterExpression) and p.parameters]
        if not symbolic:
            out.append(op, inst.qubits, inst.clbits)
            continue
        if op.name not in _ROTATIONS or len(op.params) != 1:
            raise CircuitError(f"cannot take parameter-shift gradients through {op.name!r} with symbolic angles")
        rows.append(linear_form(op.params[0], index))
        new = Parameter(f"_phi[{len(phi):05d}]")  # zero-padded: Qiskit sorts parameters by name
        phi.append(new)
        gate = op.copy()
        gate.params = [new]
        out.append(gate, inst.qubits, inst.clbits)
    a = np.zeros((len(rows), len(params)))
    b = np.zeros(len(rows))
    for k, (coeffs, offset) in enumerate(rows):
        for col, val in coeffs.items():
            a[k, col] = val
        b[k] = offset
    return AngleCircuit(out, phi, a, b, params)


def parameter_shift_vjp(f: Callable[[np.ndarray], np.ndarray], ac: AngleCircuit, theta: np.ndarray,
                        grad_out: np.ndarray, wanted: np.ndarray | None = None) -> np.ndarray:
    """Vector-Jacobian product grad_out . d f / d theta for a batch, by gate-level parameter shift.

    ``f`` maps angles (R, K) to outputs (R, D) in one call; ``theta`` (B, P),
    ``grad_out`` (B, D); ``wanted`` (P,) bool masks the parameters that need a gradient.
    Returns (B, P).
    """
    theta = np.atleast_2d(theta)
    batch, n_par = theta.shape
    a = ac.a if wanted is None else ac.a * np.asarray(wanted, bool)[None, :]
    active = np.flatnonzero(np.any(a != 0, axis=1))
    if active.size == 0:
        return np.zeros((batch, n_par))
    phi = ac.angles(theta)  # (B, K)
    shifted = np.repeat(phi[:, None, :], 2 * active.size, axis=1)  # (B, 2S, K)
    rows = np.arange(active.size)
    shifted[:, 2 * rows, active] += np.pi / 2
    shifted[:, 2 * rows + 1, active] -= np.pi / 2
    out = np.asarray(f(shifted.reshape(-1, phi.shape[1]))).reshape(batch, 2 * active.size, -1)
    d_phi = 0.5 * (out[:, 0::2] - out[:, 1::2])  # (B, S, D)
    vjp_phi = np.einsum("bsd,bd->bs", d_phi, grad_out)
    return vjp_phi @ a[active]


def spsa_vjp(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, grad_out: np.ndarray,
             rng: np.random.Generator, epsilon: float = 0.1, samples: int = 1,
             wanted: np.ndarray | None = None) -> np.ndarray:
    """SPSA estimate of grad_out . d f / d theta: 2 x ``samples`` evaluations per row, any P.

    ``f`` maps parameter values (R, P) to outputs (R, D) in one call.
    """
    theta = np.atleast_2d(theta)
    batch, n_par = theta.shape
    mask = np.ones(n_par) if wanted is None else np.asarray(wanted, float)
    delta = rng.choice([-1.0, 1.0], size=(batch, samples, n_par)) * mask
    plus = theta[:, None, :] + epsilon * delta
    minus = theta[:, None, :] - epsilon * delta
    both = np.concatenate([plus, minus], axis=1).reshape(-1, n_par)
    out = np.asarray(f(both)).reshape(batch, 2 * samples, -1)
    diff = (out[:, :samples] - out[:, samples:]) / (2 * epsilon)  # (B, S, D)
    proj = np.einsum("bsd,bd->bs", diff, grad_out)
    return np.einsum("bs,bsp->bp", proj, delta) / samples
