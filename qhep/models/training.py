"""Training runs: atomic checkpoints, bit-identical ``--resume``, loss curves, run directories.

A run directory holds ``run.json`` (model, config, data file, seed, package
versions), ``checkpoint.pt`` (weights, optimiser states, every RNG state, step,
loss history; written to a temporary file and renamed), ``losses.json`` and
``losses.png``. Resuming restores all of it, so 10 + 10 steps equal 20 steps bit
for bit.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qhep.models.base import ShowerData, ShowerModel
from qhep.models.names import MODELS

__all__ = ["MODELS", "build_model", "load_run", "train"]


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

    return {"qgan": QGAN, "qag": QAG, "iqp": IQPBorn, "gan": ClassicalGAN, "qdenoiser": QuantumDenoiser,
            "ddpm": ClassicalDDPM, "qdiffusion": QuantumDiffusion, "qlatent": QuantumLatentGenerator,
            "gauss": ConditionalGaussian, "mlpgen": MLPGenerator, "qborn": ConditionalBorn}



DEFAULTS: dict[str, dict[str, Any]] = {
    "qgan": {"steps": 300, "batch": 64, "layers": 3},
    "qag": {"steps": 200, "batch": 64},
    "iqp": {"steps": 300, "batch": 512},
    "gan": {"steps": 300, "batch": 64, "size": "matched"},
    "qdenoiser": {"steps": 400, "batch": 64, "layers": 3, "diffusion_steps": 100},
    "ddpm": {"steps": 400, "batch": 64, "size": "matched", "diffusion_steps": 100},
    "qdiffusion": {"steps": 400, "batch": 64, "layers": 4, "ancillas": 2, "diffusion_steps": 10},
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


def _atomic_torch_save(obj: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _plot(history: dict[str, list], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    steps = np.arange(1, len(history["steps"]) + 1)
    for key, values in history.items():
        if key not in ("steps", "monitor", "monitor_step") and values:
            ax.plot(steps, values, label=key, lw=1)
    if history["monitor"]:
        ax.plot(history["monitor_step"], history["monitor"], "k.-", label="MMD (held out)")
    ax.set(xlabel="step", ylabel="loss", title=title, yscale="symlog")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def train(model_name: str, data_path: str, out_dir: str, *, config: dict[str, Any] | None = None, seed: int = 0,
          resume: bool = False, steps: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Train ``model_name`` on a showers file; returns a summary (final losses, monitor MMD before/after)."""
    from tqdm import tqdm

    out = Path(out_dir)
    ckpt = out / "checkpoint.pt"
    if resume:
        if not ckpt.exists():
            raise FileNotFoundError(f"{ckpt}: nothing to resume (train without --resume first)")
        run = json.loads((out / "run.json").read_text())
        model_name, data_path, seed, cfg = run["model"], run["data"], run["seed"], run["config"]
        if steps is not None:
            cfg["steps"] = steps
    else:
        cfg = {**DEFAULTS.get(model_name, {}), **(config or {}), "seed": seed}
        if steps is not None:
            cfg["steps"] = steps
    data = ShowerData.from_file(data_path, cfg.get("label"))
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
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        for opt, s in zip(optimizers, state["optimizers"]):
            opt.load_state_dict(s)
        rng.bit_generator.state = state["numpy_rng"]
        gen.set_state(state["torch_generator"])
        torch.set_rng_state(state["torch_global"])
        history, start = state["history"], state["step"]
    else:
        out.mkdir(parents=True, exist_ok=True)
        run = {"model": model_name, "data": str(Path(data_path).resolve()), "seed": seed, "config": cfg,
               "data_meta": data.meta(), "kind": model.kind, "mitigated_readout": model.mitigated_readout,
               "generator_parameters": model.parameter_count(), "versions": _versions()}
        (out / "run.json").write_text(json.dumps(run, indent=1))
        monitor_gen = torch.Generator().manual_seed(10_000 + seed)
        history["monitor"].append(model.loss_for_monitoring(monitor_batch, monitor_gen))
        history["monitor_step"].append(0)
    total = int(cfg["steps"])
    every = max(1, int(cfg.get("checkpoint_every", 50)))
    batch = int(cfg.get("batch", 64))

    def save(step: int) -> None:
        _atomic_torch_save({"model": model.state_dict(), "optimizers": [o.state_dict() for o in optimizers],
                            "numpy_rng": rng.bit_generator.state, "torch_generator": gen.get_state(),
                            "torch_global": torch.get_rng_state(), "history": history, "step": step}, ckpt)

    with tqdm(total=total, initial=start, disable=not progress, desc=f"train {model_name}", unit="step") as bar:
        for step in range(start, total):
            idx = train_idx[rng.choice(len(train_idx), size=min(batch, len(train_idx)), replace=False)]
            losses = model.training_step({"x": torch.as_tensor(data.showers_mev[idx]),
                                          "energy": torch.as_tensor(data.energies_gev[idx])}, gen)
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
    (out / "losses.json").write_text(json.dumps(history))
    _plot(history, out / "losses.png", f"{model_name} ({model.kind}), seed {seed}")
    return {"run_dir": str(out), "model": model_name, "steps": total, "monitor_mmd_start": history["monitor"][0],
            "monitor_mmd_end": history["monitor"][-1], "generator_parameters": model.parameter_count()}


def load_run(run_dir: str) -> tuple[ShowerModel, dict[str, Any]]:
    """The trained model of a run directory and its ``run.json``."""
    out = Path(run_dir)
    if not (out / "run.json").exists() or not (out / "checkpoint.pt").exists():
        raise FileNotFoundError(f"{out}: not a qhep training run (needs run.json and checkpoint.pt)")
    run = json.loads((out / "run.json").read_text())
    model = build_model(run["model"], run["data_meta"], run["config"])
    model.load_state_dict(torch.load(out / "checkpoint.pt", weights_only=False)["model"])
    model.eval()
    return model, run
