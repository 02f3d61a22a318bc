"""``unet``: a small convolutional (U-Net style) DDPM for square images, the classical image reference.

The MLP ``ddpm`` sees an 8x8 image as 64 unrelated numbers; a convolution shares its weights
across positions, as the images' structure asks. Same features, loss and samplers as the other
denoisers (:class:`qhep.models.denoisers.DenoisingModel`: pixel / (E s_i), standardised, log for
sparse jets, or ``representation: shape+total``); only the noise predictor differs:

- two resolutions (H x W with ``channels``, H/2 x W/2 with twice as many), a residual block at
  each, a strided convolution down, a transposed convolution up, and a skip connection that
  concatenates the full-resolution features with the upsampled ones (Ronneberger et al.,
  arXiv:1505.04597; Ho et al.'s DDPM uses the same shape, deeper);
- a timestep embedding (sin/cos of pi t / T at ``N_EMB`` frequencies, plus the condition c, through
  a 2-layer MLP) added to every residual block;
- with ``shape+total`` the extra feature (the response) enters as a constant input channel and
  its noise is read from the pooled bottleneck by a linear head.

The network runs in float32 (the samplers stay in float64): on a CPU it is twice as fast, and a
noise predictor needs no more precision than its training error.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from qhep.models.denoisers import DenoisingModel

__all__ = ["ConvDDPM", "UNet"]

N_EMB = 8  # frequencies of the timestep embedding


class _Block(nn.Module):
    """Residual block: (GroupNorm, SiLU, 3x3 conv) twice, the time embedding added between."""

    def __init__(self, c_in: int, c_out: int, emb: int) -> None:
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(min(8, c_in), c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.t = nn.Linear(emb, c_out)
        self.n2, self.c2 = nn.GroupNorm(min(8, c_out), c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.c1(nn.functional.silu(self.n1(x))) + self.t(emb)[:, :, None, None]
        return self.skip(x) + self.c2(nn.functional.silu(self.n2(h)))


class UNet(nn.Module):
    """eps(x_t, t, c) on (B, 1 + extra, H, W) images; H and W even. Returns (image eps, extra eps)."""

    def __init__(self, channels: int = 32, extra: int = 0, emb: int = 64) -> None:
        super().__init__()
        self.extra = extra
        self.embed = nn.Sequential(nn.Linear(2 * N_EMB + 1, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.inc = nn.Conv2d(1 + extra, channels, 3, padding=1)
        self.enc = _Block(channels, channels, emb)
        self.down = nn.Conv2d(channels, 2 * channels, 3, stride=2, padding=1)
        self.mid = _Block(2 * channels, 2 * channels, emb)
        self.up = nn.ConvTranspose2d(2 * channels, channels, 2, stride=2)
        self.dec = _Block(2 * channels, channels, emb)  # upsampled + skip
        self.out = nn.Conv2d(channels, 1, 3, padding=1)
        self.head = nn.Linear(2 * channels, extra) if extra else None

    def forward(self, x: torch.Tensor, tau: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        freq = math.pi * tau[:, None] * torch.arange(1, N_EMB + 1, dtype=x.dtype, device=x.device)
        emb = self.embed(torch.cat([freq.sin(), freq.cos(), c[:, None]], 1))
        h0 = self.enc(self.inc(x), emb)
        h1 = self.mid(self.down(h0), emb)
        h = self.dec(torch.cat([self.up(h1), h0], 1), emb)
        return self.out(h)[:, 0], (self.head(h1.mean((2, 3))) if self.head is not None else None)


class ConvDDPM(DenoisingModel):
    """Classical DDPM with a convolutional U-Net noise predictor on square images."""

    name = "unet"
    kind = "classical"
    mitigated_readout = "none (classical)"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        if self.latent:
            raise ValueError("unet diffuses images: drop latent (the latent variants are MLPs)")
        v = int(data_meta["n_pixels"])
        side = math.isqrt(v)
        if side * side != v or side % 2:
            raise ValueError(f"unet needs a square image of even side; the data have {v} pixels")
        self.side = side
        with torch.random.fork_rng():
            torch.manual_seed(int(config.get("seed", 0)))
            self.net = UNet(int(config.get("channels", 32)), self.n_features - v)
        self._average_weights(float(config.get("ema", 0.0)))

    def build_optimizers(self) -> list[torch.optim.Optimizer]:
        trainable = [p for p in self.parameters() if p.requires_grad]
        self.opt = torch.optim.Adam(trainable, lr=float(self.config.get("lr", 2e-3)))
        return [self.opt]

    def eps(self, y_t: torch.Tensor, t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        b, v = y_t.shape[0], self.side * self.side
        x = y_t.float()
        img = x[:, :v].reshape(b, 1, self.side, self.side)
        if x.shape[1] > v:  # the response as constant channels
            img = torch.cat([img, x[:, v:, None, None].expand(b, x.shape[1] - v, self.side, self.side)], 1)
        tau = t.float() / self.schedule.steps
        eps_img, eps_extra = self.net(img, tau, c.float())
        out = eps_img.reshape(b, v)
        if eps_extra is not None:
            out = torch.cat([out, eps_extra], 1)
        return out.double()
