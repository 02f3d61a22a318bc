"""Adjoint differentiation of the torch statevector: probabilities and Pauli expectation values.

Backprop through the simulator keeps one state per gate for the backward pass
(21 qubits at batch 32 filled an 80 GB GPU). The adjoint method keeps the final
state only: backward starts from lambda = dL/dpsi* and undoes the circuit on psi
and lambda together (:meth:`TorchCircuit.vjp`), so memory is a few states; each
plan step is undone on both and reduced once (its matrix's gradient).

:class:`AdjointOutputs` returns the basis probabilities (B, 2**n) and the values
<psi|P|psi> (B, T) of non-diagonal Pauli terms; every output qhep builds (marginal
probabilities, <Z_q>, any SparsePauliOp) is a linear map of those two, applied by
torch outside, so one Function serves all of them. For a loss
L = sum g_i |psi_i|^2 + sum_t h_t <psi|P_t|psi>, lambda = g psi + sum_t h_t P_t psi.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from qiskit.quantum_info import SparsePauliOp

from qhep.execution.torch_statevector import TorchCircuit, popcount_parity, z_diagonal

__all__ = ["AdjointOutputs", "PauliTerm", "observable_maps"]


@dataclass(frozen=True)
class PauliTerm:
    """A non-diagonal Pauli string: (P psi)[i] = phase * (-1)**popcount(i & zmask) * psi[i ^ xmask]."""

    xmask: int
    zmask: int
    phase: complex


def _apply_term(psi: torch.Tensor, term: PauliTerm) -> torch.Tensor:
    dim = psi.shape[1]
    idx = torch.arange(dim, device=psi.device)
    sign = 1 - 2 * torch.as_tensor(popcount_parity(np.arange(dim) & term.zmask), device=psi.device)
    return psi[:, idx ^ term.xmask] * sign.to(psi.real.dtype) * term.phase


def observable_maps(observables: Sequence[SparsePauliOp], n: int
                    ) -> tuple[np.ndarray, list[PauliTerm], np.ndarray]:
    """Split observables into a diagonal part D (2**n, n_obs) and non-diagonal terms with weights C (T, n_obs).

    <psi|O_k|psi> = probs @ D[:, k] + term_values @ C[:, k].
    """
    weights = 1 << np.arange(n, dtype=np.int64)
    diag = np.zeros((2**n, len(observables)))
    terms: list[PauliTerm] = []
    coeffs: list[np.ndarray] = []
    for k, obs in enumerate(observables):
        paulis = obs.paulis
        is_diag = ~np.any(paulis.x, axis=1)
        if np.any(is_diag):
            diag[:, k] = z_diagonal(obs[np.flatnonzero(is_diag).tolist()], n)
        for t in np.flatnonzero(~is_diag):
            x, z = paulis.x[t], paulis.z[t]
            n_y = int(np.sum(x & z))
            phase = complex((-1j) ** n_y * (-1j) ** int(paulis.phase[t]))
            terms.append(PauliTerm(int(np.dot(x.astype(np.int64), weights)),
                                   int(np.dot(z.astype(np.int64), weights)), phase))
            row = np.zeros(len(observables))
            row[k] = float(np.real(obs.coeffs[t]))
            coeffs.append(row)
    c = np.array(coeffs) if coeffs else np.zeros((0, len(observables)))
    return diag, terms, c


class AdjointOutputs(torch.autograd.Function):
    """(probs (B, 2**n), term values (B, T)) of ``tc`` at ``values`` (B, P); backward by the adjoint method."""

    @staticmethod
    def forward(ctx, values: torch.Tensor, tc: TorchCircuit,  # type: ignore[override]
                terms: Sequence[PauliTerm]) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            psi = tc.statevector(values.detach())
            probs = psi.real**2 + psi.imag**2
            vals = [(psi.conj() * _apply_term(psi, t)).sum(-1).real for t in terms]
        ctx.tc, ctx.terms, ctx.psi = tc, terms, psi
        ctx.save_for_backward(values)
        tv = torch.stack(vals, -1) if vals else probs.new_zeros((probs.shape[0], 0))
        return probs, tv

    @staticmethod
    def backward(ctx, g_probs: torch.Tensor, g_terms: torch.Tensor):  # type: ignore[override]
        (values,) = ctx.saved_tensors
        psi: torch.Tensor = ctx.psi
        lam = psi * g_probs.to(psi.real.dtype)
        for t, term in enumerate(ctx.terms):
            lam = lam + g_terms[:, t, None].to(psi.real.dtype) * _apply_term(psi, term)
        grad = ctx.tc.vjp(values, psi, lam)
        return grad.to(values.dtype), None, None
