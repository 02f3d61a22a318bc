"""Typed model configs: one frozen dataclass per model, misspelt keys refused by name.

A YAML config is a mapping of option: value; a typo (``latnet_qubits``) used to
train the default model silently. :func:`check_config` refuses any key the model
does not read, naming the nearest valid one (as ``--backend`` does for devices),
and refuses a value of the wrong type, in one line. It returns the caller's keys
only, type-coerced, so a model still falls back on its own defaults for the rest.
:func:`config_of` gives the typed view, every field filled.

A field's default is the effective default (``training.DEFAULTS`` over the model's own);
``None`` means the model derives it from the data (e.g. ``encoding`` from the pixel count).
``tests/models/test_config.py`` reads every model's source and fails when a model reads
a key its dataclass does not declare, or when a declared default drifts from the model's.
Models without a dataclass here (new ones not yet registered) are passed through unchecked.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qhep.errors import QhepError

__all__ = ["CONFIGS", "ConfigError", "check_config", "config_of"]


_POSITIVE = ("steps", "batch", "checkpoint_every")  # a zero or negative value trains nothing or divides by zero


class ConfigError(QhepError, ValueError):
    """A model config with an unknown key or a value of the wrong type."""


@dataclass(frozen=True)
class TrainingConfig:
    """Keys of the training loop, valid for every model.

    Attributes:
        steps: optimiser steps. batch: showers per step. seed: every random draw.
        backend: Runner SPEC the quantum layers run on during training.
        label: jet-image files: train on ``quark`` or ``gluon`` jets only.
        checkpoint_every: steps between checkpoints.
    """

    steps: int = 300
    batch: int = 64
    seed: int = 0
    backend: str = "statevector"
    label: str | None = None
    checkpoint_every: int = 50


@dataclass(frozen=True)
class QGANConfig(TrainingConfig):
    """``qgan``: hybrid quantum generator, classical critic."""

    layers: int = 3
    lr_generator: float = 0.01
    lr_discriminator: float = 0.001


@dataclass(frozen=True)
class GANConfig(TrainingConfig):
    """``gan``: classical GAN; ``size: matched`` sizes it to qgan's weight count at ``layers``."""

    size: str = "matched"
    match_params: int = 0
    layers: int = 3
    lr_generator: float = 0.01
    lr_discriminator: float = 0.001


@dataclass(frozen=True)
class QAGConfig(TrainingConfig):
    """``qag``: quantum angle generator (MERA upsampling)."""

    steps: int = 200
    latent_qubits: int = 2
    reupload: int = 0
    lr: float = 0.02


@dataclass(frozen=True)
class IQPConfig(TrainingConfig):
    """``iqp``: IQP Born machine trained on MMD (``bandwidths`` in units of the median distance)."""

    batch: int = 512
    bits_per_pixel: int | None = None
    pairs: str | None = None
    bandwidths: tuple[float, ...] = (0.5, 1.0, 2.0)
    words: int = 512
    z_samples: int = 512
    lr: float = 0.02


@dataclass(frozen=True)
class DenoiserConfig(TrainingConfig):
    """What ``qdenoiser`` and ``ddpm`` share: schedule, feature transform, latent autoencoder, sampler."""

    steps: int = 400
    diffusion_steps: int = 100
    transform: str = "auto"
    latent: int = 0
    ae_steps: int = 2000
    lr: float = 0.01
    clip: bool = True
    sampler: str = "ddpm"
    sample_steps: int = 20
    eta: float = 0.0
    layers: int = 3
    representation: str = "pixels"


@dataclass(frozen=True)
class QDenoiserConfig(DenoiserConfig):
    """``qdenoiser``: quantum-circuit noise predictor."""

    entanglement: str = "chain"


@dataclass(frozen=True)
class DDPMConfig(DenoiserConfig):
    """``ddpm``: classical noise predictor, ``size: matched`` to qdenoiser's weight count."""

    size: str | int = "matched"
    width: int = 128
    match_params: int = 0
    hidden: tuple[int, ...] | None = None
    ema: float = 0.0


@dataclass(frozen=True)
class QDiffusionConfig(TrainingConfig):
    """``qdiffusion``: fully quantum diffusion (scrambling channel forward, circuits backward)."""

    steps: int = 400
    encoding: str | None = None
    diffusion_steps: int = 10
    ancillas: int = 2
    trajectories: int = 4
    scramble: float = 6.0
    entangle: bool = True
    layers: int = 4
    time: str = "per-step"
    lr: float = 0.02


@dataclass(frozen=True)
class UNetConfig(TrainingConfig):
    """``unet``: convolutional DDPM (the classical image reference)."""

    steps: int = 2000
    batch: int = 128
    channels: int = 32
    lr: float = 0.002
    ema: float = 0.0
    transform: str = "auto"
    representation: str = "pixels"
    clip: bool = True
    sampler: str = "ddpm"
    diffusion_steps: int = 100
    latent: int = 0
    ae_steps: int = 2000
    sample_steps: int = 20
    eta: float = 0.0


@dataclass(frozen=True)
class QLatentConfig(TrainingConfig):
    """``qlatent``: quantum circuit producing PCA-latent coordinates, energy re-uploaded every layer."""

    steps: int = 1000
    batch: int = 512
    layers: int = 6
    components: int = 4
    lr: float = 0.03
    init_scale: float = 0.3


@dataclass(frozen=True)
class GaussConfig(TrainingConfig):
    """``gauss``: conditional Gaussian in the PCA latent (mean and covariance polynomial in ln E)."""

    steps: int = 300
    batch: int = 1024
    components: int = 4
    lr: float = 0.01
    degree: int = 2
    cov_degree: int = 1


@dataclass(frozen=True)
class MLPGenConfig(TrainingConfig):
    """``mlpgen``: MLP generator in the PCA latent, sized to ``params`` trainable parameters."""

    steps: int = 1000
    batch: int = 256
    components: int = 4
    params: int = 75
    lr: float = 0.01


@dataclass(frozen=True)
class QBornConfig(TrainingConfig):
    """``qborn``: conditional Born machine over quantile-coded PCA coordinates."""

    steps: int = 400
    components: int = 3
    bits: int = 3
    lr: float = 0.05
    pairs: str = "coded"


CONFIGS: dict[str, type[TrainingConfig]] = {
    "qgan": QGANConfig, "gan": GANConfig, "qag": QAGConfig, "iqp": IQPConfig,
    "qdenoiser": QDenoiserConfig, "ddpm": DDPMConfig, "qdiffusion": QDiffusionConfig, "unet": UNetConfig,
    "qlatent": QLatentConfig, "gauss": GaussConfig, "mlpgen": MLPGenConfig, "qborn": QBornConfig,
}


def _coerce(model: str, key: str, value: Any, annotation: Any) -> Any:
    """``value`` as the field's type, or ConfigError naming the key and the expected type."""
    hint = annotation
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        for option in options[:-1]:  # the first member the value fits (e.g. size: "large" or 3520)
            try:
                return _coerce(model, key, value, option)
            except ConfigError:
                pass
        hint = options[-1]
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif hint is str:
        ok = isinstance(value, str)
    elif typing.get_args(hint) and typing.get_args(hint)[0] is int:  # tuple[int, ...]
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        value = tuple(value) if ok else value
    else:  # tuple[float, ...]
        ok = isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        value = tuple(float(v) for v in value) if ok else value
    if not ok:
        name = getattr(hint, "__name__", str(hint).replace("typing.", ""))
        raise ConfigError(f"{key!r} must be {name} for {model}, got {value!r}")
    return value


def check_config(model: str, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The caller's keys, checked and type-coerced; ConfigError names an unknown key's nearest valid one."""
    config = dict(config or {})
    schema = CONFIGS.get(model)
    if schema is None:
        return config
    fields = {f.name: f for f in dataclasses.fields(schema)}
    hints = typing.get_type_hints(schema)
    out = {}
    for key, value in config.items():
        if key not in fields:
            near = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(f"unknown key {key!r}{hint} for {model}; valid keys: {', '.join(sorted(fields))}")
        out[key] = _coerce(model, key, value, hints[key])
        if key in _POSITIVE and out[key] < 1:
            raise ConfigError(f"{key} must be a positive integer for {model}, got {value!r}")
    return out


def config_of(model: str, config: Mapping[str, Any] | None = None) -> TrainingConfig:
    """The typed, frozen config of ``model``: the caller's keys over the effective defaults."""
    if model not in CONFIGS:
        raise ConfigError(f"no typed config for model {model!r}; models: {', '.join(CONFIGS)}")
    return CONFIGS[model](**check_config(model, config))
