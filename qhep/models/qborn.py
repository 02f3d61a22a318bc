"""Conditional IQP Born machine over quantile-coded PCA-latent coordinates (``qborn``).

Coordinates: the d = k + 1 whitened, decorrelated latent coordinates of
:class:`qhep.models.latent.PCALatent` (k shape components and the log response). Each is
coded by ``bits`` qubits: the index of its training quantile bin (2**bits equal-count bins),
written in binary, most significant bit first. Sampling draws a bitstring, reads each
coordinate's bin b and draws a probability u uniformly within the bin, [b, b + 1) / 2**bits,
then maps u through the coordinate's training quantile function (``QUANTILES`` points,
linear in between), and decodes the latent. Uniform in probability rather than in the
coordinate: uniform in the coordinate over the outer bins, which reach to the training
minimum and maximum, put far too many showers in the tails (mean-image error 0.12 vs 0.0x).

Circuit: H^n exp(-i sum_g theta_g(c) Z_g) H^n over n = d x bits qubits, generators g = every
qubit, every pair of bits of the same coordinate, and every pair of the top two bits of
different coordinates (``pairs: all`` takes every pair). The angles are linear in the
condition, theta_g(c) = alpha_g + beta_g (2c - 1), so the distribution itself depends on
the incident energy. Trainable parameters: 2 G; 96 at the default k = 3 components, 3 bits
(12 qubits, G = 12 + 12 + 24); 140 at k = 4 (15 qubits).

Training: the exact negative log-likelihood of the data's bitstrings under p(x | c) (the
KL divergence to the data up to a constant). The amplitude of bitstring y is
2^-n sum_x (-1)^(x . y) exp(-i phi_c(x)), phi_c(x) = sum_g theta_g(c) Z_g(x), evaluated
exactly over all 2**n x by a fast Walsh-Hadamard transform (n 2**n operations per shower),
which is why n stays at about 15 qubits.

Kind ``quantum``: every trainable parameter is a circuit angle; the quantile decoding and the
PCA are fixed. Sampling on a shot-based ``runner`` binds the Qiskit IQP circuit
(:func:`qhep.circuits.ansatz.iqp_circuit`, RZ(2 theta), RZZ(2 theta)) at each shower's angles
and takes one shot per shower. Mitigated sampling: none (raw bitstrings).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from qhep.models.base import ShowerData
from qhep.models.latent import LatentGenerator

__all__ = ["ConditionalBorn", "walsh_hadamard"]

MAX_QUBITS = 20
QUANTILES = 1025  # points of each coordinate's stored quantile function


def _sylvester(m: int, dtype: torch.dtype) -> torch.Tensor:
    """The 2**m x 2**m Hadamard matrix with entries (-1)^(popcount(i & j))."""
    i = torch.arange(2**m)
    bits = torch.zeros(2**m, 2**m, dtype=torch.long)
    for b in range(m):
        bits ^= ((i[:, None] & i[None, :]) >> b) & 1
    return (1 - 2 * bits).to(dtype)


def walsh_hadamard(a: torch.Tensor, block: int = 5) -> torch.Tensor:
    """Unnormalised Walsh-Hadamard transform along the last axis (length 2**n): sum_x (-1)^(x.y) a_x.

    Applied as the Kronecker product of Hadamard matrices of at most 2**block rows, one
    matrix product per factor (fast dense kernels instead of n butterfly passes).
    """
    n = int(round(math.log2(a.shape[-1])))
    sizes = [block] * (n // block) + ([n % block] if n % block else [])
    lead = a.shape[:-1]
    out = a.reshape(-1, *[2**s for s in reversed(sizes)])  # most significant factor first
    for axis, s in enumerate(reversed(sizes), start=1):
        h = _sylvester(s, a.dtype)
        out = torch.movedim(torch.movedim(out, axis, -1) @ h, -1, axis)
    return out.reshape(*lead, 2**n)


class ConditionalBorn(LatentGenerator):
    """``qborn``: IQP Born machine p(bits | c) with energy-linear angles over quantile-coded latents."""

    name = "qborn"
    kind = "quantum"
    mitigated_readout = "none (raw samples)"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, {"components": min(3, int(data_meta["n_pixels"])), **config})
        d = self.dim
        self.bits = int(config.get("bits", 3))
        self.n_qubits = d * self.bits
        if self.n_qubits > MAX_QUBITS:
            raise ValueError(f"{self.n_qubits} qubits (components + 1 = {d} coordinates x {self.bits} bits) exceed "
                             f"the exact-probability limit of {MAX_QUBITS}; lower bits or components")
        pairs_kind = config.get("pairs", "coded")
        if pairs_kind == "all":
            pairs = [(a, b) for a in range(self.n_qubits) for b in range(a + 1, self.n_qubits)]
        elif pairs_kind == "coded":
            pairs = self.coded_pairs(d, self.bits)
        else:
            raise ValueError(f"pairs must be 'coded' or 'all', got {pairs_kind!r}")
        self.gens: list[tuple[int, ...]] = [(q,) for q in range(self.n_qubits)] + pairs
        # Z_g(x) = prod_{q in g} (1 - 2 x_q) for every basis state x (qubit q = bit q of the index)
        idx = torch.arange(2**self.n_qubits)
        zq = 1 - 2 * ((idx[:, None] >> torch.arange(self.n_qubits)[None, :]) & 1).double()  # (2^n, n)
        zg = torch.stack([zq[:, list(g)].prod(1) for g in self.gens], dim=1)  # (2^n, G)
        self.register_buffer("zg", zg, persistent=False)
        rng = np.random.default_rng(int(config.get("seed", 0)))
        # start at the uniform distribution: single-qubit angles pi/4 (P(1) = sin^2 theta = 1/2), pairs near 0
        start = np.where([len(g) == 1 for g in self.gens], np.pi / 4, 0.0) + rng.normal(0, 0.05, len(self.gens))
        self.alpha = torch.nn.Parameter(torch.as_tensor(start))
        self.beta = torch.nn.Parameter(torch.zeros(len(self.gens), dtype=torch.float64))
        self.register_buffer("edges", torch.zeros(d, 2**self.bits + 1, dtype=torch.float64))
        self.register_buffer("qtable", torch.zeros(d, QUANTILES, dtype=torch.float64))

    @staticmethod
    def coded_pairs(d: int, bits: int) -> list[tuple[int, int]]:
        """Pairs within each coordinate's bits, and between the top two bits of different coordinates."""
        pairs = [(i * bits + a, i * bits + b) for i in range(d) for a in range(bits) for b in range(a + 1, bits)]
        top = min(2, bits)
        pairs += [(i * bits + a, j * bits + b) for i in range(d) for j in range(i + 1, d)
                  for a in range(top) for b in range(top)]
        return pairs

    # ------------------------------------------------------------------ coding
    def fit_stats(self, data: ShowerData) -> None:
        super().fit_stats(data)
        z = self.latent.encode(torch.as_tensor(data.showers_mev), torch.as_tensor(data.energies_gev)).numpy()
        edges = np.quantile(z, np.linspace(0, 1, 2**self.bits + 1), axis=0).T  # (d, 2^bits + 1)
        self.edges.copy_(torch.as_tensor(edges))
        self.qtable.copy_(torch.as_tensor(np.quantile(z, np.linspace(0, 1, QUANTILES), axis=0).T))

    def encode_bits(self, x_mev: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """(B,) basis-state index of each shower: bin of each coordinate, most significant bit first."""
        return self.index_of(self.latent.encode(x_mev, energy_gev))

    def index_of(self, z: torch.Tensor) -> torch.Tensor:
        """(B,) basis-state index of latents (B, d)."""
        inner = self.edges[:, 1:-1]  # (d, 2^bits - 1)
        bins = (z[:, :, None] > inner[None]).sum(-1)  # (B, d) in 0 .. 2^bits - 1
        index = torch.zeros(z.shape[0], dtype=torch.long)
        for i in range(self.dim):
            for j in range(self.bits):
                bit = (bins[:, i] >> (self.bits - 1 - j)) & 1
                index = index | (bit << (i * self.bits + j))
        return index

    def decode_bits(self, index: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """(B, d) latents: each coordinate's probability uniform within the quantile bin its bits name."""
        cols = []
        for i in range(self.dim):
            b = torch.zeros_like(index)
            for j in range(self.bits):
                b = b | (((index >> (i * self.bits + j)) & 1) << (self.bits - 1 - j))
            u = (b + torch.rand(index.shape[0], generator=generator, dtype=torch.float64)) / 2**self.bits
            pos = u * (QUANTILES - 1)
            lo = pos.floor().long().clamp(0, QUANTILES - 2)
            frac = pos - lo
            cols.append(self.qtable[i, lo] * (1 - frac) + self.qtable[i, lo + 1] * frac)
        return torch.stack(cols, dim=1)

    # ------------------------------------------------------------------ circuit
    def theta(self, energy_gev: torch.Tensor) -> torch.Tensor:
        """(B, G) angles, linear in the condition."""
        c = self.condition_tensor(energy_gev) * 2 - 1
        return self.alpha[None, :] + c[:, None] * self.beta[None, :]

    def amplitudes(self, energy_gev: torch.Tensor) -> torch.Tensor:
        """(B, 2**n) complex amplitudes of H^n exp(-i phi_c) H^n |0>."""
        re, im = self._transformed(energy_gev)
        return torch.complex(re, im)

    def _transformed(self, energy_gev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        phi = self.theta(energy_gev) @ self.zg.T  # (B, 2^n)
        both = walsh_hadamard(torch.stack([torch.cos(phi), -torch.sin(phi)])) / 2**self.n_qubits
        return both[0], both[1]

    def probabilities(self, energy_gev: torch.Tensor) -> torch.Tensor:
        """(B, 2**n) exact p(x | c)."""
        re, im = self._transformed(energy_gev)
        return re**2 + im**2

    def log_likelihood(self, index: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """(B,) ln p(y_b | c_b) of basis states ``index`` (exact)."""
        p = self.probabilities(energy_gev).gather(1, index[:, None])[:, 0]
        return torch.log(p + 1e-30)

    # ------------------------------------------------------------------ training / sampling
    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        index = self.encode_bits(batch["x"], batch["energy"])
        loss = -self.log_likelihood(index, batch["energy"]).mean()
        self.optimise(self.opt, loss)
        return {"nll": loss.item()}

    def sample_index(self, energy_gev: torch.Tensor, generator: torch.Generator, chunk: int = 256) -> torch.Tensor:
        """(B,) basis states drawn from p(x | c_b), exactly (chunks of ``chunk`` energies)."""
        out = []
        for part in energy_gev.split(chunk):
            with torch.no_grad():
                p = self.probabilities(part)
            out.append(torch.multinomial(p / p.sum(1, keepdim=True), 1, generator=generator)[:, 0])
        return torch.cat(out)

    def sample_latent(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.decode_bits(self.sample_index(energy_gev, generator), generator)

    def qiskit_circuit(self):
        """(circuit, theta parameters): the IQP circuit with this model's generators, measured on all qubits."""
        from qhep.circuits.ansatz import iqp_circuit

        circuit, theta, _ = iqp_circuit(self.n_qubits, [g for g in self.gens if len(g) == 2])
        return circuit, theta

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000) -> np.ndarray:
        from qhep.execution import is_exact

        if is_exact(runner):
            return super().generate(energies_gev, seed=seed)
        from qhep.connectors import QuantumModule

        gen = torch.Generator().manual_seed(seed)
        energy = torch.as_tensor(energies_gev, dtype=torch.float64)
        circuit, theta = self.qiskit_circuit()
        module = QuantumModule(circuit, list(theta), [], output="probabilities", runner=runner, seed=seed)
        with torch.no_grad():
            index = torch.as_tensor(module.sample(self.theta(energy), shots=1)[:, 0])
            return self.latent.decode(self.decode_bits(index, gen), energy).numpy()
