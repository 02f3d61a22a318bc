"""Shared fixtures of the diffusion tests: 8-pixel showers in memory and a short training loop."""

import numpy as np
import pytest
import torch


@pytest.fixture(scope="module")
def showers():
    from qhep.data.showers import generate_showers
    from qhep.models.base import ShowerData

    s = generate_showers(1500, (10, 100), geometry_name="8px", seed=3)
    return ShowerData(s.showers_mev.astype(np.float64), s.energies_gev, float(s.energies_gev.min()),
                      float(s.energies_gev.max()), (8,))


@pytest.fixture
def train_steps(showers):
    """train_steps(model, n): n optimiser steps on random batches of 64 showers (fixed seeds)."""

    def run(model, n: int) -> None:
        gen = torch.Generator().manual_seed(0)
        rng = np.random.default_rng(0)
        for _ in range(n):
            idx = rng.choice(showers.showers_mev.shape[0], 64)
            model.training_step({"x": torch.as_tensor(showers.showers_mev[idx]),
                                 "energy": torch.as_tensor(showers.energies_gev[idx])}, gen)

    return run
