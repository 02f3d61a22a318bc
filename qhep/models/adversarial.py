"""Adversarial training shared by the hybrid quantum GAN and the classical GAN.

A generator maps latent noise z and the condition c to a shower shape (fractions
over V pixels) and a response r in [r_lo, r_hi] (from the training data); the
discriminator sees (fractions, standardised response, c). Non-saturating GAN loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qhep.models.base import ShowerData, ShowerModel

__all__ = ["GANModel"]


def discriminator(n_in: int, width: int = 64) -> torch.nn.Sequential:
    """Small MLP critic (float64)."""
    return torch.nn.Sequential(torch.nn.Linear(n_in, width), torch.nn.LeakyReLU(0.2),
                               torch.nn.Linear(width, width), torch.nn.LeakyReLU(0.2),
                               torch.nn.Linear(width, 1)).double()


class GANModel(ShowerModel):
    """Base of GAN-trained generators; subclasses define ``n_latent`` and ``shape_and_response``."""

    n_latent = 4

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        v = int(data_meta["n_pixels"])
        self.disc = discriminator(v + 2)
        self.register_buffer("r_range", torch.tensor([0.0, 1.0], dtype=torch.float64))
        self.register_buffer("r_stats", torch.tensor([0.5, 0.1], dtype=torch.float64))

    def fit_stats(self, data: ShowerData) -> None:
        r = data.response
        spread = r.max() - r.min()
        self.r_range.copy_(torch.tensor([max(r.min() - 0.1 * spread, 0.0), r.max() + 0.1 * spread]))
        self.r_stats.copy_(torch.tensor([r.mean(), max(r.std(), 1e-6)]))

    def build_optimizers(self) -> list[torch.optim.Optimizer]:
        gen_params = [p for n, p in self.named_parameters() if not n.startswith("disc")]
        lr_g = float(self.config.get("lr_generator", 0.01))
        lr_d = float(self.config.get("lr_discriminator", 0.001))
        self.opt_g = torch.optim.Adam(gen_params, lr=lr_g, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=lr_d, betas=(0.5, 0.999))
        return [self.opt_g, self.opt_d]

    def shape_and_response(self, z: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(fractions (B, V), response fraction u in [0, 1] (B,)) from latent z and condition c."""
        raise NotImplementedError

    def latent(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Latent noise, uniform in [0, pi)."""
        return torch.rand((batch, self.n_latent), generator=generator, dtype=torch.float64) * np.pi

    def _features(self, fractions: torch.Tensor, response: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        r_std = (response - self.r_stats[0]) / self.r_stats[1]
        return torch.cat([fractions * fractions.shape[1], r_std[:, None], c[:, None]], dim=1)

    def _fake(self, energy: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor,
                                                                               torch.Tensor]:
        c = self.condition_tensor(energy)
        frac, u = self.shape_and_response(self.latent(energy.shape[0], generator), c)
        response = self.r_range[0] + (self.r_range[1] - self.r_range[0]) * u
        return frac, response, c

    def generate_torch(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        frac, response, _ = self._fake(energy_gev, generator)
        return frac * (response * 1000.0 * energy_gev)[:, None]

    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        x, energy = batch["x"], batch["energy"]
        total = x.sum(1)
        # an all-zero image (jet images have some) has no shape: zero fractions, as ShowerData.fractions,
        # not 0 / 0 = NaN, which made the discriminator and both losses NaN from the first such batch
        real_frac = torch.where(total[:, None] > 0, x / total.clamp_min(1e-300)[:, None], 0.0)
        real_r = total / (1000.0 * energy)
        c = self.condition_tensor(energy)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        frac, response, _ = self._fake(energy, generator)
        d_real = self.disc(self._features(real_frac, real_r, c))
        d_fake = self.disc(self._features(frac.detach(), response.detach(), c))
        loss_d = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
        self.opt_d.zero_grad()
        loss_d.backward()
        self.opt_d.step()
        d_gen = self.disc(self._features(frac, response, c))
        loss_g = bce(d_gen, torch.ones_like(d_gen))
        self.opt_g.zero_grad()
        loss_g.backward()
        self.opt_g.step()
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}
