"""qdiffusion ablations: diffusion steps T, reverse-circuit layers, ancillas, and trajectories per sample.

Data: the ``showers-8x1`` set of ``equal.py`` (8 layers x 1 radial bin, 10-100 GeV, 20,000 to
train; 1,000 generated at the energies of an independent file, scored against 1,000 showers
regenerated at those energies, floor = a third sample). The model is qdiffusion with amplitude
encoding (3 + 1 qubits), the setting of ``equal.py``'s size scan; each ablation changes one knob of
the base configuration (T = 10, 4 layers, 2 ancillas, 400 steps, batch 64) and keeps the rest.

- ``--train``: T in 2, 5, 10, 20; layers in 1, 2, 4, 8; ancillas in 0, 1, 2, 3 (each trained
  per seed, cached in ``--work``);
- trajectories per sample (what shots per sample are on a device: each sample's image is the
  mean readout over its trajectories) in 1, 4, 16, 64, 256, sampled from the base runs without
  retraining: more trajectories lower the readout noise of each image and average its ancilla
  branches away, which costs diversity. ``spread`` = median over pixels of std(generated) /
  std(reference) of pixel / E_inc measures it (1 = as varied as the data; the floor's is shown);
- beside them, a classical ``ddpm`` with the trainable-parameter count of each variant (pixels and
  qdiffusion's shape + response representation; same data, 400 steps, DDPM sampling).

``--evaluate`` scores every cached cell with :func:`qhep.metrics.showers.evaluate`; results in
``benchmarks/results/diffusion/ablation.json`` (with provenance), ``--table`` writes
``benchmarks/diffusion/ablation.md``.

    OMP_NUM_THREADS=1 python benchmarks/diffusion/ablation.py --train --evaluate --table
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import equal  # noqa: E402  (the sets, references and floors of the equal-size benchmark)

from qhep.provenance import atomic_write_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "diffusion" / "ablation.json"
SET = "showers-8x1"
BASE = {"encoding": "amplitude", "diffusion_steps": 10, "layers": 4, "ancillas": 2, "trajectories": 1}
KNOBS = {"diffusion_steps": (2, 5, 10, 20), "layers": (1, 2, 4, 8), "ancillas": (0, 1, 2, 3)}
TRAJECTORIES = (1, 4, 16, 64, 256)
SHOWN = ("mean_image_rel_error", "w1_response", "corr_diff", "classifier_auc", "spread")


def variants() -> dict[str, dict]:
    """Cell name -> training config (the base once, then one knob changed at a time)."""
    out = {"base": dict(BASE)}
    for knob, values in KNOBS.items():
        for v in values:
            if v != BASE[knob]:
                out[f"{knob}={v}"] = {**BASE, knob: v}
    return out


def twins(train_file: Path) -> dict[str, dict]:
    """Cell name -> classical ``ddpm`` config with the trainable-parameter count of each qdiffusion variant.

    One per distinct count, in pixels and in qdiffusion's representation (shape + response),
    trained like the quantum cells (400 steps, batch 64, same data), sampled with DDPM.
    """
    from qhep.models.base import ShowerData
    from qhep.models.training import DEFAULTS, build_model

    meta = ShowerData.from_file(str(train_file)).meta()
    counts = sorted({build_model("qdiffusion", meta, {**DEFAULTS["qdiffusion"], **cfg}).parameter_count()
                     for cfg in variants().values()})
    out = {}
    for n in counts:
        out[f"ddpm {n}"] = {"size": n}
        out[f"ddpm {n}, shape+total"] = {"size": n, "representation": "shape+total"}
    return out


def train_cell(name: str, cfg: dict, seed: int, d: dict, work: Path, model: str = "qdiffusion") -> Path:
    from qhep.models.training import train

    run = work / f"{name}-s{seed}".replace(" ", "_").replace(",", "").replace("+", "")
    if not (run / "losses.json").exists():
        t0 = time.perf_counter()
        train(model, str(d["train"]), str(run), config=dict(cfg), seed=seed, steps=400, progress=False,
              resume=(run / "checkpoint.pt").exists())
        atomic_write_text(run / "train_s.txt", f"{time.perf_counter() - t0:.1f}")
    return run


def spread(ref: np.ndarray, gen: np.ndarray, e_ref: np.ndarray, e_gen: np.ndarray) -> float:
    """Median over pixels of std(gen / E) / std(ref / E): 1 = as varied as the reference."""
    sr = (ref / e_ref[:, None]).std(0)
    sg = (gen / e_gen[:, None]).std(0)
    keep = sr > 0
    return float(np.median(sg[keep] / sr[keep]))


def score(d: dict, gen: np.ndarray, seed: int, layout) -> dict:
    """``equal.py``'s metrics of a cell, plus its spread."""
    return {**equal._scores(d["ref"], gen, d["e_ref"], d["e"], seed, False, layout=layout),
            "spread": spread(d["ref"], gen, d["e_ref"], d["e"])}


def evaluate_all(args) -> dict:
    from qhep.data.io import read_calo
    from qhep.metrics.showers import layout_from_attrs
    from qhep.models.training import load_run
    from qhep.provenance import record

    work = Path(args.work)
    d = equal.make_data(SET, work / "data", args.samples)["all"]
    f = read_calo(str(d["train"]))
    layout = layout_from_attrs(f.attrs, f.n_voxels)
    doc: dict = {"set": SET, "samples": args.samples, "base": BASE, "floor": score(d, d["floor"], 0, layout),
                 "cells": []}
    cells = {**variants(), **twins(d["train"])}
    for name, cfg in cells.items():
        for seed in args.seeds:
            run = work / f"{name}-s{seed}".replace(" ", "_").replace(",", "").replace("+", "")
            if not (run / "losses.json").exists():
                continue
            model, info = load_run(str(run))
            trajs = TRAJECTORIES if name == "base" else (BASE["trajectories"],)
            for k in trajs:
                if name.startswith("ddpm"):
                    k = None  # a classical DDPM has no trajectories
                else:
                    model.trajectories = k
                t0 = time.perf_counter()
                gen = model.generate(d["e"], seed=1000 + seed)
                row = {"variant": name, "config": cfg, "seed": seed, "trajectories": k,
                       "parameters": info["generator_parameters"],
                       "train_s": float((run / "train_s.txt").read_text()) if (run / "train_s.txt").exists() else None,
                       "sample_s": round(time.perf_counter() - t0, 2), "metrics": score(d, gen, seed, layout)}
                doc["cells"].append(row)
                print(name, seed, f"traj {k}", {m: round(row["metrics"][m], 3) for m in SHOWN}, flush=True)
    return record(RESULTS, doc, args)


def table() -> str:
    doc = json.loads(RESULTS.read_text())
    head = "| " + " | ".join(SHOWN) + " |"
    lines = [f"### {doc['set']}, qdiffusion amplitude encoding ({doc['samples']} samples per row; "
             "mean ± std over seeds)", "",
             "| ablation | value | params | seeds | " + head[2:] + " train s | sample s |",
             "|" + " --- |" * (len(SHOWN) + 6),
             "| real vs real (same energies) | - | - | - | " + " | ".join(f"{doc['floor'][k]:.3g}" for k in SHOWN)
             + " | - | - |"]
    groups = [(knob, [(v, "base" if v == BASE[knob] else f"{knob}={v}", BASE["trajectories"]) for v in vals])
              for knob, vals in KNOBS.items()]
    groups.append(("trajectories per sample", [(k, "base", k) for k in TRAJECTORIES]))
    counts = sorted({c["config"]["size"] for c in doc["cells"] if c["variant"].startswith("ddpm")})  # the targets
    groups.append(("classical DDPM of that size, pixels", [(n, f"ddpm {n}", None) for n in counts]))
    groups.append(("classical DDPM of that size, shape+total", [(n, f"ddpm {n}, shape+total", None) for n in counts]))
    for knob, entries in groups:
        for value, variant, k in entries:
            cells = [c for c in doc["cells"] if c["variant"] == variant and c["trajectories"] == k]
            if not cells:
                continue
            lines.append(f"| {knob} | {value} | {cells[0]['parameters']} | {len(cells)} | "
                         + " | ".join(equal._fmt([c["metrics"][m] for c in cells]) for m in SHOWN)
                         + " | " + " | ".join(equal._fmt([c[k] for c in cells]) for k in ("train_s", "sample_s"))
                         + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=1000, help="generated (and reference) showers per cell")
    parser.add_argument("--variants", nargs="+", default=None, help="cells to train (default: all)")
    parser.add_argument("--work", default=str(Path(__file__).resolve().parent / "work" / "ablation"),
                        help="training runs (cached)")
    parser.add_argument("--train", action="store_true", help="train the missing cells")
    parser.add_argument("--evaluate", action="store_true", help="sample and score every cached cell")
    parser.add_argument("--table", action="store_true", help="write benchmarks/diffusion/ablation.md")
    args = parser.parse_args()
    work = Path(args.work)
    if args.train:
        d = equal.make_data(SET, work / "data", args.samples)["all"]
        for name, cfg in {**variants(), **twins(d["train"])}.items():
            if args.variants and name not in args.variants:
                continue
            for seed in args.seeds:
                run = train_cell(name, cfg, seed, d, work, "ddpm" if name.startswith("ddpm") else "qdiffusion")
                print("trained", run.name, flush=True)
    if args.evaluate:
        evaluate_all(args)
    if args.table:
        text = table()
        atomic_write_text(Path(__file__).with_name("ablation.md"),
                          "# qdiffusion ablations (generated by `ablation.py --table`)\n\n" + text + "\n")
        print(text)


if __name__ == "__main__":
    main()
