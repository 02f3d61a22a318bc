"""Gaussian diffusion: the forward process in closed form and the DDPM and DDIM samplers.

Forward (Ho et al., arXiv:2006.11239): x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps with
abar_t = prod_{s <= t} (1 - beta_s), a linear beta schedule rescaled to the number of
steps T (beta from 0.1/T to 20/T, the T = 1000 schedule of the paper stretched).

Reverse, given a noise predictor eps(x_t, t, c):

- DDPM ancestral: x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) + sigma_t z with
  sigma_t^2 the posterior variance (1 - abar_{t-1}) / (1 - abar_t) beta_t;
- DDIM (Song et al., arXiv:2010.02502) on a sub-sequence of S steps:
  x_prev = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev - s^2) eps + s z,
  s = eta sqrt((1 - abar_prev) / (1 - abar_t)) sqrt(1 - abar_t / abar_prev).
  With eta = 1 and all steps this is DDPM step for step (same noise draws, same
  samples); eta = 0 is deterministic.

Written here rather than taken from ``diffusers``: the samplers are a few lines of
torch, and the models they drive are Qiskit circuits, not diffusers' UNets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

__all__ = ["Schedule", "ddim_sample", "ddpm_sample"]

EpsFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x_t (B, D), t (B,) int) -> eps (B, D)


class Schedule:
    """Linear beta schedule over ``steps`` diffusion steps (float64)."""

    def __init__(self, steps: int = 100) -> None:
        if steps < 1:
            raise ValueError("a diffusion needs at least one step")
        self.steps = steps
        self.betas = torch.linspace(0.1 / steps, min(20.0 / steps, 0.999), steps, dtype=torch.float64)
        self.alphas = 1 - self.betas
        self.alpha_bar = torch.cumprod(self.alphas, 0)

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t from x_0 (B, D) at steps t (B,) with noise eps (B, D): the closed-form marginal."""
        ab = self.alpha_bar[t][:, None]
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    def posterior_variance(self, t: int) -> float:
        """sigma_t^2 = (1 - abar_{t-1}) / (1 - abar_t) beta_t (0 at t = 0)."""
        if t == 0:
            return 0.0
        ab, ab_prev = self.alpha_bar[t], self.alpha_bar[t - 1]
        return float((1 - ab_prev) / (1 - ab) * self.betas[t])


Clip = tuple[torch.Tensor, torch.Tensor] | None


def _clipped(x: torch.Tensor, eps: torch.Tensor, ab: torch.Tensor, clip: Clip) -> tuple[torch.Tensor, torch.Tensor]:
    """(x0_hat, eps) with x0_hat = (x - sqrt(1 - abar) eps) / sqrt(abar) clipped to [lo, hi] and eps made consistent."""
    x0 = (x - (1 - ab).sqrt() * eps) / ab.sqrt()
    if clip is None:
        return x0, eps
    x0 = torch.maximum(torch.minimum(x0, clip[1]), clip[0])
    return x0, (x - ab.sqrt() * x0) / (1 - ab).sqrt()


def ddpm_sample(eps_fn: EpsFn, shape: tuple[int, int], schedule: Schedule, generator: torch.Generator,
                progress: bool = False, clip: Clip = None) -> torch.Tensor:
    """Ancestral DDPM sampling with all T steps: (B, D) samples.

    ``clip`` = (lo, hi) bounds the predicted x_0 at every step to the data's range (as Ho et al.
    clip images to [-1, 1]): an imperfect noise predictor otherwise drifts outside it and the
    sampler amplifies the drift.
    """
    x = torch.randn(shape, generator=generator, dtype=torch.float64)
    for t in _steps(range(schedule.steps - 1, -1, -1), progress, "DDPM"):
        tt = torch.full((shape[0],), t, dtype=torch.long)
        beta, ab = schedule.betas[t], schedule.alpha_bar[t]
        _, eps = _clipped(x, eps_fn(x, tt), ab, clip)
        x = (x - beta / (1 - ab).sqrt() * eps) / schedule.alphas[t].sqrt()
        if t > 0:
            x = x + np.sqrt(schedule.posterior_variance(t)) * torch.randn(shape, generator=generator,
                                                                           dtype=torch.float64)
    return x


def ddim_timesteps(total: int, steps: int) -> list[int]:
    """S evenly spaced steps from T - 1 down to 0 (all T when S >= T)."""
    steps = min(max(int(steps), 1), total)
    return sorted({int(round(v)) for v in np.linspace(0, total - 1, steps)}, reverse=True)


def ddim_sample(eps_fn: EpsFn, shape: tuple[int, int], schedule: Schedule, generator: torch.Generator, *,
                steps: int | None = None, eta: float = 0.0, progress: bool = False, clip: Clip = None) -> torch.Tensor:
    """DDIM sampling on ``steps`` of the T steps (default all), stochasticity ``eta``: (B, D) samples.

    ``clip`` as in :func:`ddpm_sample`.
    """
    taus = ddim_timesteps(schedule.steps, steps or schedule.steps)
    x = torch.randn(shape, generator=generator, dtype=torch.float64)
    one = torch.ones((), dtype=torch.float64)
    for i, t in enumerate(_steps(taus, progress, "DDIM")):
        ab = schedule.alpha_bar[t]
        ab_prev = schedule.alpha_bar[taus[i + 1]] if i + 1 < len(taus) else one
        x0_hat, eps = _clipped(x, eps_fn(x, torch.full((shape[0],), t, dtype=torch.long)), ab, clip)
        sigma = eta * ((1 - ab_prev) / (1 - ab)).sqrt() * (1 - ab / ab_prev).sqrt()
        x = ab_prev.sqrt() * x0_hat + (1 - ab_prev - sigma**2).clamp_min(0).sqrt() * eps
        if i + 1 < len(taus) and eta > 0:
            x = x + sigma * torch.randn(shape, generator=generator, dtype=torch.float64)
    return x


def _steps(seq, progress: bool, desc: str):
    if not progress:
        return seq
    from tqdm import tqdm

    return tqdm(seq, desc=desc, unit="step", leave=False)
