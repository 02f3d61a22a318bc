"""Gate kernels of the torch statevector: batched gate matrices, their application, angle forms.

Why a module of its own: :class:`~qhep.execution.torch_statevector.TorchCircuit` lowers
whole circuits onto these, and code that applies gates drawn per sample (the random
rotations of a quantum noise channel) or reads a circuit's angles as linear forms of
its parameters (parameter shift) needs the same matrices and conventions, not copies.

Conventions: qubit ``q`` is bit ``q`` of the basis index (Qiskit's little-endian
order); a builder takes the gate's angles as a sequence of (B,) tensors and returns
(B, 2^k, 2^k) matrices, or (B, 2^k) diagonals for diagonal gates, complex in the
precision of the angles.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from qiskit.circuit import Parameter, ParameterExpression

from qhep.errors import CircuitError

__all__ = ["MatrixFn", "apply_gate", "linear_form", "rx_matrix", "ry_matrix", "rz_diagonal", "rzz_diagonal"]

MatrixFn = Callable[[torch.Tensor], torch.Tensor]


def _c(x: torch.Tensor) -> torch.Tensor:
    """Complex view matching the real precision of the angles."""
    return x.to(torch.complex128 if x.dtype == torch.float64 else torch.complex64)


def _cs(theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.cos(theta / 2), torch.sin(theta / 2)


def _stack2(a, b, c, d) -> torch.Tensor:
    return torch.stack([torch.stack([a, b], -1), torch.stack([c, d], -1)], -2)


def rx_matrix(t: Sequence[torch.Tensor]) -> torch.Tensor:
    """RX(theta) matrices (B, 2, 2) for angles ``t[0]`` (B,), rad."""
    c, s = _cs(t[0])
    c, s = _c(c), _c(s)
    return _stack2(c, -1j * s, -1j * s, c)


def ry_matrix(t: Sequence[torch.Tensor]) -> torch.Tensor:
    """RY(theta) matrices (B, 2, 2) for angles ``t[0]`` (B,), rad."""
    c, s = _cs(t[0])
    c, s = _c(c), _c(s)
    return _stack2(c, -s, s, c)


def rz_diagonal(t: Sequence[torch.Tensor]) -> torch.Tensor:
    """RZ(theta) diagonals (B, 2) for angles ``t[0]`` (B,), rad: diagonal gates are applied as products."""
    e = torch.exp(0.5j * _c(t[0]))
    return torch.stack([e.conj(), e], -1)


def _p_diag(t):
    e = torch.exp(1j * _c(t[0]))
    return torch.stack([torch.ones_like(e), e], -1)


def _u(t):
    theta, phi, lam = (_c(x) for x in t)
    c, s = torch.cos(theta / 2), torch.sin(theta / 2)
    return _stack2(
        c, -torch.exp(1j * lam) * s, torch.exp(1j * phi) * s, torch.exp(1j * (phi + lam)) * c
    )


def _u2(t):
    phi, lam = (_c(x) for x in t)
    r = 1 / math.sqrt(2)
    one = torch.ones_like(phi)
    return _stack2(
        r * one, -r * torch.exp(1j * lam), r * torch.exp(1j * phi), r * torch.exp(1j * (phi + lam))
    )


def rzz_diagonal(t: Sequence[torch.Tensor]) -> torch.Tensor:
    """RZZ(theta) diagonals (B, 4) for angles ``t[0]`` (B,), rad."""
    e = torch.exp(0.5j * _c(t[0]))
    return torch.stack([e.conj(), e, e, e.conj()], -1)


def _cp_diag(t):
    e = torch.exp(1j * _c(t[0]))
    one = torch.ones_like(e)
    return torch.stack([one, one, one, e], -1)


def _crz_diag(t):
    e = torch.exp(0.5j * _c(t[0]))
    one = torch.ones_like(e)
    return torch.stack([one, e.conj(), one, e], -1)


def _pauli2(t, pauli: np.ndarray):
    c, s = _cs(t[0])
    c, s = _c(c), _c(s)
    eye = torch.eye(4, dtype=c.dtype, device=c.device)
    pm = torch.as_tensor(pauli, dtype=c.dtype, device=c.device)
    return c[..., None, None] * eye - 1j * s[..., None, None] * pm


_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_XX, _YY = np.kron(_X, _X), np.kron(_Y, _Y)


def _controlled(fn: MatrixFn) -> MatrixFn:
    """Controlled-U with control on the first qarg (Qiskit's index = 2*target + control)."""

    def build(t):
        u = fn(t)
        out = torch.zeros(u.shape[:-2] + (4, 4), dtype=u.dtype, device=u.device)
        out[..., 0, 0] = 1
        out[..., 2, 2] = 1
        out[..., 1, 1] = u[..., 0, 0]
        out[..., 1, 3] = u[..., 0, 1]
        out[..., 3, 1] = u[..., 1, 0]
        out[..., 3, 3] = u[..., 1, 1]
        return out

    return build


def linear_form(expr: ParameterExpression, index: dict[Parameter, int]) -> tuple[dict[int, float], float]:
    """Coefficients and offset of an expression linear in the circuit's parameters."""
    coeffs: dict[int, float] = {}
    for par in expr.parameters:
        grad = expr.gradient(par)
        if isinstance(grad, ParameterExpression) and grad.parameters:
            raise CircuitError(
                f"gate angle {expr} is not linear in {par}; the torch statevector path supports "
                "angles linear in the parameters"
            )
        coeffs[index[par]] = float(grad)
    offset = float(expr.bind({par: 0.0 for par in expr.parameters}))
    return coeffs, offset


def apply_gate(state: torch.Tensor, mat: torch.Tensor, qubits: tuple[int, ...], n: int, diagonal: bool) -> torch.Tensor:
    """Apply a k-qubit (possibly batched) matrix or diagonal to states (B, 2, ..., 2) of ``n`` qubits.

    For code that applies gates drawn per sample (random channels) rather than a fixed circuit:
    ``mat`` is (2^k, 2^k) or (B, 2^k, 2^k), or with ``diagonal`` (2^k,) or (B, 2^k).
    """
    k = len(qubits)
    # axis of qubit q in (B, 2,...,2): most significant qubit first
    axes = [1 + (n - 1 - q) for q in reversed(qubits)]  # gate index order: q_{k-1} ... q_0
    dest = list(range(1, k + 1))
    moved = state.movedim(axes, dest)
    shape = moved.shape
    flat = moved.reshape(shape[0], 2**k, -1)
    if diagonal:
        d = mat if mat.ndim == 2 else mat[None, :]
        out = flat * d[:, :, None]
    elif mat.ndim == 2:
        out = torch.matmul(mat, flat)
    else:
        out = torch.bmm(mat, flat)
    return out.reshape(shape).movedim(dest, axes)
