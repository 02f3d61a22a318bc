"""Classical GAN baselines: a generator MLP matched in trainable parameters to a quantum one, and a large one.

``size="matched"`` picks the hidden width whose generator parameter count is
closest to ``match_params`` (default: the hybrid qGAN's weight count for the same
pixels); ``size="large"`` is two hidden layers of 64. Adversarial training of the
large GAN did not converge in the benchmark (``benchmarks/generators/results.md``); the
converged classical reference there is the large ``ddpm`` (20,000 steps).
"""

from __future__ import annotations

from typing import Any

import torch

from qhep.models.adversarial import GANModel

__all__ = ["ClassicalGAN", "matched_width", "mlp"]


def mlp(n_in: int, widths: list[int], n_out: int,
        activation: type[torch.nn.Module] = torch.nn.Tanh) -> torch.nn.Sequential:
    """A float64 MLP with ``activation`` after every hidden layer (generators and denoisers share it)."""
    layers: list[torch.nn.Module] = []
    prev = n_in
    for w in widths:
        layers += [torch.nn.Linear(prev, w), activation()]
        prev = w
    layers.append(torch.nn.Linear(prev, n_out))
    return torch.nn.Sequential(*layers).double()


def matched_width(n_in: int, n_out: int, target: int) -> int:
    """Hidden width h of a one-hidden-layer MLP with parameter count closest to ``target``."""
    return min(range(1, 257), key=lambda h: abs((n_in + 1) * h + (h + 1) * n_out - target))


class ClassicalGAN(GANModel):
    """Classical conditional GAN generator (MLP) with the same discriminator as the qGAN."""

    name = "gan"
    kind = "classical"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        v = int(data_meta["n_pixels"])
        n_in, n_out = self.n_latent + 1, v + 1
        if config.get("size", "matched") == "large":
            widths = [64, 64]
        else:
            target = int(config.get("match_params", 0)) or _qgan_weights(v, int(config.get("layers", 3)))
            widths = [matched_width(n_in, n_out, target)]
        self.gen = mlp(n_in, widths, n_out)

    def shape_and_response(self, z: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.gen(torch.cat([z, c[:, None]], dim=1))
        return torch.softmax(out[:, :-1], dim=1), torch.sigmoid(out[:, -1])


def _qgan_weights(n_pixels: int, layers: int) -> int:
    import math

    n = max(1, math.ceil(math.log2(n_pixels))) + 1
    return 2 * n * layers + n
