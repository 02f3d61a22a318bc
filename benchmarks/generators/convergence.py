"""Convergence of the generators: shower metrics against training steps, with a real-vs-real floor.

Each model is trained once (one core, ``statevector``) for the largest of ``--checkpoints``
steps with its default configuration (``qhep.models.training.DEFAULTS``, overridden by
``--config``); its learning-rate schedule spans that whole run, and at every checkpoint
``--n-eval`` showers are generated at the incident energies of an independent reference
sample and scored with ``qhep.metrics.evaluate``. After the last step ``--n-final`` showers
are generated and scored the same way with bootstrap errors. The floor rows compare the
reference with a second real sample generated at the *same* incident energies (another
seed), at both sample sizes.

Data: 8-pixel PbWO4 showers (``qhep.data.generate_showers``, geometry ``8px``), training
sample seed 101, reference seed 202, floor seed 303, as ``benchmarks/generators/run.py``.
Generated samples are cached under ``--work`` so ``--reevaluate`` rescores them with the
current metrics without retraining. Output: ``--out`` (JSON via ``qhep.provenance.record``)
and a PNG beside it (mean-image error, total-energy W1 and classifier AUC against steps).

    python benchmarks/generators/convergence.py --models qlatent gauss mlpgen --tag qlatent
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RANGES = {"10-100GeV": (10.0, 100.0), "1-10GeV": (1.0, 10.0)}
PLOTTED = ("mean_image_rel_error", "w1_total_gev", "w1_response", "classifier_auc")


def _data(args):
    from qhep.data import generate_showers
    from qhep.models import ShowerData

    erange = RANGES[args.range]
    train = generate_showers(args.n_train, erange, geometry_name="8px", seed=101)
    data = ShowerData(train.showers_mev.astype(np.float64), train.energies_gev, float(train.energies_gev.min()),
                      float(train.energies_gev.max()), (8,))
    ref = generate_showers(args.n_final, erange, geometry_name="8px", seed=202)
    floor = generate_showers(args.n_final, erange, geometry_name="8px", seed=303, energies_gev=ref.energies_gev)
    return data, ref.showers_mev.astype(np.float64), ref.energies_gev, floor.showers_mev.astype(np.float64), \
        ref.file_attributes()


def _score(ref, e, gen, n, bootstrap, layout, seed=0, metrics=None):
    from qhep.metrics.showers import evaluate

    return evaluate(ref[:n], gen[:n], e[:n], e[:n], seed=seed, bootstrap=bootstrap, layout=layout, metrics=metrics)


def _auc_seeds(ref, e, gen, n, layout, seeds: int) -> dict:
    """Classifier AUC of the same samples under ``seeds`` evaluate seeds: values, mean, std, max."""
    values = [_score(ref, e, gen, n, 0, layout, seed=s, metrics=("classifier_auc",))["classifier_auc"]["value"]
              for s in range(seeds)]
    return {"values": values, "mean": float(np.mean(values)), "std": float(np.std(values)), "max": float(max(values))}


def _train(name, label, config, data, e_eval, e_final, checkpoints, seed, work: Path):
    """Train ``name`` once, caching samples at every checkpoint and at the end under ``work`` (as ``label``)."""
    import torch

    from qhep.models import build_model
    from qhep.models.training import DEFAULTS
    from qhep.provenance import atomic_write_json

    cfg = {**DEFAULTS.get(name, {}), **config, "seed": seed, "steps": max(checkpoints)}
    torch.manual_seed(seed)
    model = build_model(name, data.meta(), cfg)
    start = time.perf_counter()
    model.fit_stats(data)
    model.build_optimizers()
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    n = data.showers_mev.shape[0]
    batch = int(cfg.get("batch", 64))
    samples, seconds, losses = {}, {}, {}
    train_seconds = time.perf_counter() - start
    if 0 in checkpoints:
        samples[0] = model.generate(e_eval, seed=1000 + seed)
        seconds[0] = 0.0
    for step in range(1, max(checkpoints) + 1):
        t0 = time.perf_counter()
        idx = rng.choice(n, size=min(batch, n), replace=False)
        out = model.training_step({"x": torch.as_tensor(data.showers_mev[idx]),
                                   "energy": torch.as_tensor(data.energies_gev[idx])}, gen)
        train_seconds += time.perf_counter() - t0
        for key, value in out.items():
            losses.setdefault(key, []).append(value)
        if step in checkpoints:
            samples[step] = model.generate(e_eval, seed=1000 + seed)
            seconds[step] = round(train_seconds, 1)
            print(f"{label} seed {seed} step {step}: {train_seconds:.0f} s", flush=True)
    final = model.generate(e_final, seed=2000 + seed)
    summary = {"config": cfg, "parameters": model.parameter_count(), "kind": model.kind,
               "train_seconds": round(train_seconds, 1), "seconds_at_step": seconds,
               "loss_every_10_steps": {k: v[::10] for k, v in losses.items()}}
    np.savez_compressed(work / f"{label}_seed{seed}.npz", steps=np.array(sorted(samples)),
                        samples=np.stack([samples[s] for s in sorted(samples)]).astype(np.float32),
                        final=final.astype(np.float32))
    atomic_write_json(work / f"{label}_seed{seed}.json", {**summary, "model": name})  # the cache --reevaluate reads
    return summary


def _plot(doc, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(PLOTTED), figsize=(4.5 * len(PLOTTED), 4))
    for ax, metric in zip(axes, PLOTTED):
        for label, row in doc["models"].items():
            curve = [(c["step"], c["metrics"][metric]["value"]) for c in row["curve"] if metric in c["metrics"]]
            if curve:
                steps, values = zip(*curve)
                ax.plot([max(s, 1) for s in steps], values, "o-", label=f"{label} ({row['parameters']} par.)")
        floor = doc["floor"]["eval"].get(metric)
        if floor:
            ax.axhline(floor["value"], color="k", ls="--", lw=1, label="real vs real (same energies)")
        ax.set(xscale="log", yscale="linear" if metric == "classifier_auc" else "log",
               xlabel="training step (step 0 plotted at 1)", ylabel=metric, title=f"{metric}, {doc['n_eval']} showers")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Convergence, 8-pixel PbWO4 showers {doc['range']}, seed {doc['seed']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["qlatent", "gauss", "mlpgen"],
                        help="MODEL or LABEL=MODEL (a label lets one model appear with two configurations)")
    parser.add_argument("--config", action="append", default=[],
                        help="LABEL=JSON overrides, e.g. qlatent='{\"layers\": 6}' (repeatable)")
    parser.add_argument("--checkpoints", nargs="+", type=int, default=[0, 100, 250, 500, 1000])
    parser.add_argument("--range", choices=tuple(RANGES), default="10-100GeV")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--n-eval", type=int, default=2000)
    parser.add_argument("--n-final", type=int, default=10000)
    parser.add_argument("--tag", default="qlatent")
    parser.add_argument("--out-dir", default=str(ROOT / "benchmarks" / "results" / "generators"))
    parser.add_argument("--work", default=str(ROOT / "benchmarks" / "generators" / "work" / "convergence"))
    parser.add_argument("--reevaluate", action="store_true", help="rescore cached samples, no training")
    parser.add_argument("--auc-seeds", type=int, default=1,
                        help="also score the final samples' classifier AUC with this many evaluate seeds "
                             "(the classifier's own initialisation and split spread)")
    args = parser.parse_args()
    from qhep.provenance import record

    overrides = {}
    for item in args.config:
        name, _, text = item.partition("=")
        try:
            overrides[name] = json.loads(text)
        except json.JSONDecodeError as exc:
            parser.error(f"--config {item!r}: not JSON ({exc.msg})")
    entries = [(item.partition("=")[0], item.partition("=")[2] or item) for item in args.models]
    work = Path(args.work) / f"{args.tag}_{args.range}"
    work.mkdir(parents=True, exist_ok=True)
    from qhep.metrics.showers import layout_from_attrs

    data, ref, e_ref, floor_real, attrs = _data(args)
    layout = layout_from_attrs(attrs, ref.shape[1])
    e_eval = e_ref[: args.n_eval]
    doc = {"range": args.range, "seed": args.seed, "n_eval": args.n_eval, "n_final": args.n_final,
           "floor": {"eval": _score(ref, e_ref, floor_real, args.n_eval, 0, layout),
                     "final": _score(ref, e_ref, floor_real, args.n_final, 5, layout)},
           "models": {}}
    if args.auc_seeds > 1:
        doc["floor"]["final"]["classifier_auc_over_seeds"] = _auc_seeds(ref, e_ref, floor_real, args.n_final, layout,
                                                                        args.auc_seeds)
    for label, name in entries:
        cache = work / f"{label}_seed{args.seed}.npz"
        if not (args.reevaluate and cache.exists()):
            _train(name, label, overrides.get(label, {}), data, e_eval, e_ref[: args.n_final],
                   sorted(set(args.checkpoints)), args.seed, work)
        summary = json.loads((work / f"{label}_seed{args.seed}.json").read_text())
        stored = np.load(cache)
        curve = []
        for step, gen in zip(stored["steps"], stored["samples"]):
            curve.append({"step": int(step), "train_seconds": summary["seconds_at_step"].get(str(int(step))),
                          "metrics": _score(ref, e_ref, gen.astype(np.float64), args.n_eval, 0, layout)})
        final = _score(ref, e_ref, stored["final"].astype(np.float64), args.n_final, 5, layout)
        if args.auc_seeds > 1:
            final["classifier_auc_over_seeds"] = _auc_seeds(ref, e_ref, stored["final"].astype(np.float64),
                                                            args.n_final, layout, args.auc_seeds)
        doc["models"][label] = {**summary, "curve": curve, "final": final}
        print(label, {k: round(v["value"], 4) for k, v in final.items() if "value" in v}, flush=True)
    suffix = f"_seed{args.seed}" if args.seed else ""
    out = Path(args.out_dir) / f"convergence_{args.tag}_{args.range}{suffix}.json"
    record(out, doc, args)
    _plot(doc, out.with_suffix(".png"))
    print(f"wrote {out} and {out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
