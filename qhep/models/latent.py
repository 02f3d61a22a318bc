"""A fixed PCA latent of showers, shared by ``qlatent``, ``qborn``, ``gauss`` and ``mlpgen``.

Why: 8-pixel showers are about 4-dimensional (4 principal components of the log shape
hold 99.85 % of its variance), so a generator of k >= 4 coordinates can cover the data
where one qubit per pixel or a few bits per pixel cannot.

Representation (fitted once on the training showers, then frozen as buffers):

- shape: the log energy fractions l_i = ln(f_i + DELTA), f_i = x_i / sum(x), standardised
  per pixel, projected onto their first k principal components;
- response: ln(sum(x) / E), standardised (the calorimeter response, so the total
  energy is generated together with the shape);
- the k + 1 coordinates are then rotated onto the principal axes of their own joint
  covariance and scaled to unit variance (a full-rank, invertible whitening), so the
  latent coordinates are decorrelated with unit spread.

Decoding inverts each step (the k-component truncation of the shape is the only loss),
exponentiates, cuts fractions below zero, renormalises them to 1 and multiplies by
response x E. Latent values are clipped to the training range widened by ``MARGIN`` of
its width, so that no generator can decode a shower far outside the data.

A latent generator maps noise and the condition c to k + 1 whitened latent coordinates
(:class:`qhep.models.latent.PCALatent`), decoded to showers. Training matches the joint
distribution of (latent, standardised c) of generated and real showers at the same incident
energies with a sum of Gaussian-kernel MMDs whose widths are the median pairwise distance of
the training (latent, c) points times ``SCALES`` (the median heuristic, so the kernels fit the
data rather than a fixed guess). The learning rate decays along a cosine from ``lr`` to
``lr x LR_FLOOR`` over the configured steps; the step counter is a buffer, so a resumed run
continues the same schedule.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from qhep.models.base import ShowerData, ShowerModel

__all__ = ["DELTA", "LR_FLOOR", "MARGIN", "SCALES", "LatentGenerator", "PCALatent", "median_bandwidth",
           "multiscale_mmd2"]

DELTA = 1e-6  # offset of the log fractions: empty pixels map to ln(1e-6), not -inf
MARGIN = 0.1  # decoded latents are clipped to [min, max] widened by this fraction of the range


class PCALatent(torch.nn.Module):
    """Whitened PCA latent of dimension k + 1 (k shape components, one response coordinate)."""

    def __init__(self, n_pixels: int, k: int = 4) -> None:
        super().__init__()
        if not 1 <= k <= n_pixels:
            raise ValueError(f"latent components k must be in 1..{n_pixels} (the pixels), got {k}")
        self.k, self.v = int(k), int(n_pixels)
        d = self.k + 1
        f64 = torch.float64
        self.register_buffer("l_mu", torch.zeros(n_pixels, dtype=f64))
        self.register_buffer("l_sd", torch.ones(n_pixels, dtype=f64))
        self.register_buffer("basis", torch.eye(n_pixels, k, dtype=f64))  # (V, k) principal axes
        self.register_buffer("r_stats", torch.tensor([0.0, 1.0], dtype=f64))  # ln response: mean, std
        self.register_buffer("w_mu", torch.zeros(d, dtype=f64))
        self.register_buffer("w_rot", torch.eye(d, dtype=f64))  # (d, d): raw -> whitened = (raw - mu) @ rot
        self.register_buffer("lo", -torch.ones(d, dtype=f64))
        self.register_buffer("hi", torch.ones(d, dtype=f64))
        self.register_buffer("explained", torch.zeros((), dtype=f64))

    @property
    def dim(self) -> int:
        """Latent coordinates (k + 1)."""
        return self.k + 1

    def _raw(self, x_mev: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        total = x_mev.sum(1).clamp_min(1e-12)
        logf = torch.log(x_mev.clamp_min(0) / total[:, None] + DELTA)
        shape = ((logf - self.l_mu) / self.l_sd) @ self.basis
        r = (torch.log(total / (1000.0 * energy_gev)) - self.r_stats[0]) / self.r_stats[1]
        return torch.cat([shape, r[:, None]], dim=1)

    def fit(self, showers_mev: np.ndarray, energies_gev: np.ndarray) -> None:
        """Fit the PCA basis, the response scale and the whitening on training showers (MeV, GeV)."""
        x = np.asarray(showers_mev, dtype=np.float64)
        e = np.asarray(energies_gev, dtype=np.float64)
        total = np.maximum(x.sum(1), 1e-12)
        logf = np.log(np.clip(x, 0, None) / total[:, None] + DELTA)
        mu, sd = logf.mean(0), np.maximum(logf.std(0), 1e-9)
        evals, evecs = np.linalg.eigh(np.cov((logf - mu) / sd, rowvar=False))
        order = np.argsort(evals)[::-1]
        self.l_mu.copy_(torch.as_tensor(mu))
        self.l_sd.copy_(torch.as_tensor(sd))
        self.basis.copy_(torch.as_tensor(evecs[:, order[: self.k]]))
        self.explained.fill_(float(evals[order[: self.k]].sum() / max(evals.sum(), 1e-12)))
        lr = np.log(total / (1000.0 * e))
        self.r_stats.copy_(torch.tensor([lr.mean(), max(lr.std(), 1e-9)]))
        raw = self._raw(torch.as_tensor(x), torch.as_tensor(e)).numpy()
        w_mu = raw.mean(0)
        wev, wvec = np.linalg.eigh(np.cov(raw - w_mu, rowvar=False))
        rot = wvec / np.sqrt(np.maximum(wev, 1e-12))[None, :]
        self.w_mu.copy_(torch.as_tensor(w_mu))
        self.w_rot.copy_(torch.as_tensor(rot))
        z = (raw - w_mu) @ rot
        self.lo.copy_(torch.as_tensor(z.min(0)))
        self.hi.copy_(torch.as_tensor(z.max(0)))

    def encode(self, x_mev: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """(B, k + 1) whitened latent coordinates of showers (MeV) at energies (GeV)."""
        return (self._raw(x_mev, energy_gev) - self.w_mu) @ self.w_rot

    def clip(self, z: torch.Tensor) -> torch.Tensor:
        """Latents clipped to the training range widened by ``MARGIN`` (differentiable inside it)."""
        pad = MARGIN * (self.hi - self.lo)
        return torch.maximum(torch.minimum(z, self.hi + pad), self.lo - pad)

    def decode(self, z: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """(B, V) showers, MeV, from (B, k + 1) latents at energies (GeV); differentiable."""
        raw = self.clip(z) @ torch.linalg.inv(self.w_rot) + self.w_mu
        logf = (raw[:, : self.k] @ self.basis.T) * self.l_sd + self.l_mu
        f = (torch.exp(logf) - DELTA).clamp_min(0)
        f = f / f.sum(1, keepdim=True).clamp_min(1e-12)
        response = torch.exp(raw[:, self.k] * self.r_stats[1] + self.r_stats[0])
        return f * (response * 1000.0 * energy_gev)[:, None]


def median_bandwidth(z: np.ndarray, max_n: int = 2000, seed: int = 0) -> float:
    """Median pairwise Euclidean distance of up to ``max_n`` rows of ``z`` (the median heuristic)."""
    z = np.asarray(z, dtype=np.float64)
    if len(z) > max_n:
        z = z[np.random.default_rng(seed).choice(len(z), max_n, replace=False)]
    d = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(-1))
    return float(np.median(d[np.triu_indices(len(z), 1)]))


def multiscale_mmd2(x: torch.Tensor, y: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """Biased squared MMD of samples (n, d), (m, d): sum of Gaussian kernels exp(-|a-b|^2 / (2 sigma^2))."""
    xx, yy, xy = torch.cdist(x, x) ** 2, torch.cdist(y, y) ** 2, torch.cdist(x, y) ** 2
    total = x.new_zeros(())
    for s in sigmas:
        h = 2 * s**2
        total = total + torch.exp(-xx / h).mean() + torch.exp(-yy / h).mean() - 2 * torch.exp(-xy / h).mean()
    return total


SCALES = (0.25, 0.5, 1.0, 2.0, 4.0)  # kernel widths in units of the median pairwise distance
LR_FLOOR = 0.05  # the cosine decay ends at lr x LR_FLOOR


class LatentGenerator(ShowerModel):
    """Base of generators in the PCA latent; subclasses define :meth:`sample_latent` and the optimiser."""

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        v = int(data_meta["n_pixels"])
        self.latent = PCALatent(v, int(config.get("components", min(4, v))))
        self.register_buffer("sigmas", torch.ones(len(SCALES), dtype=torch.float64))
        self.register_buffer("c_stats", torch.tensor([0.5, 0.3], dtype=torch.float64))
        self.register_buffer("step_count", torch.zeros((), dtype=torch.int64))

    @property
    def dim(self) -> int:
        """Latent coordinates the generator produces (components + 1)."""
        return self.latent.dim

    def fit_stats(self, data: ShowerData) -> None:
        self.latent.fit(data.showers_mev, data.energies_gev)
        c = self.condition(data.energies_gev)
        self.c_stats.copy_(torch.tensor([c.mean(), max(c.std(), 1e-6)]))
        feats = self.mmd_features(self.latent.encode(torch.as_tensor(data.showers_mev),
                                                     torch.as_tensor(data.energies_gev)),
                                  torch.as_tensor(data.energies_gev))
        med = median_bandwidth(feats.numpy(), seed=int(self.config.get("seed", 0)))
        self.sigmas.copy_(torch.as_tensor([med * s for s in SCALES]))

    def mmd_features(self, z: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """(B, k + 2): the latent and the standardised condition (the MMD sees the joint distribution)."""
        c = (self.condition_tensor(energy_gev) - self.c_stats[0]) / self.c_stats[1]
        return torch.cat([z, c[:, None]], dim=1)

    def sample_latent(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """(B, k + 1) latents at the given energies; differentiable in the trainable parameters."""
        raise NotImplementedError

    def generate_torch(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.latent.decode(self.sample_latent(energy_gev, generator), energy_gev)

    def mmd_loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        """Multi-scale MMD^2 between generated and real (latent, c) at the batch's energies."""
        energy = batch["energy"]
        fake = self.mmd_features(self.latent.clip(self.sample_latent(energy, generator)), energy)
        real = self.mmd_features(self.latent.encode(batch["x"], energy), energy)
        return multiscale_mmd2(fake, real, self.sigmas)

    monitor_label = "latent MMD² (held out)"

    def loss_for_monitoring(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> float:
        """The multi-scale latent MMD^2 on the held-out batch (comparable before and after training)."""
        with torch.no_grad():
            return float(self.mmd_loss(batch, generator))

    def current_lr(self) -> float:
        """Cosine-decayed learning rate at the current step."""
        lr = float(self.config.get("lr", 0.02))
        total = max(int(self.config.get("steps", 1)), 1)
        t = min(int(self.step_count), total) / total
        return lr * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * t)))

    def optimise(self, opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        """One step of ``opt`` at the scheduled learning rate."""
        for group in opt.param_groups:
            group["lr"] = self.current_lr()
        opt.zero_grad()
        loss.backward()
        opt.step()
        self.step_count += 1

    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        loss = self.mmd_loss(batch, generator)
        self.optimise(self.opt, loss)
        return {"mmd": loss.item()}

    def build_optimizers(self) -> list[torch.optim.Optimizer]:
        params = [p for p in self.parameters() if p.requires_grad]
        self.opt = torch.optim.Adam(params, lr=self.current_lr())
        return [self.opt]

    @staticmethod
    def uniform_noise(shape: tuple[int, ...], generator: torch.Generator, scale: float = 1.0) -> torch.Tensor:
        """Uniform noise in [0, scale), float64."""
        return torch.rand(shape, generator=generator, dtype=torch.float64) * scale

    def latent_summary(self) -> dict[str, float]:
        """What the frozen latent keeps: the variance share of the k shape components."""
        return {"components": self.latent.k, "explained_variance": float(self.latent.explained),
                "kernel_widths": [float(s) for s in self.sigmas]}

