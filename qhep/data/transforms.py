"""Transforms the models need: down-sampling of voxel grids, energy fractions, per-pixel normalisation.

All work on flat (N, n_voxels) arrays, as stored, with the image shape given
explicitly (``Geometry.image_shape`` or the file's ``image_shape`` attribute).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PixelNormalizer", "downsample", "energy_fractions", "from_fractions"]


def downsample(showers: np.ndarray, image_shape: tuple[int, ...], factors: tuple[int, ...]) -> np.ndarray:
    """Sum blocks of ``factors`` voxels along each image axis; energy is conserved. Returns (N, V')."""
    x = np.asarray(showers)
    shape = tuple(int(s) for s in image_shape)
    if len(factors) != len(shape):
        raise ValueError(f"need one factor per image axis {shape}, got {factors}")
    if x.ndim != 2 or x.shape[1] != int(np.prod(shape)):
        raise ValueError(f"showers of shape {x.shape} do not hold images of shape {shape}")
    if any(s % f for s, f in zip(shape, factors)):
        raise ValueError(f"image shape {shape} is not divisible by factors {factors}")
    split = [x.shape[0]]
    for s, f in zip(shape, factors):
        split += [s // f, f]
    blocks = x.reshape(split)
    return blocks.sum(axis=tuple(range(2, 2 * len(shape) + 1, 2))).reshape(x.shape[0], -1)


def energy_fractions(showers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fractions, totals): voxel energy over the shower's total, and the total (same unit as input)."""
    x = np.asarray(showers, dtype=np.float64)
    total = x.sum(axis=1)
    frac = np.divide(x, total[:, None], out=np.zeros_like(x), where=total[:, None] > 0)
    return frac, total


def from_fractions(fractions: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Inverse of :func:`energy_fractions`."""
    return np.asarray(fractions) * np.asarray(totals)[:, None]


@dataclass
class PixelNormalizer:
    """Per-pixel standardisation, optionally of log(x + eps): z = (f(x) - mean) / std.

    ``inverse`` undoes it exactly (up to float rounding); pixels with zero spread keep std 1.
    """

    log: bool = False
    eps: float = 1e-3
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    def _f(self, x: np.ndarray) -> np.ndarray:
        return np.log(x + self.eps) if self.log else x

    def fit(self, x: np.ndarray) -> PixelNormalizer:
        """Learn the per-pixel mean and spread from (N, V) data."""
        fx = self._f(np.asarray(x, dtype=np.float64))
        self.mean = fx.mean(0)
        std = fx.std(0)
        self.std = np.where(std > 0, std, 1.0)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Normalise (N, V) data."""
        if self.mean is None or self.std is None:
            raise RuntimeError("PixelNormalizer.fit must be called first")
        return (self._f(np.asarray(x, dtype=np.float64)) - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Map normalised data back to the original scale."""
        if self.mean is None or self.std is None:
            raise RuntimeError("PixelNormalizer.fit must be called first")
        fx = np.asarray(z) * self.std + self.mean
        return np.exp(fx) - self.eps if self.log else fx

    def state(self) -> dict:
        """JSON-able state for checkpoints."""
        return {"log": self.log, "eps": self.eps, "mean": None if self.mean is None else self.mean.tolist(),
                "std": None if self.std is None else self.std.tolist()}

    @classmethod
    def from_state(cls, state: dict) -> PixelNormalizer:
        """Rebuild from :meth:`state`."""
        mean, std = state.get("mean"), state.get("std")
        return cls(state["log"], state["eps"], None if mean is None else np.asarray(mean),
                   None if std is None else np.asarray(std))
