"""Hybrid quantum GAN: a parametrised circuit generates one shower per latent sample.

Pixel qubits: ceil(log2 V); the probabilities of their 2**n outcomes are the
shower's energy fractions (the first V outcomes, renormalised). One extra
"response" qubit gives P(1) = u, mapped to the response r in [r_lo, r_hi]. Latent
angles (one per qubit) and the condition are re-uploaded in every layer
(:func:`qhep.circuits.ansatz.generator_ansatz`). A torch MLP is the discriminator.

Mitigated sampling: readout-mitigated quasi-probabilities (the outputs are
distributions), clipped at zero and renormalised.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from qhep.circuits.ansatz import generator_ansatz
from qhep.connectors import QuantumModule
from qhep.execution import is_exact
from qhep.models.adversarial import GANModel

__all__ = ["QGAN"]


class QGAN(GANModel):
    """Hybrid quantum GAN (quantum generator, classical discriminator)."""

    name = "qgan"
    kind = "hybrid"
    mitigated_readout = "readout-mitigated quasi-probabilities"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        v = int(data_meta["n_pixels"])
        self.n_pixel_qubits = max(1, math.ceil(math.log2(v)))
        n = self.n_pixel_qubits + 1
        self.n_latent = n
        self.circuit, self.inputs, _ = generator_ansatz(n, int(config.get("layers", 3)))
        self.gen = QuantumModule(self.circuit, self.inputs, runner=config.get("backend", "statevector"),
                                 seed=int(config.get("seed", 0)))

    def _split(self, probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        v = int(self.data_meta["n_pixels"])
        cube = probs.reshape(probs.shape[0], 2, 2**self.n_pixel_qubits)  # response qubit is the top bit
        u = cube[:, 1].sum(1)
        pix = cube.sum(1)[:, :v]
        return pix / pix.sum(1, keepdim=True).clamp_min(1e-12), u

    def shape_and_response(self, z: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._split(self.gen(torch.cat([z, c[:, None]], dim=1)))

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000) -> np.ndarray:
        if is_exact(runner):
            return super().generate(energies_gev, seed=seed)
        gen = torch.Generator().manual_seed(seed)
        energy = torch.as_tensor(energies_gev, dtype=torch.float64)
        c = self.condition_tensor(energies_gev)
        z = self.latent(len(energies_gev), gen)
        module = self.gen.on(runner)
        with torch.no_grad():
            probs = module(torch.cat([z, c[:, None]], dim=1)).clamp_min(0)
            probs = probs / probs.sum(1, keepdim=True)
            frac, u = self._split(probs)
        response = self.r_range[0] + (self.r_range[1] - self.r_range[0]) * u
        return (frac * (response * 1000.0 * energy)[:, None]).numpy()
