"""Latent quantum generator: a re-uploading circuit on k + 1 qubits writes the PCA latent of a shower.

The latent is fixed (:class:`qhep.models.latent.PCALatent`: k principal components of the
standardised log energy fractions plus the standardised log response, whitened), fitted on
the training showers and frozen; it is a PCA basis, not a trained decoder. One qubit per
latent coordinate. Each of ``layers`` layers uploads, on every qubit i, the latent noise
z_i ~ U[0, pi) as RY(z_i) and the condition as RZ(pi c), then applies trainable RY, RZ and a
CZ ring; a final trainable RY precedes the readout. Noise and energy are re-uploaded in every
layer, so the outputs are Fourier series of degree ``layers`` in both. Latent coordinate i =
a_i <Z_i> + b_i (a trainable affine readout, 2 (k + 1) parameters: <Z_i> lies in [-1, 1], the
whitened latent has unit spread). Trained with the multi-scale MMD of
:class:`qhep.models.latent.LatentGenerator` and a cosine learning-rate decay.

Trainable parameters: 2 (k + 1) layers + (k + 1) circuit angles + 2 (k + 1) readout; 75 at the
default k = 4, 6 layers. Kind ``hybrid`` (a classical PCA decodes the circuit's output).

Sampling on a shot-based ``runner``: <Z_i> estimated by the runner (SPSA gradients would
apply if one trained there; generation only needs the forward pass).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector

from qhep.circuits.ansatz import generator_ansatz
from qhep.connectors import QuantumModule
from qhep.execution import is_exact
from qhep.models.latent import LatentGenerator

__all__ = ["QuantumLatentGenerator", "reuploading_circuit"]


def reuploading_circuit(n_qubits: int, layers: int) -> tuple[QuantumCircuit, ParameterVector, ParameterVector]:
    """(circuit, inputs [z_0..z_{n-1}, c], weights): :func:`qhep.circuits.ansatz.generator_ansatz` without its
    final measurement (qlatent reads per-qubit <Z>), noise and condition uploaded in every layer."""
    if n_qubits < 1 or layers < 1:
        raise ValueError(f"need at least 1 qubit and 1 layer, got {n_qubits} qubits, {layers} layers")
    qc, x, w = generator_ansatz(n_qubits, layers)
    return qc.remove_final_measurements(inplace=False), x, w


class QuantumLatentGenerator(LatentGenerator):
    """``qlatent``: re-uploading circuit on k + 1 qubits -> affine readout -> PCA latent -> shower."""

    name = "qlatent"
    kind = "hybrid"
    mitigated_readout = "none (per-qubit <Z> from the runner's estimator)"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        n = self.dim
        self.layers = int(config.get("layers", 6))
        self.circuit, self.inputs, _ = reuploading_circuit(n, self.layers)
        rng = np.random.default_rng(int(config.get("seed", 0)))
        w0 = rng.normal(0.0, float(config.get("init_scale", 0.3)), 2 * n * self.layers + n)
        self.gen = QuantumModule(self.circuit, self.inputs, output="expectations", initial_weights=w0,
                                 runner=config.get("backend", "statevector"), seed=int(config.get("seed", 0)))
        self.read_a = torch.nn.Parameter(torch.full((n,), 2.0, dtype=torch.float64))
        self.read_b = torch.nn.Parameter(torch.zeros(n, dtype=torch.float64))

    def _inputs(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        z = self.uniform_noise((energy_gev.shape[0], self.dim), generator, math.pi)
        return torch.cat([z, self.condition_tensor(energy_gev)[:, None]], dim=1)

    def sample_latent(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.read_a * self.gen(self._inputs(energy_gev, generator)) + self.read_b

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000) -> np.ndarray:
        if is_exact(runner):
            return super().generate(energies_gev, seed=seed)
        zexp, energy = self.expectations_on(self.gen, energies_gev, runner, seed)
        with torch.no_grad():
            return self.latent.decode(self.read_a * zexp + self.read_b, energy).numpy()
