"""Quantum vs hybrid vs classical diffusion on 8-pixel showers: every metric, several seeds, statevector.

Trains each model (``qdiffusion`` fully quantum, ``qdenoiser`` hybrid, ``ddpm`` at the
qdenoiser's parameter count and a large ``ddpm`` reference) on one file of showers, samples
``--samples`` showers at the incident energies of half of an independent file, and scores them
against the other half with :func:`qhep.metrics.showers.evaluate`. The denoising models are
sampled with DDPM (all steps) and DDIM (eta = 0, 20 steps). The real-vs-real row (the two halves)
is each metric's floor. Prints a table of mean +- spread (standard deviation over seeds) and
writes the rows with their provenance to ``--out`` (``benchmarks/results/diffusion/run.json``;
the earlier runs' ``results*.json`` beside this script predate that and carry none).

    python benchmarks/diffusion/run.py [--seeds 0 1 2] [--samples 10000] [--steps 400]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

KEYS = ("mean_image_rel_error", "w1_pixel", "w1_total_gev", "corr_diff", "fpd", "kpd", "classifier_auc")

RING = {"entanglement": "ring"}  # the published rows; the default became chain later
ROWS = [  # (label, model, config, sampler)
    ("qdiffusion (quantum)", "qdiffusion", {}, None),
    ("qdenoiser (hybrid), DDPM", "qdenoiser", RING, {"sampler": "ddpm"}),
    ("qdenoiser (hybrid), DDIM 20", "qdenoiser", RING, {"sampler": "ddim", "sample_steps": 20, "eta": 0.0}),
    ("ddpm matched, DDPM", "ddpm", {"size": "matched"}, {"sampler": "ddpm"}),
    ("ddpm matched, DDIM 20", "ddpm", {"size": "matched"}, {"sampler": "ddim", "sample_steps": 20, "eta": 0.0}),
    ("ddpm large, DDPM", "ddpm", {"size": "large", "steps": 3000}, {"sampler": "ddpm"}),
    ("ddpm large, DDIM 20", "ddpm", {"size": "large", "steps": 3000}, {"sampler": "ddim", "sample_steps": 20,
                                                                       "eta": 0.0}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=400, help="training steps (the large ddpm: its own)")
    parser.add_argument("--rows", nargs="+", default=None, help="labels to run (default: all)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "diffusion"
                                              / "run.json"), help="results JSON, with provenance (default %(default)s)")
    parser.add_argument("--no-clip", action="store_true", help="sample without clipping the predicted x_0")
    args = parser.parse_args()
    from qhep.data.io import write_calo
    from qhep.data.showers import generate_showers
    from qhep.metrics.showers import evaluate
    from qhep.models.training import load_run, train
    from qhep.provenance import record

    work = Path(tempfile.mkdtemp(prefix="qhep-diffusion-"))
    tr = generate_showers(20_000, (10, 100), geometry_name="8px", seed=101)
    te = generate_showers(2 * args.samples, (10, 100), geometry_name="8px", seed=202)
    train_file = write_calo(work / "train.h5", tr.energies_gev, tr.showers_mev, tr.file_attributes())
    a, b = slice(0, args.samples), slice(args.samples, 2 * args.samples)
    real, e_real = te.showers_mev[b].astype(float), te.energies_gev[b]
    e_gen = te.energies_gev[a]
    results: dict[str, list[dict]] = {}
    floor = evaluate(real, te.showers_mev[a].astype(float), e_real, e_gen, seed=0)
    results["real vs real"] = [{k: floor[k]["value"] for k in KEYS}]
    print(f"{args.samples} generated showers per seed; seeds {args.seeds}; train {args.steps} steps", flush=True)
    for label, model, cfg, sampler in ROWS:
        if args.rows and label not in args.rows:
            continue
        for seed in args.seeds:
            run_dir = work / f"{model}-{cfg.get('size', '')}-{seed}"
            steps = int(cfg.get("steps", args.steps))
            if not (run_dir / "checkpoint.pt").exists():
                t0 = time.perf_counter()
                train(model, str(train_file), str(run_dir), config={k: v for k, v in cfg.items() if k != "steps"},
                      seed=seed, steps=steps, progress=False)
                t_train = time.perf_counter() - t0
            else:
                t_train = float("nan")
            m, _ = load_run(str(run_dir))
            m.config.update(sampler or {})
            m.config["clip"] = not args.no_clip
            t0 = time.perf_counter()
            gen = m.generate(e_gen, seed=1000 + seed)
            t_sample = time.perf_counter() - t0
            metrics = evaluate(real, gen, e_real, e_gen, seed=seed)
            row = {k: metrics[k]["value"] for k in KEYS}
            row.update(seed=seed, train_s=t_train, sample_s=t_sample, parameters=m.parameter_count())
            results.setdefault(label, []).append(row)
            print(label, json.dumps(row), flush=True)
    record(args.out, results, args)
    print("\n| model | params | " + " | ".join(KEYS) + " | sample s |")
    print("|" + " --- |" * (len(KEYS) + 3))
    for label, rows in results.items():
        cells = []
        for k in KEYS:
            v = np.array([r[k] for r in rows])
            cells.append(f"{v.mean():.3g} ± {v.std():.2g}" if len(v) > 1 else f"{v.mean():.3g}")
        par = rows[0].get("parameters", "-")
        ts = np.mean([r.get("sample_s", np.nan) for r in rows])
        print(f"| {label} | {par} | " + " | ".join(cells) + f" | {ts:.0f} |")


if __name__ == "__main__":
    main()
