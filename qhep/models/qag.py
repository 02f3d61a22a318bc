"""Quantum angle generator (Rehm et al., arXiv:2307.05253): one qubit per pixel.

Latent angles on ``n_latent`` qubits plus the condition are spread to V qubits by
a MERA-like upsampling circuit (:func:`qhep.circuits.ansatz.mera_upsampling_ansatz`).
Pixel i gets energy P_i(1) * s_i * E, with P_i(1) = (1 - <Z_i>)/2 the measured
frequency of qubit i and s_i the largest pixel-over-incident-energy ratio seen in
training (x 1.05): the per-qubit frequencies are not normalised, so the total
energy (the response) is generated together with the shape. Trained by MMD
between generated and real showers at the same incident energies, on the pixels
over E s_i and the standardised response (so the loss sees shape and total energy).

Energy re-uploading (``reupload: L``, default 0 = the original circuit): L more blocks
after the upsampling, each RZ(pi c) and a trainable RY on every qubit, then a CZ chain, so
the condition acts at every depth rather than once on the latent qubits (V L more weights).
``latent_qubits`` (default 2) must divide the pixel count by a power of two; 4 latent
qubits with 2 re-upload blocks on 8 pixels is 38 weights. Measured on 8-pixel PbWO4 showers,
10-100 GeV, seed 0, 4000 steps, 10,000 showers, it did not help: mean-image error 0.24 against
0.11 for the default, classifier AUC 1.0 for both (``benchmarks/generators/convergence.py``,
results in ``benchmarks/results/generators/convergence_qag*``), so the default is unchanged.

Mitigated sampling: ZNE (and readout) on the per-pixel expectation values <Z_i>.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qhep.circuits.ansatz import mera_upsampling_ansatz
from qhep.connectors import QuantumModule
from qhep.execution import is_exact
from qhep.models.base import ShowerData, ShowerModel, mmd2

__all__ = ["QAG", "qag_circuit"]


def qag_circuit(n_pixels: int, n_latent: int, reupload: int = 0):
    """(circuit, inputs [z_0..z_{k-1}, c], weights): MERA upsampling, then ``reupload`` condition blocks."""
    from qiskit.circuit import ParameterVector

    circuit, inputs, weights = mera_upsampling_ansatz(n_pixels, n_latent)
    if reupload < 0:
        raise ValueError(f"reupload must be >= 0, got {reupload}")
    if not reupload:
        return circuit, inputs, weights
    circuit = circuit.remove_final_measurements(inplace=False)
    extra = ParameterVector("u", n_pixels * reupload)
    k = 0
    for _ in range(reupload):
        for q in range(n_pixels):
            circuit.rz(np.pi * inputs[n_latent], q)
            circuit.ry(extra[k], q)
            k += 1
        for q in range(n_pixels - 1):
            circuit.cz(q, q + 1)
    circuit.measure_all()
    return circuit, inputs, list(extra) + list(weights)


MAX_PIXELS = 20  # one qubit per pixel: a batch of 64 states of 2^20 amplitudes is 1 GiB already


class QAG(ShowerModel):
    """Quantum angle generator."""

    name = "qag"
    kind = "hybrid"
    mitigated_readout = "ZNE + readout on per-pixel <Z>"
    mmd_bandwidths = (0.05, 0.2, 1.0, 10.0, 100.0)  # wide kernels keep a gradient on a far-off response

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        v = int(data_meta["n_pixels"])
        if v > MAX_PIXELS:
            raise ValueError(f"qag uses one qubit per pixel: {v} pixels need {v} qubits, more than the {MAX_PIXELS} "
                             "it trains on exactly; use qlatent (a 4-component latent at any pixel count)")
        self.n_latent = int(config.get("latent_qubits", 2))
        self.circuit, self.inputs, _ = qag_circuit(v, self.n_latent, int(config.get("reupload", 0)))
        self.gen = QuantumModule(self.circuit, self.inputs, output="expectations",
                                 runner=config.get("backend", "statevector"), seed=int(config.get("seed", 0)))
        self.register_buffer("scale", torch.ones(v, dtype=torch.float64))
        self.register_buffer("r_stats", torch.tensor([0.0, 1.0], dtype=torch.float64))

    def fit_stats(self, data: ShowerData) -> None:
        self.scale.copy_(torch.as_tensor(data.pixel_scale))
        r = data.response
        self.r_stats.copy_(torch.tensor([r.mean(), max(r.std(), 1e-9)]))

    def build_optimizers(self) -> list[torch.optim.Optimizer]:
        self.opt = torch.optim.Adam(self.gen.parameters(), lr=float(self.config.get("lr", 0.02)))
        return [self.opt]

    def _inputs(self, energy: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        z = torch.rand((energy.shape[0], self.n_latent), generator=generator, dtype=torch.float64) * np.pi
        c = self.condition_tensor(energy)
        return torch.cat([z, c[:, None]], dim=1)

    def _showers(self, zexp: torch.Tensor, energy: torch.Tensor) -> torch.Tensor:
        return (1 - zexp) / 2 * self.scale * 1000.0 * energy[:, None]

    def normalise(self, x_mev: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """Pixels over (E x s_i), plus the response over its spread: the MMD sees shape and total energy."""
        ratio = x_mev / (1000.0 * energy_gev[:, None])
        response = (ratio.sum(1) - self.r_stats[0]) / self.r_stats[1]
        return torch.cat([ratio / self.scale, response[:, None]], dim=1)

    def generate_torch(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self._showers(self.gen(self._inputs(energy_gev, generator)), energy_gev)

    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        fake = self.generate_torch(batch["energy"], generator)
        loss = mmd2(self.normalise(fake, batch["energy"]), self.normalise(batch["x"], batch["energy"]),
                    self.mmd_bandwidths)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"mmd": loss.item()}

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000) -> np.ndarray:
        if is_exact(runner):
            return super().generate(energies_gev, seed=seed)
        zexp, energy = self.expectations_on(self.gen, energies_gev, runner, seed)
        return self._showers(zexp, energy).numpy()
