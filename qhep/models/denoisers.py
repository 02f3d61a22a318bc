"""Denoising diffusion models of showers: the classical ``ddpm`` baseline and the hybrid ``qdenoiser``.

Both diffuse the same features: y = standardised (u) with u = pixel / (E s_i), the pixel energies
over the incident energy E and over s_i, the largest such ratio in training (x 1.05),
so the generated pixels carry the total energy (the response) as well as the shape.
For sparse data (``transform: log``; ``auto``, the default, picks it when more than 20 % of the
training pixels are empty, as in jet images) y = standardised log(u + 1e-4), and a generated
u below half the 1st percentile of that pixel's training hits is set to zero (a readout
threshold): jet images have a few hard hits among empty pixels, and in the linear variable even
the large DDPM's samples ran to 6-30 times the mean image (8x8 jets, 500 samples,
`benchmarks/diffusion/images.py`).
Both are trained with the DDPM objective || eps - eps_theta(y_t, t, c) ||^2 and sampled
with DDPM (all T steps, ``sampler="ddpm"``) or DDIM (``sampler="ddim"``, ``sample_steps``,
``eta``; :mod:`qhep.models.diffusion`), conditional on c = the log incident energy in [0, 1],
with the predicted x_0 clipped to the features' range at every step (``clip``, default on:
without it the 64-parameter predictors' samples ran to 30-40 times the mean image).

``qdenoiser`` is **hybrid**: the forward process is classical Gaussian noise and the
noise predictor is a parametrised Qiskit circuit with one qubit per feature. Each of
``layers`` layers re-uploads the inputs - RY(2 arctan y_i) on qubit i, RZ(pi t / T) and
RY(pi c) on every qubit - then trainable RY, RZ and a CZ chain (``entanglement: chain``, the
default of new runs: an open chain fits a device's coupling map without SWAPs) or ring
(``entanglement: ring``: routed onto 12 physical qubits of heavy-hex, about 100 times slower to
sample on ``fake:torino``; runs saved before chain became the default have no key and are rings). Signed outputs of the
image's size come from the per-qubit <Z_i> in [-1, 1] through a classical affine readout
eps_i = a_i <Z_i> + b_i (2 V parameters), because eps ~ N(0, 1) leaves [-1, 1].
``ddpm`` is classical: an MLP on (y_t, sin/cos time features, c), ``size="matched"``
(the hidden width whose parameter count is closest to the qdenoiser's), ``"large"``, or an
integer: the one- or two-hidden-layer MLP whose trainable parameter count is closest to it
(:func:`fit_widths`), so a baseline can be matched to any quantum model's count; ``hidden``
(a list of widths) sets the layers directly.

Representation (``representation``, both models): ``pixels`` (the default, above) or
``shape+total``, the representation of ``qdiffusion``'s amplitude encoding: V + 1 features,
the normalised shape x_i / sum x and the response r = sum x / E, each over its largest training
value (x 1.05). Samples are decoded as shape clipped at 0 and renormalised, times r E, so a
model compared in this representation differs from ``qdiffusion`` by the model alone.

Latent variants (``latent: D``, both models): a classical :class:`Autoencoder` maps the V
standardised pixels to D codes, is trained first and frozen, and the diffusion runs on the
standardised codes; samples are decoded. The qdenoiser then needs D qubits instead of V
(64- and 256-pixel images on 8 qubits) and stays **hybrid**; ``ddpm`` with the same ``latent``
is its classical twin in the same latent space.

Mitigated sampling (qdenoiser): ZNE and readout on the per-qubit <Z_i> at every step.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from qhep.models.base import ShowerData, ShowerModel
from qhep.models.diffusion import Schedule, ddim_sample, ddim_timesteps, ddpm_sample
from qhep.models.gan import matched_width, mlp

__all__ = ["Autoencoder", "ClassicalDDPM", "DenoisingModel", "QuantumDenoiser", "denoiser_circuit", "fit_widths",
           "mlp_parameters"]

N_FREQ = 2  # sin/cos time features at frequencies 1, 2 (x pi t / T)
LOG_DELTA = 1e-4  # the log transform's offset: log(u + delta), u = pixel / (E s_i) in [0, 1]
SPARSE = 0.2  # transform "auto": log when more than this fraction of training pixels is empty
REPRESENTATIONS = ("pixels", "shape+total")
SAMPLERS = ("ddpm", "ddim")
NOISY_SAMPLE_STEPS = 20  # DDIM steps at most when sampling on a backend that is not exact and no sampler was chosen


def mlp_parameters(n_in: int, widths: list[int], n_out: int) -> int:
    """Weights and biases of :func:`qhep.models.gan.mlp` (n_in -> widths -> n_out)."""
    sizes = [n_in, *widths, n_out]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def fit_widths(n_in: int, n_out: int, target: int, max_width: int = 4096) -> list[int]:
    """Hidden widths (one layer, or two where that comes closer) of the MLP whose count is closest to ``target``.

    Ties go to one layer. Two layers reach counts that one cannot (64 parameters on 8 pixels:
    one layer gives 52 or 74, two layers of 3 and 1 give 62); widths are searched up to 64 there.
    """
    if target < 1:
        raise ValueError(f"a target parameter count must be positive, not {target}")
    best = min(([h] for h in range(1, max_width + 1)), key=lambda w: abs(mlp_parameters(n_in, w, n_out) - target))
    for h1 in range(1, 65):
        for h2 in range(1, 65):
            if abs(mlp_parameters(n_in, [h1, h2], n_out) - target) < abs(mlp_parameters(n_in, best, n_out) - target):
                best = [h1, h2]
    return best


class Autoencoder(torch.nn.Module):
    """Classical autoencoder of the latent variants: V standardised pixels <-> D latent codes.

    Trained once, before the diffusion, with the mean squared reconstruction error (Adam,
    batch 256, seeded), then frozen: its weights are not counted as the denoiser's. Codes are
    standardised with the training codes' mean and spread; ``lo``/``hi`` are their range.
    """

    def __init__(self, v: int, d: int, seed: int = 0, width: int = 128) -> None:
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.enc = mlp(v, [width], d, torch.nn.SiLU)
            self.dec = mlp(d, [width], v, torch.nn.SiLU)
        for name in ("zmu", "lo", "hi"):
            self.register_buffer(name, torch.zeros(d, dtype=torch.float64))
        self.register_buffer("zsd", torch.ones(d, dtype=torch.float64))
        self.register_buffer("mse", torch.zeros((), dtype=torch.float64))

    def fit(self, y: torch.Tensor, steps: int, seed: int = 0) -> float:
        """Train on features (N, V); returns the final reconstruction MSE (in standardised units)."""
        gen = torch.Generator().manual_seed(seed)
        opt = torch.optim.Adam(self.parameters(), lr=2e-3)
        for _ in range(steps):
            idx = torch.randint(0, y.shape[0], (min(256, y.shape[0]),), generator=gen)
            loss = ((self.dec(self.enc(y[idx])) - y[idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            z = self.enc(y)
            self.zmu.copy_(z.mean(0))
            self.zsd.copy_(z.std(0).clamp_min(1e-6))
            zs = (z - self.zmu) / self.zsd
            self.lo.copy_(zs.min(0).values)
            self.hi.copy_(zs.max(0).values)
            self.mse.copy_(((self.dec(z) - y) ** 2).mean())
        for p in self.parameters():
            p.requires_grad_(False)
        return float(self.mse)

    def encode(self, y: torch.Tensor) -> torch.Tensor:
        """Standardised codes (B, D)."""
        return (self.enc(y) - self.zmu) / self.zsd

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Standardised pixel features (B, V) from standardised codes."""
        return self.dec(z * self.zsd + self.zmu)


class DenoisingModel(ShowerModel):
    """What ``ddpm`` and ``qdenoiser`` share: features, the DDPM loss, the samplers."""

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        self.representation = str(config.get("representation", "pixels"))
        if self.representation not in REPRESENTATIONS:
            raise ValueError(f"representation must be one of {REPRESENTATIONS}, not {self.representation!r}")
        v = self.n_features
        self.schedule = Schedule(int(config.get("diffusion_steps", 100)))
        self.register_buffer("scale", torch.ones(v, dtype=torch.float64))
        self.register_buffer("mu", torch.zeros(v, dtype=torch.float64))
        self.register_buffer("sd", torch.ones(v, dtype=torch.float64))
        self.transform = config.get("transform", "auto")
        if self.transform not in ("auto", "linear", "log"):
            raise ValueError(f"transform must be auto, linear or log, not {self.transform!r}")
        self.register_buffer("log_flag", torch.tensor(self.transform == "log"))
        self.register_buffer("threshold", torch.zeros(v, dtype=torch.float64))
        self.ema: torch.nn.Module | None = None  # the weight average of classical predictors (_average_weights)
        self.latent = int(config.get("latent", 0) or 0)
        self.ae = Autoencoder(v, self.latent, int(config.get("seed", 0))) if self.latent else None

    @property
    def n_features(self) -> int:
        """Features per shower before any latent: V pixels, or V shape fractions + the response."""
        return int(self.data_meta["n_pixels"]) + (self.representation == "shape+total")

    @property
    def dim(self) -> int:
        """Dimension the diffusion runs in: the latent size, or the feature count."""
        return self.latent or self.n_features

    def _ratios(self, x_mev: torch.Tensor | np.ndarray, energy_gev: torch.Tensor | np.ndarray):
        """Features before scaling: pixel / E (``pixels``) or (x_i / sum x, sum x / E) (``shape+total``)."""
        ratio = x_mev / (1000.0 * energy_gev[:, None])
        if self.representation == "pixels":
            return ratio
        if isinstance(ratio, np.ndarray):
            total = ratio.sum(1, keepdims=True)
            shape = np.divide(ratio, total, out=np.zeros_like(ratio), where=total > 0)
            return np.concatenate([shape, total], 1)
        total = ratio.sum(1, keepdim=True)
        return torch.cat([torch.where(total > 0, ratio / total.clamp_min(1e-300), 0.0), total], 1)

    def _pixels(self, ratios: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`_ratios`: pixels (B, V), MeV; a shape is clipped at 0 and renormalised."""
        e = 1000.0 * energy_gev[:, None]
        if self.representation == "pixels":
            return ratios.clamp_min(0) * e
        shape = ratios[:, :-1].clamp_min(0)
        norm = shape.sum(1, keepdim=True)
        shape = torch.where(norm > 0, shape / norm.clamp_min(1e-300), 0.0)
        return shape * ratios[:, -1:].clamp_min(0) * e

    @property
    def log(self) -> bool:
        """Diffuse log(u + delta) (sparse data) rather than u."""
        return bool(self.log_flag)

    def _forward_transform(self, u: torch.Tensor | np.ndarray):
        """u = pixel / (E s_i) in [0, 1] -> the diffused variable (u itself, or log(u + delta))."""
        if self.log:
            return np.log(u + LOG_DELTA) if isinstance(u, np.ndarray) else torch.log(u + LOG_DELTA)
        return u

    def _inverse_transform(self, w: torch.Tensor) -> torch.Tensor:
        return torch.exp(w) - LOG_DELTA if self.log else w

    def fit_stats(self, data: ShowerData) -> None:
        raw = self._ratios(data.showers_mev, data.energies_gev)
        self.scale.copy_(torch.as_tensor(np.maximum(raw.max(0) * 1.05, 1e-9)))
        u = raw / self.scale.numpy()
        if self.transform == "auto":
            self.log_flag.fill_(bool((u <= 0).mean() > SPARSE))
        if self.log:  # below half the smallest typical deposit (1st percentile of a pixel's hits) is empty
            hits = np.where(u > 0, u, np.nan)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                thr = 0.5 * np.nanpercentile(hits, 1, axis=0)
            self.threshold.copy_(torch.as_tensor(np.nan_to_num(thr, nan=1.0)))
        f = self._forward_transform(u)
        self.mu.copy_(torch.as_tensor(f.mean(0)))
        self.sd.copy_(torch.as_tensor(np.maximum(f.std(0), 1e-6)))
        if self.ae is not None:
            y = self._pixel_features(torch.as_tensor(data.showers_mev), torch.as_tensor(data.energies_gev))
            self.ae.fit(y, int(self.config.get("ae_steps", 2000)), seed=int(self.config.get("seed", 0)))

    def parameter_count(self) -> int:
        """Trainable denoiser parameters (the frozen autoencoder and the weight average not counted)."""
        return sum(p.numel() for n, p in self.named_parameters() if not n.startswith(("ae.", "ema.")))

    def _average_weights(self, decay: float) -> None:
        """Keep an exponential moving average of ``self.net`` (``decay`` per step; 0 = off; config ``ema``).

        DDPMs sample from the average of the late training weights (Ho et al., arXiv:2006.11239,
        decay 0.9999): single Adam iterates carry the gradient noise of the last batches, which the
        sampler's T network calls amplify. Uses :class:`torch.optim.swa_utils.AveragedModel`; the
        average is part of the state dict, so checkpoints and ``--resume`` keep it.
        """
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"ema must be a decay in [0, 1), not {decay}")
        if decay > 0:
            from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

            self.ema = AveragedModel(self.net, multi_avg_fn=get_ema_multi_avg_fn(decay))
            self.ema.requires_grad_(False)

    @contextmanager
    def averaged(self) -> Iterator[None]:
        """Within the block ``self.net`` holds the averaged weights (a no-op without ``ema``)."""
        ema = self.ema
        if ema is None:
            yield
            return
        live = [p.detach().clone() for p in self.net.parameters()]
        with torch.no_grad():
            for p, a in zip(self.net.parameters(), ema.module.parameters()):
                p.copy_(a)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, v in zip(self.net.parameters(), live):
                    p.copy_(v)

    def _pixel_features(self, x_mev: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        return (self._forward_transform(self._ratios(x_mev, energy_gev) / self.scale) - self.mu) / self.sd

    def features(self, x_mev: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """y (B, D): standardised pixel / (E s_i), or its standardised latent code (``latent``)."""
        y = self._pixel_features(x_mev, energy_gev)
        return y if self.ae is None else self.ae.encode(y)

    def showers(self, y: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        """Pixels (B, V), MeV, from features; negative energies are cut to zero."""
        if self.ae is not None or self.log:  # decoded or exponentiated: keep u = pixel / (E s_i) within [0, 1]
            if self.ae is not None:
                y = self.ae.decode(y)
            lo, hi = self._pixel_range()
            y = torch.maximum(torch.minimum(y, hi), lo)
        u = self._inverse_transform(y * self.sd + self.mu)
        if self.log:
            u = torch.where(u < self.threshold, 0.0, u)
        return self._pixels(u * self.scale, energy_gev)

    def feature_range(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(lo, hi) of the features: the x_0 clip of the samplers."""
        return (self.ae.lo, self.ae.hi) if self.ae is not None else self._pixel_range()

    def _pixel_range(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(lo, hi) of the standardised pixel features: u = 0 and u = 1."""
        lo, hi = self._forward_transform(torch.zeros(())), self._forward_transform(torch.ones(()))
        return (lo - self.mu) / self.sd, (hi - self.mu) / self.sd

    def eps(self, y_t: torch.Tensor, t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """Predicted noise (B, V)."""
        raise NotImplementedError

    def build_optimizers(self) -> list[torch.optim.Optimizer]:
        trainable = [p for p in self.parameters() if p.requires_grad]
        self.opt = torch.optim.Adam(trainable, lr=float(self.config.get("lr", 0.01)))
        return [self.opt]

    def denoising_loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator,
                       t: torch.Tensor | None = None) -> torch.Tensor:
        """Mean || eps - eps_theta ||^2 / V at random (or given) steps t."""
        y0 = self.features(batch["x"], batch["energy"])
        if t is None:
            t = torch.randint(0, self.schedule.steps, (y0.shape[0],), generator=generator)
        noise = torch.randn(y0.shape, generator=generator, dtype=torch.float64)
        pred = self.eps(self.schedule.q_sample(y0, t, noise), t, self.condition_tensor(batch["energy"]))
        return ((pred - noise) ** 2).mean()

    def training_step(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, float]:
        loss = self.denoising_loss(batch, generator)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        if self.ema is not None:
            self.ema.update_parameters(self.net)
        return {"denoising": loss.item()}

    monitor_label = "denoising loss (held out)"

    def loss_for_monitoring(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> float:
        """Denoising loss on the batch (sampling every time would cost T network calls)."""
        with torch.no_grad(), self.averaged():
            return float(self.denoising_loss(batch, generator))

    def sampler_plan(self, exact: bool = True, sampler: str | None = None,
                     sample_steps: int | None = None) -> tuple[str, int]:
        """(sampler, number of noise-predictor calls per sample) that sampling will use.

        ``sampler`` / ``sample_steps`` given here (``qhep sample --sampler``) win; then the run's
        config. On a backend that is not exact and with no sampler chosen anywhere, DDIM with at
        most :data:`NOISY_SAMPLE_STEPS` steps: every step is a circuit per sample on the device
        (or its noisy simulation), and DDPM's T = 100 steps cost five times as much.
        """
        chosen = sampler or self.config.get("sampler")
        steps = int(sample_steps or self.config.get("sample_steps", 20))
        if chosen is None:
            if exact:
                chosen = "ddpm"
            else:
                chosen, steps = "ddim", min(steps, NOISY_SAMPLE_STEPS) if sample_steps is None else steps
        if chosen not in SAMPLERS:
            raise ValueError(f"sampler must be one of {SAMPLERS}, not {chosen!r}")
        if steps < 1:
            raise ValueError(f"sample_steps must be a positive integer, not {steps}")
        if chosen == "ddpm":
            return chosen, self.schedule.steps
        return chosen, len(ddim_timesteps(self.schedule.steps, steps))

    def sample_features(self, energy_gev: torch.Tensor, generator: torch.Generator, eps_fn=None, *,
                        plan: tuple[str, int] | None = None, progress: bool = False) -> torch.Tensor:
        """Features (B, V) from ``plan`` (:meth:`sampler_plan`; default: the configured sampler)."""
        c = self.condition_tensor(energy_gev)
        fn = eps_fn or self.eps

        def predictor(y, t):
            return fn(y, t, c)

        shape = (energy_gev.shape[0], self.dim)
        # predicted x_0 stays in the features' range: pixel / (E s_i) in [0, 1], or the latent codes' range
        clip = self.feature_range() if self.config.get("clip", True) else None
        sampler, steps = plan or self.sampler_plan()
        if sampler == "ddim":
            return ddim_sample(predictor, shape, self.schedule, generator, clip=clip, steps=steps,
                               eta=float(self.config.get("eta", 0.0)), progress=progress)
        return ddpm_sample(predictor, shape, self.schedule, generator, clip=clip, progress=progress)

    def generate_torch(self, energy_gev: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        with self.averaged():
            return self.showers(self.sample_features(energy_gev, generator), energy_gev)

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000, *,
                 plan: tuple[str, int] | None = None, progress: bool = False, on_step=None) -> np.ndarray:
        """(N, V) showers, MeV, with ``plan`` (:meth:`sampler_plan`), a progress bar on stderr if asked.

        A classical noise predictor ignores ``runner`` (as every classical model does).

        ``on_step(seconds)`` is called after every call of the noise predictor (one sampler step
        over the whole batch) with its wall time.
        """
        gen = torch.Generator().manual_seed(seed)
        energy = torch.as_tensor(energies_gev, dtype=torch.float64)
        with torch.no_grad(), self.averaged():
            y = self.sample_features(energy, gen, _timed(self.eps, on_step), plan=plan, progress=progress)
            return self.showers(y, energy).numpy()


def _timed(fn, on_step):
    """``fn`` reporting each call's wall time to ``on_step`` (``fn`` itself when there is none)."""
    if on_step is None:
        return fn

    def wrapped(*args):
        start = time.perf_counter()
        out = fn(*args)
        on_step(time.perf_counter() - start)
        return out

    return wrapped


def _time_features(t: torch.Tensor, steps: int) -> torch.Tensor:
    phase = torch.pi * t.to(torch.float64)[:, None] / steps * torch.arange(1, N_FREQ + 1, dtype=torch.float64)
    return torch.cat([phase.sin(), phase.cos()], dim=1)


class ClassicalDDPM(DenoisingModel):
    """Classical noise predictor: an MLP on (y_t, time features, c)."""

    name = "ddpm"
    kind = "classical"
    mitigated_readout = "none (classical)"

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        d = self.dim
        n_in = d + 2 * N_FREQ + 1
        self.net = mlp(n_in, self.widths(n_in, d, config), d, torch.nn.SiLU)
        self._average_weights(float(config.get("ema", 0.0)))

    @staticmethod
    def widths(n_in: int, d: int, config: dict[str, Any]) -> list[int]:
        """Hidden widths from ``hidden``, or ``size``: matched (the qdenoiser's count), large, or a target count."""
        if config.get("hidden") is not None:
            widths = [int(w) for w in config["hidden"]]
            if not widths or min(widths) < 1:
                raise ValueError(f"hidden must be a list of positive widths, not {config['hidden']!r}")
            return widths
        size = config.get("size", "matched")
        if size == "large":
            return [int(config.get("width", 128))] * 3
        if size == "matched":
            target = int(config.get("match_params", 0)) or QuantumDenoiser.weight_count(d, int(config.get("layers", 3)))
            return [matched_width(n_in, d, target)]
        if isinstance(size, bool) or not isinstance(size, int | str) or not str(size).isdigit() or int(size) < 1:
            raise ValueError(f"size must be matched, large or a positive parameter count, not {size!r}")
        return fit_widths(n_in, d, int(size))

    def eps(self, y_t: torch.Tensor, t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([y_t, _time_features(t, self.schedule.steps), c[:, None]], dim=1))


ENTANGLEMENTS = ("ring", "chain")


def denoiser_circuit(n: int, layers: int, entanglement: str = "ring"):
    """(circuit, input parameters) of the qdenoiser: inputs (2 arctan y_1..n, pi t/T, pi c).

    ``entanglement``: CZ on a ring (the default) or an open chain. A chain of n qubits is a
    path on IBM's heavy-hex lattice, so it transpiles without SWAPs; an 8-qubit ring has no
    such embedding (heavy-hex's shortest cycle is 12) and routing spread it over 12 physical
    qubits on ``fake:torino`` (``benchmarks/diffusion/noisy.py``).
    """
    if entanglement not in ENTANGLEMENTS:
        raise ValueError(f"entanglement must be one of {ENTANGLEMENTS}, not {entanglement!r}")
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    x = ParameterVector("x", n + 2)
    w = ParameterVector("w", 2 * n * layers)
    qc = QuantumCircuit(n)
    for layer in range(layers):
        for q in range(n):
            qc.ry(x[q], q)
            qc.rz(x[n], q)
            qc.ry(x[n + 1], q)
        for q in range(n):
            qc.ry(w[2 * n * layer + q], q)
            qc.rz(w[2 * n * layer + n + q], q)
        if n > 1:
            for q in range(n if n > 2 and entanglement == "ring" else n - 1):
                qc.cz(q, (q + 1) % n)
    return qc, list(x)


class QuantumDenoiser(DenoisingModel):
    """Hybrid: a parametrised circuit predicts the noise of a classical Gaussian diffusion."""

    name = "qdenoiser"
    kind = "hybrid"
    mitigated_readout = "ZNE + readout on per-qubit <Z> at every denoising step"

    @staticmethod
    def weight_count(v: int, layers: int) -> int:
        """Circuit weights plus the affine readout."""
        return 2 * v * layers + 2 * v

    def __init__(self, data_meta: dict[str, Any], config: dict[str, Any]) -> None:
        super().__init__(data_meta, config)
        from qhep.connectors import QuantumModule

        v = self.dim
        self.circuit, self.inputs = denoiser_circuit(v, int(config.get("layers", 3)),
                                                     str(config.get("entanglement", "ring")))
        self.qnn = QuantumModule(self.circuit, self.inputs, output="expectations",
                                 runner=config.get("backend", "statevector"), seed=int(config.get("seed", 0)))
        self.readout_a = torch.nn.Parameter(torch.full((v,), 1.5, dtype=torch.float64))
        self.readout_b = torch.nn.Parameter(torch.zeros(v, dtype=torch.float64))

    def _angles(self, y_t: torch.Tensor, t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        tau = torch.pi * t.to(torch.float64) / self.schedule.steps
        return torch.cat([2 * torch.atan(y_t), tau[:, None], torch.pi * c[:, None]], dim=1)

    def eps(self, y_t: torch.Tensor, t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return self.readout_a * self.qnn(self._angles(y_t, t, c)) + self.readout_b

    def generate(self, energies_gev: np.ndarray, runner=None, seed: int = 0, shots: int = 1000, *,
                 plan: tuple[str, int] | None = None, progress: bool = False, on_step=None) -> np.ndarray:
        """Showers sampled with every denoising step's <Z_i> estimated on ``runner`` (None: exact).

        ``plan``, ``progress``, ``on_step`` as in :meth:`DenoisingModel.generate`; without a plan
        the run's configured sampler, on every backend (``qhep sample`` passes the noisy-backend
        plan of :meth:`sampler_plan`).
        """
        from qhep.execution import is_exact

        if is_exact(runner):
            return super().generate(energies_gev, seed=seed, plan=plan, progress=progress, on_step=on_step)

        module = self.qnn.on(runner)

        def eps_fn(y, t, c):
            return self.readout_a * module(self._angles(y, t, c)).clamp(-1, 1) + self.readout_b

        gen = torch.Generator().manual_seed(seed)
        energy = torch.as_tensor(energies_gev, dtype=torch.float64)
        with torch.no_grad():
            y = self.sample_features(energy, gen, _timed(eps_fn, on_step), plan=plan, progress=progress)
            return self.showers(y, energy).numpy()
