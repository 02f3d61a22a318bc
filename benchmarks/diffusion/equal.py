"""Equal-size diffusion rows: every quantum and hybrid model against classical DDPMs of its parameter count.

Sets: 8-pixel showers, 8x8 showers, 8x8 and 16x16 quark and gluon jets. Rows per set (``ROWS``):

- ``qdiffusion`` (fully quantum) and ``ddpm`` with the same trainable-parameter count
  (``size: <its count>``), the same 400 training steps (batch 64) and the same data, in
  pixel space and in qdiffusion's own representation (``representation: shape+total``: the
  normalised shape and the response, what its amplitude encoding carries);
- ``qdenoiser`` (hybrid) and ``ddpm`` at its count (8 pixels: the circuit on the pixels;
  images: both in the same frozen 8-code latent);
- the large MLP ``ddpm`` and the convolutional ``unet`` (images), as references: ``unet`` as first
  run (2,000 steps, last weights) and ``unet, EMA`` trained longer and sampled from the moving
  average of its weights (``ema``), in pixels and in qdiffusion's representation.

Every (set, row, seed) is trained once and its samples are cached in ``--work`` (``--train``);
``--evaluate`` scores the cached samples with :func:`qhep.metrics.showers.evaluate` against a
reference at the *same* incident energies and sample size (showers: regenerated at the
generated rows' energies with another seed; jets: the half of the test jets whose energies
the models were given, against the other half), so metrics can be recomputed without
retraining. Results: ``benchmarks/results/diffusion/equal/<set>.json`` (with provenance);
``--table`` writes ``benchmarks/diffusion/equal.md``.

    python benchmarks/diffusion/equal.py --train --sets showers-8px --seeds 0 1 2
    python benchmarks/diffusion/equal.py --evaluate --table
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "diffusion" / "equal"
SETS = ("showers-8px", "showers-8x8", "jets-8x8", "jets-16x16", "showers-8x1", "showers-8x2", "showers-8x4")
AMPLITUDE = {"encoding": "amplitude", "trajectories": 1}
QDIFF = {"showers-8px": {}, "showers-8x8": AMPLITUDE, "jets-8x8": AMPLITUDE, "jets-16x16": AMPLITUDE,
         "showers-8x1": AMPLITUDE, "showers-8x2": AMPLITUDE, "showers-8x4": AMPLITUDE}
# quality against size: 8 layers x K radial bins (8x8 is the named 8x8 geometry), one family of showers
RADIAL = {1: (0.0, float("inf")), 2: (0.0, 0.5, float("inf")), 4: (0.0, 0.2, 0.5, 1.0, float("inf"))}
SIZES = ("showers-8x1", "showers-8x2", "showers-8x4", "showers-8x8")
SIZE_ROWS = ("qdiffusion (quantum)", "ddpm at qdiffusion's size", "ddpm large")
DDPM100 = {"sampler": "ddpm"}
DDIM20 = {"sampler": "ddim", "sample_steps": 20, "eta": 0.0}
LARGE = {"showers-8px": {"size": "large", "steps": 3000},
         "showers-8x8": {"size": "large", "steps": 6000, "batch": 256},
         "jets-8x8": {"size": "large", "steps": 6000, "batch": 256},
         "jets-16x16": {"size": "large", "steps": 6000, "batch": 256}}
UNET = {"steps": 2000, "batch": 128}
# the reference as it should be trained: sampled from the weights' moving average, trained until the
# AUC stopped falling (showers: 4,000 steps gave 0.77, 10,000 with a slower average 0.72; jets: 4,000)
UNET_EMA = {"showers-8x8": {"steps": 10000, "batch": 128, "ema": 0.9995},
            "jets-8x8": {"steps": 4000, "batch": 128, "ema": 0.999},
            "jets-16x16": {"steps": 4000, "batch": 128, "ema": 0.999}}


def rows(set_name: str) -> dict[str, tuple[str, dict, dict]]:
    """label: (model, training config, sampler config); ``match`` = the model whose count ``size`` copies."""
    pixels = set_name == "showers-8px"
    if set_name in SIZES[:-1]:
        return {k: v for k, v in rows("showers-8x8").items() if k in SIZE_ROWS}
    out = {
        "qdiffusion (quantum)": ("qdiffusion", dict(QDIFF[set_name]), {}),
        "ddpm at qdiffusion's size": ("ddpm", {"match": "qdiffusion"}, DDPM100),
        "ddpm at qdiffusion's size, shape+total": ("ddpm", {"match": "qdiffusion", "representation": "shape+total"},
                                                   DDPM100),
    }
    if pixels:
        out["qdenoiser (hybrid)"] = ("qdenoiser", {"entanglement": "ring"}, DDPM100)  # as published
        out["ddpm at qdenoiser's size"] = ("ddpm", {"match": "qdenoiser"}, DDPM100)
    else:
        out["qdenoiser latent 8 (hybrid)"] = ("qdenoiser", {"latent": 8, "entanglement": "ring"}, DDIM20)
        out["ddpm latent 8 at qdenoiser's size"] = ("ddpm", {"latent": 8, "match": "qdenoiser"}, DDIM20)
    out["ddpm large"] = ("ddpm", dict(LARGE[set_name]), DDPM100)
    out["ddpm large, shape+total"] = ("ddpm", {**LARGE[set_name], "representation": "shape+total"}, DDPM100)
    if not pixels:
        out["unet"] = ("unet", dict(UNET), DDPM100)
        out["unet, EMA"] = ("unet", dict(UNET_EMA[set_name]), DDPM100)
        out["unet, EMA, shape+total"] = ("unet", {**UNET_EMA[set_name], "representation": "shape+total"}, DDPM100)
        # the same trained networks sampled with DDIM in 20 steps (no retraining: ``reuse`` names the row)
        out["unet, EMA, DDIM 20"] = ("unet", dict(UNET_EMA[set_name]), {**DDIM20, "reuse": "unet, EMA"})
        out["unet, EMA, shape+total, DDIM 20"] = ("unet", {**UNET_EMA[set_name], "representation": "shape+total"},
                                                  {**DDIM20, "reuse": "unet, EMA, shape+total"})
    return out


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def flavours(set_name: str) -> tuple[str, ...]:
    return ("quark", "gluon") if set_name.startswith("jets") else ("all",)


def make_data(set_name: str, work: Path, samples: int) -> dict[str, dict]:
    """Per flavour: training file, label, the energies to generate at, the reference and the floor sample."""
    from qhep.data.io import write_calo
    from qhep.data.showers import generate_showers

    work.mkdir(parents=True, exist_ok=True)
    if set_name.startswith("showers"):
        geo = set_name.split("-")[1]
        kw: dict = {"geometry_name": geo}
        if geo in ("8x1", "8x2", "8x4"):
            from qhep.data.showers import MATERIALS, Geometry, geometry

            layers = geometry("8x8", MATERIALS["pbwo4"]).layer_edges_x0
            kw = {"geometry_obj": Geometry(geo, layers, RADIAL[int(geo[2])])}
        path = work / f"{set_name}-train.h5"
        if not path.exists():
            tr = generate_showers(20_000, (10, 100), seed=101, **kw)
            write_calo(path, tr.energies_gev, tr.showers_mev, tr.file_attributes())
        e = generate_showers(samples, (10, 100), seed=202, **kw).energies_gev
        ref = generate_showers(samples, seed=303, energies_gev=e, **kw).showers_mev.astype(float)
        floor = generate_showers(samples, seed=404, energies_gev=e, **kw).showers_mev.astype(float)
        return {"all": {"train": path, "label": None, "e": e, "ref": ref, "e_ref": e, "floor": floor}}
    from qhep.data.events import generate_events
    from qhep.data.io import read_events, write_events, write_jet_images
    from qhep.data.jet_images import jet_images

    out = {}
    for flavour, process in (("quark", "ee-qq"), ("gluon", "ee-gg")):  # both at 125 GeV: 62.5 GeV jets
        parts = []
        for tag, n, seed in (("train", 5_000, 11), ("test", samples, 22)):
            cache = work / f"events-{process}-{tag}-{n}.h5"
            if not cache.exists():
                write_events(cache, generate_events(n, process, seed=seed + (flavour == "gluon")))
            parts.append(jet_images(read_events(cache), pixels=int(set_name.split("-")[1].split("x")[0])))
        path = work / f"{set_name}-{flavour}-train.h5"
        if not path.exists():
            write_jet_images(path, parts[0])
        te = parts[1]
        keep = te.labels == (flavour == "quark")
        pix = te.images[keep].reshape(int(keep.sum()), -1).astype(float) * te.jet_energy[keep, None] * 1000.0
        e = te.jet_energy[keep].astype(float)
        half = min(samples, len(e) // 2)
        # generated rows get the energies of half A; half A itself is the floor, half B the reference
        out[flavour] = {"train": path, "label": flavour, "e": e[:half], "floor": pix[:half],
                        "ref": pix[half: 2 * half], "e_ref": e[half: 2 * half]}
    return out


def resolve(model: str, cfg: dict, set_name: str, meta: dict) -> dict:
    """Training config with ``match`` replaced by ``size`` = the matched model's parameter count."""
    from qhep.models.training import DEFAULTS, build_model

    cfg = {**cfg}
    match = cfg.pop("match", None)
    if match:
        mcfg = {**DEFAULTS[match], **(QDIFF[set_name] if match == "qdiffusion" else {}),
                **({"latent": cfg["latent"]} if "latent" in cfg and match == "qdenoiser" else {})}
        cfg["size"] = build_model(match, meta, mcfg).parameter_count()
    return cfg


def train_cell(set_name: str, flavour: str, label: str, seed: int, d: dict, work: Path) -> Path:
    """Train (once) and sample (once): the cell's folder with ``gen.npy`` and ``cell.json``."""
    from qhep.models.base import ShowerData
    from qhep.models.training import load_run, train
    from qhep.provenance import atomic_write_json

    model_name, cfg, sampler = rows(set_name)[label]
    sampler = dict(sampler)
    reuse = sampler.pop("reuse", None)  # a sampler-only row: the networks of row ``reuse``, sampled otherwise
    cell = work / "cells" / f"{set_name}-{flavour}-{slug(label)}-s{seed}"
    if (cell / "cell.json").exists():
        return cell
    meta = ShowerData.from_file(str(d["train"]), d["label"]).meta()
    cfg = resolve(model_name, cfg, set_name, meta)
    steps = int(cfg.pop("steps", 400))
    if d["label"]:
        cfg["label"] = d["label"]
    run_dir = cell / "run"
    if reuse:
        run_dir = train_cell(set_name, flavour, reuse, seed, d, work) / "run"
    t0 = time.perf_counter()
    if not reuse and not (run_dir / "losses.json").exists():  # written when a run finishes; an interrupted one resumes
        train(model_name, str(d["train"]), str(run_dir), config=cfg, seed=seed, steps=steps, progress=False,
              resume=(run_dir / "checkpoint.pt").exists())
    train_s = None if reuse else round(time.perf_counter() - t0, 1)  # a reused run's time is its own row's
    model, run = load_run(str(run_dir))
    model.config.update(sampler)
    t0 = time.perf_counter()
    gen = model.generate(d["e"], seed=1000 + seed)
    sample_s = time.perf_counter() - t0
    cell.mkdir(parents=True, exist_ok=True)
    np.save(cell / "gen.npy", gen.astype(np.float32))
    info = {"set": set_name, "flavour": flavour, "label": label, "seed": seed, "model": model_name,
            "kind": run["kind"], "parameters": run["generator_parameters"], "config": run["config"],
            "sampler": sampler, "train_steps": steps, "train_s": train_s, "sample_s": round(sample_s, 1),
            "run": str(run_dir.relative_to(work)),
            "samples": int(len(gen))}
    atomic_write_json(cell / "cell.json", info)  # the cache --evaluate reads
    return cell


SHOWN = ("mean_image_rel_error", "w1_response", "corr_diff", "fpd", "classifier_auc", "radial_profile_error")


def _scores(ref, gen, e_ref, e_gen, seed: int, jets: bool, bootstrap: int = 0, layout=None) -> dict[str, float]:
    from qhep.metrics.jets import radial_profile_error
    from qhep.metrics.showers import evaluate

    res = evaluate(ref, gen, e_ref, e_gen, seed=seed, bootstrap=bootstrap, layout=layout)
    row = {k: v["value"] for k, v in res.items()}
    row.update({f"{k}_std": v["std"] for k, v in res.items() if bootstrap})
    if jets:
        row["radial_profile_error"] = radial_profile_error(ref / (1000 * e_ref[:, None]), gen / (1000 * e_gen[:, None]),
                                                           0.4)
    return row


def evaluate_set(set_name: str, work: Path, samples: int, args) -> dict:
    """Score every cached cell of a set (and its floor, with bootstrap errors); written with provenance."""
    from qhep.metrics.jets import girth, qg_separation
    from qhep.provenance import record

    data = make_data(set_name, work, samples)
    jets = set_name.startswith("jets")
    doc: dict = {"set": set_name, "samples": samples, "floor": {}, "cells": [], "qg": []}
    layout = None
    if not jets:  # layer fractions for the classifier: the layout of the training file
        from qhep.data.io import read_calo
        from qhep.metrics.showers import layout_from_attrs

        f = read_calo(str(data["all"]["train"]))
        layout = layout_from_attrs(f.attrs, f.n_voxels)
    for flavour, d in data.items():
        doc["floor"][flavour] = _scores(d["ref"], d["floor"], d["e_ref"], d["e"], 0, jets, bootstrap=args.bootstrap,
                                        layout=layout)
        for cell in sorted((work / "cells").glob(f"{set_name}-{flavour}-*")):
            if not (cell / "cell.json").exists():
                continue
            info = json.loads((cell / "cell.json").read_text())
            gen = np.load(cell / "gen.npy").astype(float)
            info["metrics"] = _scores(d["ref"], gen, d["e_ref"], d["e"], info["seed"], jets, layout=layout)
            doc["cells"].append(info)
            print(set_name, flavour, info["label"], info["seed"], f"AUC {info['metrics']['classifier_auc']:.3f}",
                  flush=True)
    if jets:
        def frac(x, e):
            return x / (1000 * e[:, None])

        def qg(xq, xg, eq, eg, seed=0):
            """qg_separation plus the mean-girth difference gluon - quark (rad) and its standard error."""
            gq, gg = girth(frac(xq, eq), 0.4), girth(frac(xg, eg), 0.4)
            err = float(np.sqrt(gq.var(ddof=1) / len(gq) + gg.var(ddof=1) / len(gg)))
            return {**qg_separation(frac(xq, eq), frac(xg, eg), eq, eg, 0.4, seed=seed),
                    "girth_diff": float(gg.mean() - gq.mean()), "girth_diff_err": err}

        q, g = data["quark"], data["gluon"]
        doc["qg_real"] = qg(q["ref"], g["ref"], q["e_ref"], g["e_ref"])
        doc["qg_floor"] = qg(q["floor"], g["floor"], q["e"], g["e"])
        for cq in sorted((work / "cells").glob(f"{set_name}-quark-*")):
            cg = Path(str(cq).replace("-quark-", "-gluon-"))
            if not ((cq / "gen.npy").exists() and (cg / "gen.npy").exists()):
                continue
            info = json.loads((cq / "cell.json").read_text())
            sep = qg(np.load(cq / "gen.npy").astype(float), np.load(cg / "gen.npy").astype(float), q["e"], g["e"],
                     info["seed"])
            doc["qg"].append({"label": info["label"], "seed": info["seed"], **sep})
    RESULTS.mkdir(parents=True, exist_ok=True)
    return record(RESULTS / f"{set_name}.json", doc, args)


def _fmt(values: list[float]) -> str:
    values = [v for v in values if v is not None and np.isfinite(v)]
    if not values:
        return "-"
    m = float(np.mean(values))
    return f"{m:.3g}" if len(values) == 1 else f"{m:.3g} ± {float(np.std(values)):.2g}"


def _real(row: dict, key: str) -> str:
    err = row.get(key + "_err")
    return f"{row[key]:.3g}" + (f" ± {err:.2g}" if err is not None else "")


def table() -> str:
    """Markdown tables (mean ± std over seeds; the floor ± its bootstrap std) from the results files."""
    lines = []
    for set_name in SETS:
        path = RESULTS / f"{set_name}.json"
        if not path.exists():
            continue
        doc = json.loads(path.read_text())
        for flavour, floor in doc["floor"].items():
            keys = [k for k in SHOWN if k in floor]
            lines += [f"### {set_name}" + ("" if flavour == "all" else f", {flavour} jets")
                      + f" ({doc['samples']} samples per row)", "",
                      "| model | kind | params | seeds | " + " | ".join(keys) + " | train s | sample s |",
                      "|" + " --- |" * (len(keys) + 6)]
            lines.append("| real vs real (same energies) | - | - | - | " + " | ".join(
                f"{floor[k]:.3g}" + (f" ± {floor[k + '_std']:.2g}" if k + "_std" in floor else "") for k in keys)
                + " | - | - |")
            for label in rows(set_name):
                cells = [c for c in doc["cells"] if c["label"] == label and c["flavour"] == flavour]
                if not cells:
                    continue
                lines.append(f"| {label} | {cells[0]['kind']} | {cells[0]['parameters']} | {len(cells)} | "
                             + " | ".join(_fmt([c["metrics"].get(k) for c in cells]) for k in keys)
                             + f" | {_fmt([c['train_s'] for c in cells])} | {_fmt([c['sample_s'] for c in cells])} |")
            lines.append("")
        if doc.get("qg"):
            keys = ("girth_quark", "girth_gluon", "girth_diff", "girth_separation", "qg_auc")
            lines += [f"### {set_name}: quark/gluon separation", "", "| model | seeds | " + " | ".join(keys) + " |",
                      "|" + " --- |" * (len(keys) + 2),
                      "| real (reference halves) | - | " + " | ".join(_real(doc["qg_real"], k) for k in keys) + " |",
                      "| real (floor halves) | - | " + " | ".join(_real(doc["qg_floor"], k) for k in keys) + " |"]
            for label in rows(set_name):
                qs = [q for q in doc["qg"] if q["label"] == label]
                if qs:
                    lines.append(f"| {label} | {len(qs)} | " + " | ".join(_fmt([q[k] for q in qs]) for k in keys)
                                 + " |")
            lines.append("")
    return "\n".join(lines)


def scaling(args) -> dict:
    """Mean-image error and AUC against pixels (8 layers x 1, 2, 4, 8 radial bins) with fitted exponents.

    Fit: log y = a + k log V by least squares over the sizes with a result (>= 3 needed), each size
    the mean over its seeds; k's error from the fit covariance. Writes ``quality_vs_size.json``
    (results folder) and ``quality_vs_size.png`` (beside this script).
    """
    from qhep.provenance import record

    out: dict = {"models": {}, "floor": {}}
    docs = {s: json.loads((RESULTS / f"{s}.json").read_text()) for s in SIZES if (RESULTS / f"{s}.json").exists()}
    for set_name, doc in docs.items():
        out["floor"][set_name] = {k: doc["floor"]["all"][k] for k in ("mean_image_rel_error", "classifier_auc")}
    for label in SIZE_ROWS:
        pts = []
        for set_name, doc in docs.items():
            cells = [c for c in doc["cells"] if c["label"] == label]
            if not cells:
                continue
            pix = {"showers-8x1": 8, "showers-8x2": 16, "showers-8x4": 32, "showers-8x8": 64}[set_name]
            mie = [c["metrics"]["mean_image_rel_error"] for c in cells]
            auc = [c["metrics"]["classifier_auc"] for c in cells]
            pts.append({"pixels": pix, "seeds": len(cells), "parameters": cells[0]["parameters"],
                        "mean_image_rel_error": float(np.mean(mie)), "mie_std": float(np.std(mie)),
                        "classifier_auc": float(np.mean(auc)), "auc_std": float(np.std(auc))})
        pts.sort(key=lambda p: p["pixels"])
        fit = {}
        if len(pts) >= 3:
            x = np.log([p["pixels"] for p in pts])
            for key in ("mean_image_rel_error", "classifier_auc"):
                coef, cov = np.polyfit(x, np.log([p[key] for p in pts]), 1, cov=True)
                fit[key] = {"exponent": float(coef[0]), "error": float(np.sqrt(cov[0, 0]))}
        out["models"][label] = {"points": pts, "fit": fit}
    record(RESULTS / "quality_vs_size.json", out, args)
    _plot_scaling(out)
    return out


def _plot_scaling(out: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, err, name in ((axes[0], "mean_image_rel_error", "mie_std", "mean-image relative error"),
                               (axes[1], "classifier_auc", "auc_std", "classifier AUC (real vs generated)")):
        for i, (label, m) in enumerate(out["models"].items()):
            pts = m["points"]
            if not pts:
                continue
            fit = m["fit"].get(key)
            tag = f"{label}" + (f": k = {fit['exponent']:.2f} ± {fit['error']:.2f}" if fit else "")
            ax.errorbar([p["pixels"] for p in pts], [p[key] for p in pts], [p[err] for p in pts], fmt="o-",
                        color=f"C{i}", label=tag, capsize=3)
        floor = sorted((int({"showers-8x1": 8, "showers-8x2": 16, "showers-8x4": 32, "showers-8x8": 64}[s]), f[key])
                       for s, f in out["floor"].items())
        if floor:
            ax.plot(*zip(*floor), "k--", label="real vs real (same energies)")
        ax.set(xscale="log", yscale="log" if key == "mean_image_rel_error" else "linear", xlabel="pixels V",
               ylabel=name, title=f"{name} against image size")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(Path(__file__).with_name("quality_vs_size.png"), dpi=100)


def main() -> None:
    from qhep.provenance import atomic_write_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=1000, help="generated (and reference) showers per cell")
    parser.add_argument("--rows", nargs="+", default=None, help="row labels (default: all)")
    parser.add_argument("--work", default=str(Path(__file__).resolve().parent / "work" / "equal"),
                        help="training runs and cached samples")
    parser.add_argument("--train", action="store_true", help="train and sample the missing cells")
    parser.add_argument("--evaluate", action="store_true", help="score the cached samples of --sets")
    parser.add_argument("--bootstrap", type=int, default=10, help="bootstrap resamplings of the floor rows")
    parser.add_argument("--table", action="store_true", help="write benchmarks/diffusion/equal.md")
    parser.add_argument("--scaling", action="store_true", help="quality against size from the evaluated sets")
    args = parser.parse_args()
    work = Path(args.work)
    if args.train:
        for set_name in args.sets:
            data = make_data(set_name, work, args.samples)
            for label in rows(set_name):
                if args.rows and label not in args.rows:
                    continue
                for seed in args.seeds:
                    for flavour, d in data.items():
                        cell = train_cell(set_name, flavour, label, seed, d, work)
                        info = json.loads((cell / "cell.json").read_text())
                        print(f"{set_name} {flavour} {label} s{seed}: {info['parameters']} params, "
                              f"{info['train_s']} + {info['sample_s']} s", flush=True)
    if args.evaluate:
        for set_name in args.sets:
            evaluate_set(set_name, work, args.samples, args)
    if args.scaling:
        for label, m in scaling(args)["models"].items():
            print(label, json.dumps(m["fit"]), flush=True)
    if args.table:
        text = table()
        atomic_write_text(Path(__file__).parent / "equal.md",
                          "# Equal-size diffusion rows (generated by `equal.py --table`)\n\n" + text + "\n")
        print(text)


if __name__ == "__main__":
    main()
