"""What every shower generator shares: data preparation, the model interface, the MMD loss.

A shower of V pixels (MeV) at incident energy E (GeV) is described by its shape
(energy fractions f, summing to 1), its response r = sum(x) / E (the calorimeter
response, deposited over incident energy) and the condition c = ln(E/E_min) / ln(E_max/E_min)
in [0, 1]. Models generate both shape and response: normalised probabilities alone
would fix the total energy.

Jet-image files train the same models: a P x P image of energy fractions E_pixel / E_jet
becomes a "shower" of P^2 pixels in MeV (fraction x E_jet x 1000) at "incident" energy
E_jet, so the response is the fraction of the jet energy inside the window and the
condition is the jet energy. ``label`` selects the quark or the gluon jets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["JET_LABELS", "ShowerData", "ShowerModel", "mmd2"]

JET_LABELS = {"quark": 1, "gluon": 0}  # the label values of jet-image files


@dataclass
class ShowerData:
    """Training showers with their derived quantities (all float64 numpy)."""

    showers_mev: np.ndarray  # (N, V)
    energies_gev: np.ndarray  # (N,)
    e_min: float
    e_max: float
    image_shape: tuple[int, ...] = ()

    @classmethod
    def from_file(cls, path: str, label: str | None = None) -> ShowerData:
        """Read a CaloChallenge-layout or jet-image file (checked); ``label`` (quark | gluon) picks jets."""
        from qhep.data.io import file_kind, read_calo

        if file_kind(path) == "jet-images":
            return cls.from_jet_images(path, label)
        if label:
            raise ValueError(f"{path}: a calorimeter file has no quark/gluon labels; drop label={label!r}")
        f = read_calo(path)
        shape = tuple(int(s) for s in f.attrs.get("image_shape", ()) or (f.n_voxels,))
        if int(np.prod(shape)) != f.n_voxels:
            shape = (f.n_voxels,)
        return cls(f.showers_mev.astype(np.float64), f.energies_gev, float(f.energies_gev.min()),
                   float(f.energies_gev.max()), shape)

    @classmethod
    def from_jet_images(cls, path: str, label: str | None = None) -> ShowerData:
        """Jet images as showers: pixel = fraction x E_jet (MeV), condition = E_jet (GeV)."""
        from qhep.data.io import read_jet_images

        jets = read_jet_images(path)
        keep = np.ones(len(jets.labels), dtype=bool)
        if label:
            if label not in JET_LABELS:
                raise ValueError(f"label must be quark or gluon, not {label!r}")
            keep = jets.labels == JET_LABELS[label]
            if not keep.any():
                raise ValueError(f"{path}: no {label} jets in the file")
        images = jets.images[keep].astype(np.float64)
        energy = np.asarray(jets.jet_energy[keep], dtype=np.float64)
        n, p = images.shape[0], images.shape[1]
        return cls(images.reshape(n, p * p) * energy[:, None] * 1000.0, energy, float(energy.min()),
                   float(energy.max()), (p, p))

    @property
    def n_pixels(self) -> int:
        """Pixels per shower."""
        return int(self.showers_mev.shape[1])

    @property
    def response(self) -> np.ndarray:
        """(N,) sum(x) / E."""
        return self.showers_mev.sum(1) / (1000.0 * self.energies_gev)

    @property
    def pixel_scale(self) -> np.ndarray:
        """(V,) s_i: the largest pixel / E (MeV / MeV) in the data, x 1.05, so pixel / (E s_i) stays below 1."""
        ratio = self.showers_mev / (1000.0 * self.energies_gev[:, None])
        return np.maximum(ratio.max(0) * 1.05, 1e-9)

    @property
    def fractions(self) -> np.ndarray:
        """(N, V) energy fractions."""
        total = self.showers_mev.sum(1, keepdims=True)
        return np.divide(self.showers_mev, total, out=np.zeros_like(self.showers_mev), where=total > 0)

    def meta(self) -> dict[str, Any]:
        """What a run stores to rebuild the conditioning later."""
        return {"e_min": self.e_min, "e_max": self.e_max, "n_pixels": self.n_pixels,
                "image_shape": list(self.image_shape or (self.n_pixels,))}


def mmd2(x: torch.Tensor, y: torch.Tensor, bandwidths: tuple[float, ...] = (0.05, 0.2, 1.0)) -> torch.Tensor:
    """Biased squared MMD between samples (n, d) and (m, d), sum of Gaussian kernels."""
    xx, yy, xy = torch.cdist(x, x) ** 2, torch.cdist(y, y) ** 2, torch.cdist(x, y) ** 2
    total = x.new_zeros(())
    for h in bandwidths:
        total = total + torch.exp(-xx / (2 * h)).mean() + torch.exp(-yy / (2 * h)).mean() \
            - 2 * torch.exp(-xy / (2 * h)).mean()
    return total


class ShowerModel(torch.nn.Module):
    """Interface of every generator: set up from data, one training step, generate showers.

    Subclasses set ``name``, ``kind`` (``"quantum"``, ``"hybrid"``, ``"classical"``) and
    ``mitigated_readout`` (what mitigated sampling applies to, for the docs and metadata).
    """

    name = "base"
    kind = "classical"
    mitigated_readout = "none"
    mmd_bandwidths: tuple[float, ...] = (0.05, 0.2, 1.0)
    #: what :meth:`loss_for_monitoring` measures, for the y label of ``losses.png``
    monitor_label = "MMD² of normalised showers (held out)"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__()
        self.data_meta = dict(data_meta)
        self.config = dict(config)

    def condition(self, energies_gev: np.ndarray) -> np.ndarray:
        """Condition c in [0, 1] for incident energies (GeV), as during training."""
        lo, hi = self.data_meta["e_min"], self.data_meta["e_max"]
        if hi <= lo:
            return np.zeros(len(energies_gev))
        return np.clip(np.log(np.asarray(energies_gev) / lo) / np.log(hi / lo), 0, 1)

    def condition_tensor(self, energies_gev) -> torch.Tensor:
        """:meth:`condition` as a float64 tensor, for energies given as a tensor or an array."""
        return torch.as_tensor(self.condition(np.asarray(energies_gev)), dtype=torch.float64)

    def fit_stats(self, data: ShowerData) -> None:
        """Learn fixed statistics from the training data (stored in the state dict)."""

    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        """One optimisation step on a batch; returns scalar losses by name."""
        raise NotImplementedError

    def loss_for_monitoring(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> float:
        """A loss comparable between models and before/after training (MMD on normalised showers)."""
        with torch.no_grad():
            fake = self.generate_torch(batch["energy"], generator)
            return float(mmd2(self.normalise(fake, batch["energy"]), self.normalise(batch["x"], batch["energy"]),
                              self.mmd_bandwidths))

    def normalise(self, x_mev: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """Showers divided by the incident energy (MeV / MeV)."""
        return x_mev / (1000.0 * energy_gev[:, None])

    def generate_torch(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """(B, V) showers, MeV, on the training backend (statevector); differentiable."""
        raise NotImplementedError

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000) -> np.ndarray:
        """(N, V) showers, MeV, at the given incident energies, on ``runner``.

        None or an exact runner (``statevector``) takes the model's own exact path
        (:func:`qhep.execution.is_exact`); a shot runner estimates the circuit on its backend.
        """
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            return self.generate_torch(torch.as_tensor(energies_gev, dtype=torch.float64), gen).numpy()

    def expectations_on(self, module, energies_gev: np.ndarray, runner, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(per-qubit <Z> clamped to [-1, 1], energies) of ``module`` run on ``runner`` for the model's inputs.

        For models whose circuit reads its inputs from ``self._inputs(energy, generator)``: the same
        latent draws as the exact path for the same ``seed``, so noisy and noiseless samples pair up.
        """
        gen = torch.Generator().manual_seed(seed)
        energy = torch.as_tensor(energies_gev, dtype=torch.float64)
        with torch.no_grad():
            return module.on(runner)(self._inputs(energy, gen)).clamp(-1, 1), energy

    def parameter_count(self) -> int:
        """Trainable parameters of the generator (what is matched against the classical baseline)."""
        return sum(p.numel() for n, p in self.named_parameters() if not n.startswith("disc"))
