"""``qhep train`` and ``qhep sample``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from qhep.cliutil import emit
from qhep.models.names import MODELS

__all__ = ["register"]



def _config(path: str | None, model: str) -> dict[str, Any]:
    if not path:
        return {}
    from qhep.provenance import read_yaml

    cfg = read_yaml(path, ValueError, "config") or {}
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: config must be a mapping of option: value")
    from qhep.models.config import ConfigError, check_config

    try:
        check_config(model, cfg)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return cfg


def cmd_train(args: argparse.Namespace) -> int:
    """Train a generator on a showers file."""
    from qhep.models.training import train

    if not args.resume and not args.data:
        raise ValueError("--data FILE.h5 is required (except with --resume)")
    cfg = _config(args.config, args.model)
    if args.backend != "statevector":
        cfg["backend"] = args.backend
    if args.label:
        cfg["label"] = args.label
    summary = train(args.model, args.data, args.out, config=cfg, seed=args.seed, resume=args.resume,
                    steps=args.steps, progress=not args.json, overwrite=args.overwrite).summary
    emit(args, summary, f"trained {summary['model']} ({summary['generator_parameters']} generator parameters) "
                        f"for {summary['steps']} steps: held-out MMD {summary['monitor_mmd_start']:.4f} -> "
                        f"{summary['monitor_mmd_end']:.4f}; run in {summary['run_dir']} (losses.png)")
    return 0


def _warn(message: str) -> None:
    """A line on stderr that does not break a running progress bar."""
    from tqdm import tqdm

    tqdm.write(f"qhep: warning: {message}", file=sys.stderr)


def _denoiser_plan(model, run: dict, runner, args: argparse.Namespace, n: int) -> dict[str, Any]:
    """Sampler plan, progress bar and cost estimate (on stderr) of a diffusion model's sampling.

    On a backend that is not exact a run with no sampler of its own samples with DDIM in at most
    20 steps (:meth:`~qhep.models.denoisers.DenoisingModel.sampler_plan`); every step is one
    circuit per sample there, so the circuits, shots and a time estimate from the first step are
    printed before the rest runs, and a qdenoiser trained with a CZ ring is flagged (it is routed
    onto 12 physical qubits of heavy-hex, where the chain of the default needs 8 and no SWAPs).
    """
    exact = runner is None or runner.exact
    sampler, steps = model.sampler_plan(exact=exact, sampler=args.sampler, sample_steps=args.sample_steps)
    options: dict[str, Any] = {"plan": (sampler, steps), "progress": not args.json}
    if exact:
        return options
    if run["config"].get("entanglement", "ring") == "ring":
        _warn(f"{args.run_dir} was trained with entanglement: ring; on {args.backend} its circuit is routed onto "
              "12 physical qubits with SWAPs (slow to simulate, noisier on hardware). Train with the default "
              "entanglement: chain for noisy backends")
    if not args.sampler and "sampler" not in run["config"]:
        _warn(f"sampling with DDIM in {steps} steps on {args.backend} (the run sets no sampler; "
              "--sampler ddpm for all diffusion steps)")
    calls = n * steps
    per_call = 1
    extra = ""
    if runner.mitigation.zne:
        per_call *= len(runner.mitigation.zne_scales)
        extra += f" x {len(runner.mitigation.zne_scales)} ZNE noise scales"
    if runner.mitigation.twirling:
        per_call *= runner.mitigation.twirl_randomizations
        extra += f" x {runner.mitigation.twirl_randomizations} twirls"
    _warn(f"cost: {n} samples x {steps} {sampler.upper()} steps = {calls:,} circuit evaluations{extra} "
          f"({calls * per_call:,} circuits) at {args.shots} shots each on {args.backend}; timing the first step ...")
    seen: list[float] = []

    def on_step(seconds: float) -> None:
        seen.append(seconds)
        if len(seen) == 1:
            _warn(f"first step (all {n} samples, with transpilation) took {seconds:.1f} s: about "
                  f"{seconds * steps:.0f} s for all {steps} steps")

    options["on_step"] = on_step
    return options


def _training_data_kind(run: dict) -> dict[str, Any]:
    """Attributes that say a sample is of jet images (``qhep data plot`` draws them as such)."""
    from qhep.data.io import file_kind, read_jet_images

    try:
        jets = file_kind(run["data"]) == "jet-images"
    except (OSError, ValueError):  # the training file is gone: a label means jets
        return {"data_kind": "jet-images", "label": run["config"]["label"]} if run["config"].get("label") else {}
    if not jets:
        return {}
    try:
        radius = read_jet_images(run["data"]).attrs.get("radius_rad")
    except (OSError, ValueError):
        radius = None
    extra = {"radius_rad": float(radius)} if radius else {}
    return {"data_kind": "jet-images", "label": run["config"].get("label") or "quark and gluon", **extra}


def cmd_sample(args: argparse.Namespace) -> int:
    """Sample a trained run on any backend, at the energies of a file or uniform in the training range."""
    import numpy as np

    from qhep.data.io import write_calo
    from qhep.execution import get_runner
    from qhep.models.base import ShowerData
    from qhep.models.denoisers import DenoisingModel
    from qhep.models.training import load_run

    if args.n is not None and args.n < 1:
        raise ValueError(f"--n must be a positive integer, got {args.n}")
    model, run = load_run(args.run_dir)
    if args.energies:  # a jet-image file gives the jet energies of the run's flavour
        energies = ShowerData.from_file(args.energies, run["config"].get("label")).energies_gev
        if args.n:
            energies = energies[: args.n]
    else:
        if not args.n:
            raise ValueError("give --n N or --energies FILE.h5")
        meta = run["data_meta"]
        energies = np.random.default_rng(args.seed).uniform(meta["e_min"], meta["e_max"], args.n)
    runner = None
    if args.backend != "statevector" or args.mitigation:
        runner = get_runner(args.backend, shots=args.shots, seed=args.seed, mitigation=args.mitigation)
    start = time.perf_counter()
    options = _denoiser_plan(model, run, runner, args, len(energies)) if isinstance(model, DenoisingModel) else {}
    showers = model.generate(energies, runner=runner, seed=args.seed, shots=args.shots, **options)
    bad = ~np.isfinite(np.asarray(showers, dtype=float)).all(axis=tuple(range(1, np.ndim(showers))))
    if bad.any():
        raise ValueError(f"{args.run_dir}: the model generated {int(bad.sum())} of {len(bad)} showers with NaN or "
                         f"infinite values; nothing was written to {args.out} (retrain: the run is broken)")
    attrs = {"generator": run["model"], "run_dir": str(args.run_dir), "backend": args.backend,
             "mitigation": args.mitigation or "", "mitigated_readout": model.mitigated_readout,
             "shots": args.shots, "seed": args.seed, "image_shape": run["data_meta"].get("image_shape")}
    attrs.update(_training_data_kind(run))
    write_calo(args.out, energies, np.clip(showers, 0, None), attrs)
    doc = {"out": args.out, "n": len(energies), "model": run["model"], "backend": args.backend,
           "seconds": round(time.perf_counter() - start, 2)}
    emit(args, doc, f"wrote {len(energies)} {run['model']} showers ({args.backend}) to {args.out}")
    return 0


def register(sub: Any, add_common) -> None:
    """Add ``qhep train`` and ``qhep sample``."""
    tr = sub.add_parser("train", help="train a shower or jet-image generator: " + ", ".join(MODELS))
    tr.add_argument("model", choices=MODELS)
    tr.add_argument("--data", help="showers file (CaloChallenge layout) or jet-image file (config label: quark|gluon)")
    tr.add_argument("--out", required=True, help="run directory")
    tr.add_argument("--config", help="YAML with model options (steps, batch, layers, lr, size, ...)")
    tr.add_argument("--steps", type=int, help="training steps (overrides the config)")
    tr.add_argument("--label", choices=["quark", "gluon"], help="jet-image files: train on these jets only")
    tr.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    tr.add_argument("--overwrite", action="store_true", help="replace an existing run in --out (default: refuse)")
    add_common(tr, backend=True, seed=0)
    tr.set_defaults(func=cmd_train)

    sa = sub.add_parser("sample", help="sample a trained generator on any backend")
    sa.add_argument("run_dir")
    sa.add_argument("--n", type=int, help="number of showers")
    sa.add_argument("--energies", help="take incident energies from this showers (or jet-image) file")
    sa.add_argument("--out", required=True, help="output showers file")
    sa.add_argument("--shots", type=int, default=1000, help="shots per circuit on shot-based backends")
    sa.add_argument("--mitigation", default=None, help="e.g. readout or zne,readout")
    sa.add_argument("--sampler", choices=["ddpm", "ddim"], default=None,
                    help="diffusion models: sampler (default: the run's; on a backend that is not exact, "
                         "ddim in at most 20 steps when the run sets none)")
    sa.add_argument("--sample-steps", type=int, default=None,
                    help="diffusion models: DDIM steps (default: the run's sample_steps, 20)")
    add_common(sa, backend=True)
    sa.set_defaults(func=cmd_sample)
