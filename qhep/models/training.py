"""Training runs: atomic checkpoints, bit-identical ``--resume``, loss curves, run directories.

A run directory holds ``run.json`` (model, config, data file, seed, package
versions), ``checkpoint.pt`` (weights, optimiser states, every RNG state, step,
loss history; written to a temporary file and renamed), ``losses.json`` and
``losses.png``. Resuming restores all of it, so 10 + 10 steps equal 20 steps bit
for bit.

Safety: a checkpoint is loaded with ``torch.load(..., weights_only=True)``, which
refuses pickled objects (a crafted ``checkpoint.pt`` cannot run code); the state that
is not tensors (numpy RNG state, loss history, step) travels inside it as a JSON string.
A loss that becomes NaN or infinite stops training with a message before that state is
saved, and ``qhep train`` never overwrites an existing run unless asked (``--overwrite``).
"""

from __future__ import annotations

import json
import math
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qhep.errors import QhepError
from qhep.models.base import ShowerData, ShowerModel
from qhep.models.config import check_config
from qhep.models.names import MODELS
from qhep.provenance import atomic_write_json

__all__ = ["MODELS", "TrainedRun", "TrainingError", "build_model", "check_config", "load_checkpoint", "load_run",
           "train"]

class TrainingError(QhepError, ValueError):
    """A training run that cannot start or continue (bad options, unreadable run, non-finite loss)."""


def _models() -> dict[str, type[ShowerModel]]:
    from qhep.models.baselines import ConditionalGaussian, MLPGenerator
    from qhep.models.denoisers import ClassicalDDPM, QuantumDenoiser
    from qhep.models.gan import ClassicalGAN
    from qhep.models.iqp import IQPBorn
    from qhep.models.qag import QAG
    from qhep.models.qborn import ConditionalBorn
    from qhep.models.qdiffusion import QuantumDiffusion
    from qhep.models.qgan import QGAN
    from qhep.models.qlatent import QuantumLatentGenerator
    from qhep.models.unet import ConvDDPM

    return {"qgan": QGAN, "qag": QAG, "iqp": IQPBorn, "gan": ClassicalGAN, "qdenoiser": QuantumDenoiser,
            "ddpm": ClassicalDDPM, "qdiffusion": QuantumDiffusion, "unet": ConvDDPM, "qlatent": QuantumLatentGenerator,
            "gauss": ConditionalGaussian, "mlpgen": MLPGenerator, "qborn": ConditionalBorn}



DEFAULTS: dict[str, dict[str, Any]] = {
    "qgan": {"steps": 300, "batch": 64, "layers": 3},
    "qag": {"steps": 200, "batch": 64},
    "iqp": {"steps": 300, "batch": 512},
    "gan": {"steps": 300, "batch": 64, "size": "matched"},
    "qdenoiser": {"steps": 400, "batch": 64, "layers": 3, "diffusion_steps": 100, "entanglement": "chain"},
    "ddpm": {"steps": 400, "batch": 64, "size": "matched", "diffusion_steps": 100},
    "qdiffusion": {"steps": 400, "batch": 64, "layers": 4, "ancillas": 2, "diffusion_steps": 10},
    "unet": {"steps": 2000, "batch": 128, "channels": 32, "diffusion_steps": 100},
    "qlatent": {"steps": 1000, "batch": 512, "layers": 6, "components": 4, "lr": 0.03},
    "gauss": {"steps": 300, "batch": 1024, "components": 4, "lr": 0.01},
    "mlpgen": {"steps": 1000, "batch": 256, "components": 4, "params": 75, "lr": 0.01},
    "qborn": {"steps": 400, "batch": 64, "components": 3, "bits": 3, "lr": 0.05},
}


def build_model(name: str, data_meta: dict[str, Any], config: dict[str, Any]) -> ShowerModel:
    """Instantiate model ``name``."""
    models = _models()
    if name not in models:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    return models[name](data_meta, config)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("qhep", "qiskit", "qiskit-aer", "torch", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """A checkpoint's tensors and state, loaded with ``weights_only=True`` (never unpickles objects).

    Raises:
        TrainingError: the file is unreadable, not a torch file, carries pickled objects, or
            lacks the qhep layout; one line naming the file.
    """
    path = Path(path)
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError:
        raise TrainingError(f"{path}: refused: the checkpoint carries pickled Python objects (only tensors "
                            "and plain values are loaded)") from None
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        first = (str(exc).splitlines() or [""])[0][:160]
        raise TrainingError(f"{path}: not a readable qhep checkpoint ({type(exc).__name__}: {first})") from None
    legacy = ("numpy_rng", "history", "step")
    if isinstance(state, dict) and "state" not in state and all(k in state for k in legacy):
        # written before the state moved to JSON; its plain values loaded under weights_only all the same
        state["state"] = json.dumps({k: state.pop(k) for k in legacy})
    if not isinstance(state, dict) or "model" not in state or not isinstance(state.get("state"), str):
        raise TrainingError(f"{path}: not a qhep checkpoint (no model weights and state)")
    try:
        state["state"] = json.loads(state["state"])
    except json.JSONDecodeError:
        raise TrainingError(f"{path}: corrupt checkpoint state") from None
    return state


def _read_run(out: Path) -> dict[str, Any]:
    """``run.json`` of a run directory, or one line saying what is wrong with it."""
    path = out / "run.json"
    try:
        run = json.loads(path.read_text())
    except OSError as exc:
        raise TrainingError(f"{path}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TrainingError(f"{path}: corrupt run file ({exc})") from None
    missing = [k for k in ("model", "data", "seed", "config", "data_meta") if not isinstance(run, dict) or k not in run]
    if missing:
        raise TrainingError(f"{path}: not a qhep run file (missing {', '.join(missing)})")
    return run


def _atomic_torch_save(obj: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(obj, tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the run from a group on a shared cluster
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _plot(history: dict[str, list], path: Path, title: str, monitor_label: str = "monitor (held out)") -> None:
    """Training losses per step and the held-out monitor (losses are dimensionless: MMD², MSE of the noise)."""
    from matplotlib.figure import Figure  # no pyplot: a notebook keeps its inline backend

    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    steps = np.arange(1, len(history["steps"]) + 1)
    for key, values in history.items():
        if key not in ("steps", "monitor", "monitor_step") and values:
            ax.plot(steps, values, label=key, lw=1)
    if history["monitor"]:
        ax.plot(history["monitor_step"], history["monitor"], "k.-", label=monitor_label)
    ax.set(xlabel="training step", ylabel="loss (dimensionless)", title=title, yscale="symlog")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


@dataclass(frozen=True)
class TrainedRun:
    """What :func:`train` gives back: the trained model, its run directory and the run's summary.

    ``model`` is the model as training left it (in eval mode, the weights ``checkpoint.pt``
    holds), so it can ``generate`` at once without reading the run back with :func:`load_run`.
    ``summary``: ``run_dir`` (str), ``model`` (name), ``steps``, ``monitor_mmd_start`` and
    ``monitor_mmd_end`` (held-out MMD before and after training), ``generator_parameters``.
    """

    model: ShowerModel
    run_dir: Path
    summary: dict[str, Any]


def train(model_name: str, data_path: str, out_dir: str, *, config: dict[str, Any] | None = None, seed: int = 0,
          resume: bool = False, steps: int | None = None, progress: bool = True,
          overwrite: bool = True) -> TrainedRun:
    """Train ``model_name`` on a showers file; returns the trained model, its run directory and a summary.

    Returns:
        TrainedRun: ``.model`` (trained, eval mode), ``.run_dir`` (the ``out_dir`` Path, holding
        ``run.json``, ``checkpoint.pt``, ``losses.json``, ``losses.png``) and ``.summary``, a dict
        (final step, monitor MMD before/after, generator parameters) that is what ``qhep train``
        prints. The model is returned so a script need not reload the run it has just written.

    ``overwrite=False`` (what ``qhep train`` passes unless ``--overwrite``) refuses a directory that
    already holds a run; the library default replaces it, as scripts and tutorials that re-run
    into a fixed directory expect (its old checkpoint, losses and figure are removed first).

    Raises:
        TrainingError: bad options, an existing run in ``out_dir`` (without ``resume`` or
            ``overwrite``), an unreadable checkpoint, or a loss that became NaN/infinite.
    """
    from tqdm import tqdm

    out = Path(out_dir)
    ckpt = out / "checkpoint.pt"
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise TrainingError(f"--steps must be a positive integer, got {steps!r}")
    if resume:
        if not ckpt.exists():
            raise TrainingError(f"{ckpt}: nothing to resume (train without --resume first)")
        run = _read_run(out)
        model_name, data_path, seed, cfg = run["model"], run["data"], run["seed"], run["config"]
        if steps is not None:
            cfg["steps"] = steps
    else:
        if model_name not in MODELS:
            raise TrainingError(f"unknown model {model_name!r}; choose from {', '.join(MODELS)}")
        if ckpt.exists() and not overwrite:
            raise TrainingError(f"{out}: already holds a training run; continue it with --resume or replace it "
                                "with --overwrite")
        cfg = {**DEFAULTS.get(model_name, {}), **check_config(model_name, config), "seed": seed}
        if steps is not None:
            cfg["steps"] = steps
    check_config(model_name, cfg)
    data = ShowerData.from_file(data_path, cfg.get("label"))
    if not np.isfinite(data.showers_mev).all() or not np.isfinite(data.energies_gev).all():
        raise TrainingError(f"{data_path}: the data contain NaN or infinite values")
    if not (data.showers_mev > 0).any():
        raise TrainingError(f"{data_path}: every shower (image) is empty, all values zero: nothing to learn")
    torch.manual_seed(seed)
    model = build_model(model_name, data.meta(), cfg)
    model.fit_stats(data)
    optimizers = model.build_optimizers()
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    n = data.showers_mev.shape[0]
    hold = rng.choice(n, size=min(512, n // 4), replace=False)
    # the monitor MMD is taken on showers the model never trains on (a quarter of a small file at most)
    if len(hold) == 0:  # a file of a few showers: monitor on the training showers themselves
        hold = np.arange(n)
    train_idx = np.setdiff1d(np.arange(n), hold) if len(hold) < n else np.arange(n)
    monitor_batch = {"x": torch.as_tensor(data.showers_mev[hold]), "energy": torch.as_tensor(data.energies_gev[hold])}
    history: dict[str, list] = {"steps": [], "monitor": [], "monitor_step": []}
    start = 0
    if resume:
        state = load_checkpoint(ckpt)
        try:
            model.load_state_dict(state["model"])
            for opt, s in zip(optimizers, state["optimizers"], strict=True):
                opt.load_state_dict(s)
            rng.bit_generator.state = state["state"]["numpy_rng"]
            gen.set_state(state["torch_generator"])
            torch.set_rng_state(state["torch_global"])
            history, start = state["state"]["history"], int(state["state"]["step"])
        except (KeyError, ValueError, TypeError, RuntimeError) as exc:
            first = (str(exc).splitlines() or [""])[0][:160]
            raise TrainingError(f"{ckpt}: does not match run.json's {model_name} model ({first})") from None
    else:
        created = not out.exists()
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TrainingError(f"--out {out}: cannot create the run directory: {exc.strerror}") from None
        run = {"model": model_name, "data": str(Path(data_path).resolve()), "seed": seed, "config": cfg,
               "data_meta": data.meta(), "kind": model.kind, "mitigated_readout": model.mitigated_readout,
               "generator_parameters": model.parameter_count(), "versions": _versions()}
        for stale in ("checkpoint.pt", "losses.json", "losses.png"):  # --overwrite: no mix of two runs
            (out / stale).unlink(missing_ok=True)
        atomic_write_json(out / "run.json", run)
        monitor_gen = torch.Generator().manual_seed(10_000 + seed)
        history["monitor"].append(model.loss_for_monitoring(monitor_batch, monitor_gen))
        history["monitor_step"].append(0)
    total = int(cfg["steps"])
    every = int(cfg.get("checkpoint_every", 50))
    batch = int(cfg.get("batch", 64))

    saved = [start]  # step of the last checkpoint written

    def save(step: int) -> None:
        saved[0] = step
        state = json.dumps({"numpy_rng": rng.bit_generator.state, "history": history, "step": step})
        _atomic_torch_save({"model": model.state_dict(), "optimizers": [o.state_dict() for o in optimizers],
                            "torch_generator": gen.get_state(), "torch_global": torch.get_rng_state(),
                            "state": state}, ckpt)

    with tqdm(total=total, initial=start, disable=not progress, desc=f"train {model_name}", unit="step") as bar:
        for step in range(start, total):
            idx = train_idx[rng.choice(len(train_idx), size=min(batch, len(train_idx)), replace=False)]
            losses = model.training_step({"x": torch.as_tensor(data.showers_mev[idx]),
                                          "energy": torch.as_tensor(data.energies_gev[idx])}, gen)
            bad = {k: v for k, v in losses.items() if not math.isfinite(float(v))}
            if bad:
                where = f"the checkpoint of step {saved[0]} is kept" if saved[0] else "no checkpoint was written"
                if not resume and not saved[0]:  # nothing of this run is left behind: no run.json without weights
                    (out / "run.json").unlink(missing_ok=True)
                    if created and not any(out.iterdir()):
                        out.rmdir()
                raise TrainingError(f"training stopped: {', '.join(f'{k} loss is {v}' for k, v in bad.items())} "
                                    f"at step {step + 1}; this state was not saved ({where}); check the data "
                                    "(all-zero showers?) and the learning rate")
            history["steps"].append(step + 1)
            for key, value in losses.items():
                history.setdefault(key, []).append(value)
            bar.update(1)
            bar.set_postfix({k: f"{v:.4f}" for k, v in losses.items()})
            if (step + 1) % every == 0 or step + 1 == total:
                monitor_gen = torch.Generator().manual_seed(10_000 + seed)
                history["monitor"].append(model.loss_for_monitoring(monitor_batch, monitor_gen))
                history["monitor_step"].append(step + 1)
                save(step + 1)
    atomic_write_json(out / "losses.json", history)
    _plot(history, out / "losses.png", f"{model_name} ({model.kind}), seed {seed}", model.monitor_label)
    summary = {"run_dir": str(out), "model": model_name, "steps": total, "monitor_mmd_start": history["monitor"][0],
               "monitor_mmd_end": history["monitor"][-1], "generator_parameters": model.parameter_count()}
    model.eval()  # as load_run gives it back
    return TrainedRun(model, out, summary)


def load_run(run_dir: str) -> tuple[ShowerModel, dict[str, Any]]:
    """The trained model of a run directory and its ``run.json``."""
    out = Path(run_dir)
    if not (out / "run.json").exists() or not (out / "checkpoint.pt").exists():
        raise TrainingError(f"{out}: not a qhep training run (needs run.json and checkpoint.pt)")
    run = _read_run(out)
    state = load_checkpoint(out / "checkpoint.pt")
    try:
        model = build_model(run["model"], run["data_meta"], run["config"])
        model.load_state_dict(state["model"])
    except (KeyError, ValueError, TypeError, RuntimeError) as exc:
        first = (str(exc).splitlines() or [""])[0][:160]
        raise TrainingError(f"{out / 'checkpoint.pt'}: does not match run.json's model ({first})") from None
    model.eval()
    return model, run
