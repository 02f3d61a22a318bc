"""Classical baselines in the same PCA latent as ``qlatent`` and ``qborn``, sized to the quantum models.

- ``gauss``: a conditional Gaussian over the d = k + 1 whitened latent coordinates. Mean and
  Cholesky factor of the covariance are polynomials in the condition c (degree ``degree``,
  default 2, and ``cov_degree``, default 1); the diagonal of the Cholesky factor is
  exp(polynomial), so it stays positive. Maximum likelihood: ``fit_stats`` starts from the
  closed-form solution (least-squares mean, constant residual covariance); training steps
  minimise the Gaussian negative log-likelihood on batches (Adam, cosine decay). Trainable
  parameters d (degree + 1) + d (d + 1) / 2 (cov_degree + 1): 45 at k = 4. The bar for any
  generator under ~100 parameters: a shower of this data is nearly Gaussian in this latent.
- ``mlpgen``: an MLP (one tanh hidden layer) from noise u ~ U[0, 1)^m and c to the latent,
  trained with the same multi-scale MMD as ``qlatent``. The hidden width h and noise width m
  are chosen so the trainable count, (m + 2) h + (h + 1) d, is the one closest to ``params``
  (default 75, the default ``qlatent``); ties go to m closest to d.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from qhep.models.base import ShowerData
from qhep.models.gan import mlp
from qhep.models.latent import LatentGenerator

__all__ = ["ConditionalGaussian", "MLPGenerator", "mlp_shape"]

NOISE_WIDTHS = range(2, 17)  # noise widths m that mlpgen may pick to meet a parameter count


def mlp_shape(d: int, target: int) -> tuple[int, int]:
    """(noise width m, hidden width h) whose MLP count (m + 2) h + (h + 1) d is closest to ``target``."""
    if target < 1:
        raise ValueError(f"params must be a positive parameter count, got {target}")

    def count(m: int, h: int) -> int:
        return (m + 2) * h + (h + 1) * d

    best = min(((m, h) for m in NOISE_WIDTHS for h in range(1, 2049)),
               key=lambda mh: (abs(count(*mh) - target), abs(mh[0] - d)))
    return best


class MLPGenerator(LatentGenerator):
    """``mlpgen``: classical MLP generator in the PCA latent, multi-scale MMD, sized by ``params``."""

    name = "mlpgen"
    kind = "classical"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        target = int(config.get("params", 75))
        self.noise_width, self.hidden = mlp_shape(self.dim, target)
        with torch.random.fork_rng():
            torch.manual_seed(int(config.get("seed", 0)))
            self.net = mlp(self.noise_width + 1, [self.hidden], self.dim)

    def sample_latent(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        u = self.uniform_noise((energy_gev.shape[0], self.noise_width), generator) * 2 - 1
        return self.net(torch.cat([u, self.condition_tensor(energy_gev)[:, None] * 2 - 1], dim=1))


class ConditionalGaussian(LatentGenerator):
    """``gauss``: latent ~ N(mu(c), L(c) L(c)^T), mu and L polynomial in c, fitted by maximum likelihood."""

    name = "gauss"
    kind = "classical"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        d = self.dim
        self.degree = int(config.get("degree", 2))
        self.cov_degree = int(config.get("cov_degree", 1))
        if self.degree < 0 or self.cov_degree < 0:
            raise ValueError(f"degree and cov_degree must be >= 0, got {self.degree}, {self.cov_degree}")
        self.mean_coef = torch.nn.Parameter(torch.zeros(self.degree + 1, d, dtype=torch.float64))
        self.chol_coef = torch.nn.Parameter(torch.zeros(self.cov_degree + 1, d * (d + 1) // 2, dtype=torch.float64))
        rows, cols = torch.tril_indices(d, d)
        self.register_buffer("tril_rows", rows)
        self.register_buffer("tril_cols", cols)

    def _powers(self, energy_gev: torch.Tensor, degree: int) -> torch.Tensor:
        c = self.condition_tensor(energy_gev) * 2 - 1  # in [-1, 1]: well-conditioned powers
        return torch.stack([c**p for p in range(degree + 1)], dim=1)

    def _mean_chol(self, energy_gev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        d = self.dim
        mean = self._powers(energy_gev, self.degree) @ self.mean_coef
        flat = self._powers(energy_gev, self.cov_degree) @ self.chol_coef  # (B, d(d+1)/2)
        chol = torch.zeros(energy_gev.shape[0], d, d, dtype=torch.float64)
        chol[:, self.tril_rows, self.tril_cols] = flat
        diag = torch.diagonal(chol, dim1=1, dim2=2)
        return mean, chol - torch.diag_embed(diag) + torch.diag_embed(torch.exp(diag))

    def fit_stats(self, data: ShowerData) -> None:
        super().fit_stats(data)
        z = self.latent.encode(torch.as_tensor(data.showers_mev), torch.as_tensor(data.energies_gev)).numpy()
        energy = torch.as_tensor(data.energies_gev)
        p = self._powers(energy, self.degree).numpy()
        coef, *_ = np.linalg.lstsq(p, z, rcond=None)
        resid = z - p @ coef
        chol = np.linalg.cholesky(np.cov(resid, rowvar=False) + 1e-9 * np.eye(self.dim))
        start = np.zeros((self.cov_degree + 1, self.dim * (self.dim + 1) // 2))
        rows, cols = self.tril_rows.numpy(), self.tril_cols.numpy()
        start[0] = np.where(rows == cols, np.log(np.maximum(chol[rows, cols], 1e-12)), chol[rows, cols])
        with torch.no_grad():
            self.mean_coef.copy_(torch.as_tensor(coef))
            self.chol_coef.copy_(torch.as_tensor(start))

    def nll(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean Gaussian negative log-likelihood of the batch's latents (nats per shower)."""
        z = self.latent.encode(batch["x"], batch["energy"])
        mean, chol = self._mean_chol(batch["energy"])
        sol = torch.linalg.solve_triangular(chol, (z - mean)[:, :, None], upper=False)[:, :, 0]
        logdet = torch.log(torch.diagonal(chol, dim1=1, dim2=2)).sum(1)
        return (0.5 * (sol**2).sum(1) + logdet + 0.5 * self.dim * math.log(2 * math.pi)).mean()

    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        loss = self.nll(batch)
        self.optimise(self.opt, loss)
        return {"nll": loss.item()}

    def sample_latent(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        mean, chol = self._mean_chol(energy_gev)
        eps = torch.randn((energy_gev.shape[0], self.dim), generator=generator, dtype=torch.float64)
        return mean + (chol @ eps[:, :, None])[:, :, 0]
