"""Fused execution plan of a lowered circuit: few passes over the state, cache-sized batches, adjoint sweep.

The lowered gate list (:class:`~qhep.execution.torch_statevector.TorchCircuit`'s
``ops``) is regrouped once into three kinds of steps:

- :class:`Layer`: every single-qubit gate at the front of its qubit (greedy
  layering of the circuit's DAG, :func:`build_plan`). Gates on one qubit are
  multiplied into one 2x2 (per batch row), and neighbouring qubits are paired
  into 4x4 blocks (Kronecker products), so a layer of n qubits is n/2 passes
  over the state. A block on qubits (q, q+1) is one ``matmul`` on the view
  (B, L, 4, 2**q) of the state, no copy. Blocks on low qubits (small 2**q, where
  a batched matmul is slow) are applied after one transpose that makes them the
  high qubits, and a second transpose back: two extra passes per layer instead of
  one copy per gate.
- :class:`Diagonal`: consecutive diagonal multi-qubit gates (CZ/CP rings, RZZ
  costs). The constant ones are multiplied into one (2**n,) vector, applied as one
  elementwise product; parametrised ones as broadcast products (no permuted
  copy).
- :class:`Gate`: any other multi-qubit gate (CX, CRX, RXX ...): moved axes and a
  matmul.

Batch rows are processed in chunks of about :data:`CHUNK_BYTES` of state, so on a
CPU the whole circuit runs on a cache-resident state: this is what makes double
precision cost 2x, not 4x, single precision (see ``torch_statevector``'s
docstring). On a GPU chunks of :data:`GPU_CHUNK_BYTES` bound the memory.

The adjoint sweep (:func:`adjoint_sweep`) walks the plan backwards on the final
state psi and lambda = dL/dpsi*, undoing each step on both and reducing
H = sum lambda psi^dagger over the qubits a step does not touch: the gradient with
respect to that step's matrix. Memory: two states per chunk and the (tiny) gate
matrices, instead of one state per gate for backprop.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = ["CHUNK_BYTES", "GPU_CHUNK_BYTES", "THREAD_MIN_BYTES", "Diagonal", "Gate", "Layer", "PlanStep",
           "adjoint_sweep", "build_plan", "chunk_rows", "matrices", "run_plan", "threads_for"]

#: State bytes per batch chunk on CPU (measured: 0.5-4 MiB alike, a batch of 33 MB 3x slower at 16 qubits).
CHUNK_BYTES = 2 << 20
#: State bytes per batch chunk on a GPU: bounds the adjoint sweep's memory to the final state plus a few
#: chunk states (batch 32 x 2**24 complex128 is 8.6 GB a state); its speed effect is not measured yet.
GPU_CHUNK_BYTES = 1 << 30
#: Below this batched state size (bytes) the simulator runs on one intra-op thread: its kernels work on
#: cache-sized chunks, and 2 threads made the 8-16 qubit steps 6-12x slower on a busy 2-core machine.
THREAD_MIN_BYTES = 256 << 20


@dataclass
class Layer:
    """Single-qubit gates on distinct qubits, fused per qubit, applied in blocks of <= 2 adjacent qubits."""

    gates: dict[int, list] = field(default_factory=dict)  # qubit -> ops in time order
    high: list[tuple[int, ...]] = field(default_factory=list)  # blocks applied in place
    low: list[tuple[int, ...]] = field(default_factory=list)  # blocks applied in the transposed layout
    split: int = 0  # qubits < split are "low"


@dataclass
class Diagonal:
    """Commuting diagonal multi-qubit gates: one constant diagonal and parametrised ones."""

    fixed: np.ndarray | None = None  # (2**n,) product of the constant diagonals
    params: list = field(default_factory=list)


@dataclass
class Gate:
    """A non-diagonal multi-qubit gate."""

    op: object


PlanStep = Layer | Diagonal | Gate


def _blocks(qubits: Sequence[int]) -> list[tuple[int, ...]]:
    """Pair adjacent qubits (q, q+1) greedily; unpaired ones stay single."""
    out: list[tuple[int, ...]] = []
    qs = sorted(qubits)
    i = 0
    while i < len(qs):
        if i + 1 < len(qs) and qs[i + 1] == qs[i] + 1:
            out.append((qs[i], qs[i + 1]))
            i += 2
        else:
            out.append((qs[i],))
            i += 1
    return out


def _full_diagonal(diag: np.ndarray, qubits: Sequence[int], n: int) -> np.ndarray:
    """(2**n,) diagonal of a k-qubit diagonal gate (first qarg = least significant gate-index bit)."""
    idx = np.arange(2**n, dtype=np.int64)
    sub = np.zeros_like(idx)
    for j, q in enumerate(qubits):
        sub |= ((idx >> q) & 1) << j
    return np.asarray(diag)[sub]


def build_plan(ops: Sequence, n: int, dtype: torch.dtype, device: torch.device) -> list[PlanStep]:
    """Schedule lowered ops (attributes qubits, fixed, builder, angle_cols, diagonal) into plan steps.

    Greedy layering on the circuit's DAG: repeatedly take every single-qubit gate at
    the front of its qubit (one Layer), then every multi-qubit diagonal at the front
    of all its qubits until none is left (one Diagonal), else the non-diagonal
    multi-qubit gates at the front (Gates). Each op keeps its order relative to every
    op sharing a qubit, so the product is the circuit's.
    """
    queues: list[list[int]] = [[] for _ in range(n)]
    for i, op in enumerate(ops):
        for q in op.qubits:
            queues[q].append(i)
    heads = [0] * n
    done = [False] * len(ops)
    split = n // 2 if n >= 4 else 0

    def at_front(i: int) -> bool:
        return all(heads[q] < len(queues[q]) and queues[q][heads[q]] == i for q in ops[i].qubits)

    def pop(i: int) -> None:
        for q in ops[i].qubits:
            heads[q] += 1
        done[i] = True

    def fronts() -> list[int]:
        seen = {queues[q][heads[q]] for q in range(n) if heads[q] < len(queues[q])}
        return sorted(i for i in seen if len(ops[i].qubits) > 1 and at_front(i))

    plan: list[PlanStep] = []
    while not all(done):
        gates: dict[int, list] = {}
        for q in range(n):
            while heads[q] < len(queues[q]) and len(ops[queues[q][heads[q]]].qubits) == 1:
                i = queues[q][heads[q]]
                gates.setdefault(q, []).append(ops[i])
                pop(i)
        if gates:
            plan.append(Layer(gates, _blocks([q for q in gates if q >= split]),
                              _blocks([q for q in gates if q < split]), split))
        diag = Diagonal()
        found = True
        while found:
            found = False
            for i in fronts():
                if ops[i].diagonal:
                    op = ops[i]
                    if op.builder is None:
                        full = _full_diagonal(op.fixed.cpu().numpy(), op.qubits, n)
                        diag.fixed = full if diag.fixed is None else diag.fixed * full
                    else:
                        diag.params.append(op)
                    pop(i)
                    found = True
        if diag.fixed is not None or diag.params:
            if diag.fixed is not None:
                diag.fixed = torch.as_tensor(diag.fixed, dtype=dtype, device=device)
            plan.append(diag)
            continue
        for i in fronts():
            plan.append(Gate(ops[i]))
            pop(i)
    return plan


# ----------------------------------------------------------------------------- matrices
def _op_matrix(op, angles: torch.Tensor) -> torch.Tensor:
    """(B, K, K) / (B, K) from the builder, or the fixed (K, K) / (K,)."""
    if op.builder is None:
        return op.fixed
    return op.builder(tuple(angles[:, c] for c in op.angle_cols))


def _fused(ops: Sequence, angles: torch.Tensor, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Product (B or 1, 2, 2) of a qubit's single-qubit gates, the first applied rightmost."""
    out: torch.Tensor | None = None
    for op in ops:
        m = _op_matrix(op, angles)
        if op.diagonal:
            m = torch.diag_embed(m)
        out = m if out is None else torch.matmul(m, out)
    assert out is not None
    out = out.to(dtype)
    return out if out.ndim == 3 else out[None]


def _kron(hi: torch.Tensor, lo: torch.Tensor) -> torch.Tensor:
    """Batched kron(hi, lo): (b, 4, 4) with index 2*bit(hi) + bit(lo)."""
    out = torch.einsum("...ij,...kl->...ikjl", hi, lo)
    return out.reshape(out.shape[:-4] + (4, 4))


def matrices(plan: Sequence[PlanStep], angles: torch.Tensor, dtype: torch.dtype,
             device: torch.device) -> list[list[torch.Tensor]]:
    """Per plan step, its matrices: Layer -> high then low blocks (b, K, K); Diagonal -> each
    parametrised diagonal (B, K); Gate -> its matrix (b, K, K). ``b`` is B or 1 (constant)."""
    out: list[list[torch.Tensor]] = []
    for step in plan:
        if isinstance(step, Layer):
            mats = []
            for blk in step.high + step.low:
                ms = [_fused(step.gates[q], angles, dtype, device) for q in blk]
                mats.append(ms[0] if len(blk) == 1 else _kron(ms[1], ms[0]))
            out.append(mats)
        elif isinstance(step, Diagonal):
            out.append([_op_matrix(op, angles).to(dtype) for op in step.params])
        else:
            m = _op_matrix(step.op, angles).to(dtype)
            out.append([m if m.ndim == 3 else m[None]])
    return out


# ----------------------------------------------------------------------------- kernels
def _block(state: torch.Tensor, m: torch.Tensor, q0: int, k: int, n: int) -> torch.Tensor:
    """Apply a (b, 2**k, 2**k) matrix on qubits q0..q0+k-1 of state (c, 2**n): one matmul on a view."""
    c = state.shape[0]
    kk, r = 2**k, 2**q0
    rest = 2**n // (kk * r)
    if rest == 1:
        return torch.matmul(m, state.view(c, kk, r)).view(c, -1)
    return torch.matmul(m[:, None], state.view(c, rest, kk, r)).view(c, -1)


def _block_reduce(lam: torch.Tensor, psi: torch.Tensor, q0: int, k: int, n: int) -> torch.Tensor:
    """H[b, i, j] = sum over the other qubits of lam[b, i, .] conj(psi[b, j, .]): (c, 2**k, 2**k)."""
    c = lam.shape[0]
    kk, r = 2**k, 2**q0
    rest = 2**n // (kk * r)
    a = lam.view(c, rest, kk, r)
    b = psi.view(c, rest, kk, r)
    return torch.matmul(a, b.conj().transpose(-1, -2)).sum(1)


def _swap_halves(state: torch.Tensor, split: int, n: int, back: bool) -> torch.Tensor:
    """Transpose the index (high n-split bits, low split bits) so the low qubits become the high ones."""
    c = state.shape[0]
    lo, hi = 2**split, 2 ** (n - split)
    shape = (c, lo, hi) if back else (c, hi, lo)
    return state.view(shape).transpose(1, 2).contiguous().view(c, -1)


def _diag_shape(qubits: Sequence[int], n: int) -> tuple[list[int], list[int]]:
    axes = [1 + (n - 1 - q) for q in reversed(qubits)]  # gate index order q_{k-1} ... q_0
    return axes, list(range(1, len(qubits) + 1))


def _apply_param_diag(state: torch.Tensor, d: torch.Tensor, qubits: Sequence[int], n: int) -> torch.Tensor:
    """state (c, 2**n) times a (c, 2**k) diagonal on ``qubits``, broadcast (no copy of the state)."""
    c, k = state.shape[0], len(qubits)
    axes, dest = _diag_shape(qubits, n)
    dv = d.reshape((d.shape[0],) + (2,) * k + (1,) * (n - k)).movedim(dest, axes)
    return (state.view((c,) + (2,) * n) * dv).view(c, -1)


def _diag_reduce(lam: torch.Tensor, psi: torch.Tensor, qubits: Sequence[int], n: int) -> torch.Tensor:
    """(c, 2**k): sum over the other qubits of lam conj(psi), gate index order."""
    c, k = lam.shape[0], len(qubits)
    axes, dest = _diag_shape(qubits, n)
    prod = (lam * psi.conj()).view((c,) + (2,) * n).movedim(axes, dest)
    return prod.reshape(c, 2**k, -1).sum(-1)


def _apply_gate(state: torch.Tensor, m: torch.Tensor, qubits: Sequence[int], n: int) -> torch.Tensor:
    c, k = state.shape[0], len(qubits)
    axes, dest = _diag_shape(qubits, n)
    moved = state.view((c,) + (2,) * n).movedim(axes, dest)
    shape = moved.shape
    out = torch.matmul(m, moved.reshape(c, 2**k, -1))
    return out.reshape(shape).movedim(dest, axes).reshape(c, -1)


def _gate_reduce(lam: torch.Tensor, psi: torch.Tensor, qubits: Sequence[int], n: int) -> torch.Tensor:
    c, k = lam.shape[0], len(qubits)
    axes, dest = _diag_shape(qubits, n)
    a = lam.view((c,) + (2,) * n).movedim(axes, dest).reshape(c, 2**k, -1)
    b = psi.view((c,) + (2,) * n).movedim(axes, dest).reshape(c, 2**k, -1)
    return torch.matmul(a, b.conj().transpose(-1, -2))


def _rows(m: torch.Tensor, rows: slice) -> torch.Tensor:
    return m if m.shape[0] == 1 else m[rows]


def run_plan(plan: Sequence[PlanStep], mats: Sequence[Sequence[torch.Tensor]], state: torch.Tensor,
             rows: slice, n: int) -> torch.Tensor:
    """Evolve ``state`` (c, 2**n), batch rows ``rows`` of ``mats``, through the plan (out of place)."""
    for step, ms in zip(plan, mats):
        if isinstance(step, Layer):
            nh = len(step.high)
            for blk, m in zip(step.high, ms[:nh]):
                state = _block(state, _rows(m, rows), blk[0], len(blk), n)
            if step.low:
                state = _swap_halves(state, step.split, n, back=False)
                for blk, m in zip(step.low, ms[nh:]):
                    state = _block(state, _rows(m, rows), blk[0] + n - step.split, len(blk), n)
                state = _swap_halves(state, step.split, n, back=True)
        elif isinstance(step, Diagonal):
            if step.fixed is not None:
                state = state * step.fixed
            for op, d in zip(step.params, ms):
                state = _apply_param_diag(state, _rows(d, rows), op.qubits, n)
        else:
            state = _apply_gate(state, _rows(ms[0], rows), step.op.qubits, n)
    return state


def adjoint_sweep(plan: Sequence[PlanStep], mats: Sequence[Sequence[torch.Tensor]], psi: torch.Tensor,
                  lam: torch.Tensor, rows: slice, n: int, grads: Sequence[Sequence[torch.Tensor | None]]) -> None:
    """Walk the plan backwards from the final psi and lambda = dL/dpsi* (both (c, 2**n)).

    Writes into ``grads[step][j][rows]`` torch's gradient of the real loss with
    respect to each matrix that needs one (``None`` entries are skipped): for
    psi_out = M psi_in, dL = 2 Re sum conj(lambda_out) dM psi_in, so torch's
    gradient is 2 M (lambda_in psi_in^dagger) summed over the untouched qubits.
    """
    c = psi.shape[0]
    x = torch.cat([psi, lam])  # one matmul undoes a step on both

    def both(m: torch.Tensor) -> torch.Tensor:
        return m if m.shape[0] == 1 else torch.cat([m, m])

    for s in range(len(plan) - 1, -1, -1):
        step, ms, gs = plan[s], mats[s], grads[s]
        if isinstance(step, Layer):
            nh = len(step.high)
            todo = [(blk, ms[j], gs[j], blk[0]) for j, blk in enumerate(step.high)]
            low = [(blk, ms[nh + j], gs[nh + j], blk[0] + n - step.split) for j, blk in enumerate(step.low)]
            for phase in (low, todo):
                if not phase:
                    continue
                if phase is low:
                    x = _swap_halves(x, step.split, n, back=False)
                for blk, m, g, q0 in phase:
                    mc = _rows(m, rows)
                    x = _block(x, both(mc.conj().transpose(-1, -2)), q0, len(blk), n)
                    if g is not None:
                        h = _block_reduce(x[c:], x[:c], q0, len(blk), n)
                        g[rows] = 2 * torch.matmul(mc, h)
                if phase is low:
                    x = _swap_halves(x, step.split, n, back=True)
        elif isinstance(step, Diagonal):
            if step.fixed is not None:
                x = x * step.fixed.conj()
            for j in range(len(step.params) - 1, -1, -1):
                op, d = step.params[j], _rows(ms[j], rows)
                x = _apply_param_diag(x, both(d.conj()), op.qubits, n)
                if gs[j] is not None:
                    gs[j][rows] = 2 * d * _diag_reduce(x[c:], x[:c], op.qubits, n)
        else:
            mc = _rows(ms[0], rows)
            x = _apply_gate(x, both(mc.conj().transpose(-1, -2)), step.op.qubits, n)
            if gs[0] is not None:
                gs[0][rows] = 2 * torch.matmul(mc, _gate_reduce(x[c:], x[:c], step.op.qubits, n))


# ----------------------------------------------------------------------------- batching, threads
def chunk_rows(batch: int, n: int, itemsize: int, device: torch.device, states: int = 1) -> Iterator[slice]:
    """Row slices of about CHUNK_BYTES (GPU_CHUNK_BYTES on a GPU) of ``states`` states each."""
    limit = CHUNK_BYTES if device.type == "cpu" else GPU_CHUNK_BYTES
    per = max(1, limit // (2**n * itemsize * states))
    for start in range(0, batch, per):
        yield slice(start, min(batch, start + per))


@contextmanager
def threads_for(state_bytes: int, device: torch.device) -> Iterator[None]:
    """One intra-op thread for states under THREAD_MIN_BYTES (parallel overhead exceeds the work)."""
    if device.type != "cpu" or state_bytes >= THREAD_MIN_BYTES or torch.get_num_threads() == 1:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
