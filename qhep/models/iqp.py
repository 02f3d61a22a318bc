"""IQP Born machine trained classically through Z-word expectation values, then sampled.

Circuit: H^n exp(-i sum_g theta_g Z_g) H^n, generators g = every qubit and a set
of pairs (:func:`qhep.circuits.ansatz.iqp_circuit`). For such circuits

    <Z_a> = E_{z uniform in {0,1}^n} cos(2 sum_{g : |g & a| odd} theta_g (-1)^{g . z}),

so Z-word expectations are estimated classically (Monte Carlo over z) at any n,
64 qubits included. With a Gaussian kernel on bitstrings, k(x, y) = prod_i
exp(-(x_i - y_i)^2 / (2 sigma^2)) = sum_a w(a) Z_a(x) Z_a(y), where w includes each
qubit independently with probability q = (1 - exp(-1/(2 sigma^2)))/2, hence

    MMD^2 = E_{a ~ w} (<Z_a>_model - <Z_a>_data)^2,

the training loss (Rudolph et al.; the route of arXiv:2605.27735 to 64-qubit images).

How bits become pixel energies (thermometer code): each pixel owns k qubits; bit j
of pixel i is 1 when x_i / E exceeds the training quantile (j + 1)/(k + 1) of that
pixel. Decoding counts the ones of a pixel (its level l = 0..k) and gives the pixel
the mean x_i / E of the training showers at that level, times the incident energy.
The IQP circuit is not conditioned on energy: energy enters through this scaling.

Mitigated sampling: none (raw bitstrings); readout mitigation needs quasi-probabilities
over 2**n outcomes, which is what this model avoids.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qhep.circuits.ansatz import grid_pairs, iqp_circuit
from qhep.models.base import ShowerData, ShowerModel

__all__ = ["IQPBorn", "iqp_zword_expectations"]

MAX_SAMPLED_QUBITS = 24


def iqp_zword_expectations(theta: torch.Tensor, generators: torch.Tensor, words: torch.Tensor,
                           z: torch.Tensor) -> torch.Tensor:
    """Monte-Carlo <Z_a> (A,) for words (A, n) 0/1, generators (G, n) 0/1, samples z (S, n) 0/1."""
    odd = torch.remainder(words @ generators.T, 2)  # (A, G)
    sign = 1 - 2 * torch.remainder(z @ generators.T, 2)  # (S, G)
    return torch.cos(2 * (odd * theta) @ sign.T).mean(1)


def _parity_expectations(bits: torch.Tensor, words: torch.Tensor) -> torch.Tensor:
    """<Z_a> (A,) of a data set of bitstrings (N, n)."""
    return (1 - 2 * torch.remainder(bits @ words.T, 2)).mean(0)


class IQPBorn(ShowerModel):
    """IQP Born machine with a thermometer code of ``bits_per_pixel`` qubits per pixel."""

    name = "iqp"
    kind = "quantum"
    mitigated_readout = "none (raw samples)"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        v = int(data_meta["n_pixels"])
        self.k = int(config.get("bits_per_pixel", 2 if v <= 12 else 1))
        self.n_qubits = v * self.k
        pairs_kind = config.get("pairs", "all" if self.n_qubits <= 24 else "grid")
        shape = tuple(data_meta.get("image_shape") or (v,))
        if pairs_kind == "grid":
            rows, cols = (shape if len(shape) == 2 else (1, v))
            pairs = [(a * self.k + ja, b * self.k + jb) for a, b in grid_pairs(rows, cols)
                     for ja in range(self.k) for jb in range(self.k)]
            pairs += [(i * self.k + j, i * self.k + j + 1) for i in range(v) for j in range(self.k - 1)]
        elif pairs_kind == "all":
            pairs = None
        else:
            raise ValueError(f"pairs must be 'all' or 'grid', got {pairs_kind!r}")
        self.circuit, self.theta_params, gens = iqp_circuit(self.n_qubits, pairs)
        gm = np.zeros((len(gens), self.n_qubits))
        for i, g in enumerate(gens):
            gm[i, list(g)] = 1
        self.register_buffer("generators", torch.as_tensor(gm))
        rng = np.random.default_rng(int(config.get("seed", 0)))
        self.theta = torch.nn.Parameter(torch.as_tensor(rng.normal(0, 0.1, len(gens))))
        self.register_buffer("thresholds", torch.zeros(v, self.k, dtype=torch.float64))
        self.register_buffer("level_mean", torch.zeros(v, self.k + 1, dtype=torch.float64))
        self.bandwidths = tuple(config.get("bandwidths", (0.5, 1.0, 2.0)))
        self.n_words = int(config.get("words", 512))
        self.n_z = int(config.get("z_samples", 512))
        self._torch_circuit = None

    # ------------------------------------------------------------------ encoding
    def fit_stats(self, data: ShowerData) -> None:
        ratio = data.showers_mev / (1000.0 * data.energies_gev[:, None])
        q = np.quantile(ratio, [(j + 1) / (self.k + 1) for j in range(self.k)], axis=0).T  # (V, k)
        self.thresholds.copy_(torch.as_tensor(q))
        level = (ratio[:, :, None] > q[None]).sum(-1)  # (N, V)
        means = np.zeros((ratio.shape[1], self.k + 1))
        for lv in range(self.k + 1):
            hit = level == lv
            fallback = q[:, max(lv - 1, 0)] if lv else np.zeros(ratio.shape[1])
            means[:, lv] = np.where(hit.any(0), (ratio * hit).sum(0) / np.maximum(hit.sum(0), 1), fallback)
        self.level_mean.copy_(torch.as_tensor(means))

    def encode(self, showers_mev: np.ndarray, energies_gev: np.ndarray) -> torch.Tensor:
        """(N, n_qubits) thermometer bits; qubit i * k + j is threshold j of pixel i."""
        ratio = torch.as_tensor(showers_mev / (1000.0 * np.asarray(energies_gev)[:, None]))
        return (ratio[:, :, None] > self.thresholds[None]).double().reshape(ratio.shape[0], -1)

    def decode(self, bits: np.ndarray, energies_gev: np.ndarray) -> np.ndarray:
        """(N, V) showers, MeV, from (N, n_qubits) bits."""
        level = np.asarray(bits).reshape(len(bits), -1, self.k).sum(-1).astype(np.int64)
        lm = self.level_mean.numpy()
        return lm[np.arange(lm.shape[0])[None, :], level] * 1000.0 * np.asarray(energies_gev)[:, None]

    # ------------------------------------------------------------------ training
    def build_optimizers(self) -> list[torch.optim.Optimizer]:
        self.opt = torch.optim.Adam([self.theta], lr=float(self.config.get("lr", 0.02)))
        return [self.opt]

    def _words(self, generator: torch.Generator) -> torch.Tensor:
        per = max(1, self.n_words // len(self.bandwidths))
        words = []
        for sigma in self.bandwidths:
            q = (1 - np.exp(-1 / (2 * sigma**2))) / 2
            words.append((torch.rand((per, self.n_qubits), generator=generator, dtype=torch.float64) < q).double())
        return torch.cat(words)

    def zword_loss(self, bits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Monte-Carlo MMD^2 between the circuit and the bitstrings ``bits`` (N, n)."""
        words = self._words(generator)
        z = (torch.rand((self.n_z, self.n_qubits), generator=generator, dtype=torch.float64) < 0.5).double()
        model = iqp_zword_expectations(self.theta, self.generators, words, z)
        return ((model - _parity_expectations(bits, words)) ** 2).mean()

    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        bits = self.encode(batch["x"].numpy(), batch["energy"].numpy())
        loss = self.zword_loss(bits, generator)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"zword_mmd": loss.item()}

    def loss_for_monitoring(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> float:
        if self.n_qubits > MAX_SAMPLED_QUBITS:
            with torch.no_grad():
                return float(self.zword_loss(self.encode(batch["x"].numpy(), batch["energy"].numpy()), generator))
        return super().loss_for_monitoring(batch, generator)

    # ------------------------------------------------------------------ sampling
    def _bound(self):
        return self.circuit.assign_parameters(self.theta.detach().numpy())

    def sample_bits(self, n: int, runner=None, seed: int = 0) -> np.ndarray:
        """(n, n_qubits) bitstrings sampled from the circuit (statevector or ``runner``)."""
        if self.n_qubits > MAX_SAMPLED_QUBITS:
            raise ValueError(f"{self.n_qubits} qubits cannot be sampled on a simulator (limit "
                             f"{MAX_SAMPLED_QUBITS}); validate through Z-word expectations instead")
        from qhep.execution import is_exact

        if is_exact(runner):
            if self._torch_circuit is None:  # lowered once, reused at every monitoring step
                from qhep.execution.statevector import compile_circuit

                self._torch_circuit = compile_circuit(self.circuit.remove_final_measurements(inplace=False))
            probs = self._torch_circuit.probabilities(self.theta.detach()[None]).detach().numpy()[0]
            ints = np.random.default_rng(seed).choice(probs.size, size=n, p=probs / probs.sum())
        else:
            from qhep.execution.results import counts_matrix

            counts = counts_matrix(runner.sample(self._bound(), shots=n).data.meas)[0]
            ints = np.random.default_rng(seed).permutation(np.repeat(np.arange(counts.size), counts))
        return ((ints[:, None] >> np.arange(self.n_qubits)[None, :]) & 1).astype(np.float64)

    def generate_torch(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        bits = self.sample_bits(energy_gev.shape[0], seed=seed)
        return torch.as_tensor(self.decode(bits, energy_gev.numpy()))

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000) -> np.ndarray:
        bits = self.sample_bits(len(energies_gev), runner, seed)
        return self.decode(bits, energies_gev)

    def zword_validation(self, data: ShowerData, n_z: int = 4096, seed: int = 0) -> dict[str, float]:
        """Model vs data <Z_i> and <Z_i Z_j> for all qubits and pairs (exact data, Monte-Carlo model)."""
        n = self.n_qubits
        eye = np.eye(n)
        i, j = np.triu_indices(n, 1)
        words = torch.as_tensor(np.concatenate([eye, eye[i] + eye[j]]))
        gen = torch.Generator().manual_seed(seed)
        z = (torch.rand((n_z, n), generator=gen, dtype=torch.float64) < 0.5).double()
        with torch.no_grad():
            model = iqp_zword_expectations(self.theta, self.generators, words, z)
        bits = self.encode(data.showers_mev, data.energies_gev)
        target = _parity_expectations(bits, words)
        diff = (model - target).abs()
        return {"words": int(words.shape[0]), "mean_abs_diff": float(diff.mean()), "max_abs_diff": float(diff.max()),
                "mc_std": float(1 / np.sqrt(n_z))}
