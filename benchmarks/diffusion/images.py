"""Diffusion models on images: 8x8 showers and 8x8 / 16x16 quark and gluon jet images.

Rows: ``qdiffusion`` (fully quantum, amplitude encoding: 64 pixels on 6 + 1 qubits, 256 on
8 + 1), the latent ``qdenoiser`` (hybrid: frozen classical autoencoder to 8 codes, an
8-qubit noise predictor), its classical twin ``ddpm`` in the same latent at the nearest
one-hidden-layer parameter count (74 against 64; ``equal.py`` matches counts exactly), and the
large pixel-space ``ddpm`` reference. Each is trained per data set (per flavour
for jets), sampled at the incident (jet) energies of half of an independent test sample and
scored against the other half with :func:`qhep.metrics.showers.evaluate` (no bootstrap: the
spread is over seeds), plus for jets the radial-profile error and, from the quark and gluon
models of the same seed, the girth separation power and q/g classifier AUC
(:mod:`qhep.metrics.jets`). Every cell is written with its provenance to
``benchmarks/results/diffusion/images/cells`` (a re-run skips finished cells, so the sets and
seeds can run in parallel processes); ``--table`` writes ``images/tables.md`` there from the cells.

    python benchmarks/diffusion/images.py --sets showers-8x8 jets-8x8 --seeds 0 1 2
    python benchmarks/diffusion/images.py --sets jets-16x16 --seeds 0 1 2
    python benchmarks/diffusion/images.py --table
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1] / "results" / "diffusion" / "images"
SETS = ("showers-8x8", "jets-8x8", "jets-16x16")
KEYS = ("mean_image_rel_error", "w1_pixel", "w1_total_gev", "corr_diff", "fpd", "classifier_auc",
        "radial_profile_error")
LARGE = {"size": "large", "steps": 6000, "batch": 256}
ROWS = {  # label: (model, training config, sampler config)
    "qdiffusion (quantum)": ("qdiffusion", {"encoding": "amplitude", "trajectories": 1}, {}),
    "qdenoiser latent 8 (hybrid), DDIM 20": ("qdenoiser", {"latent": 8, "entanglement": "ring"},
                                             {"sampler": "ddim", "sample_steps": 20}),
    "ddpm latent 8 matched (classical), DDIM 20": ("ddpm", {"latent": 8, "size": "matched"},
                                                   {"sampler": "ddim", "sample_steps": 20}),
    "ddpm large (classical), DDPM 100": ("ddpm", LARGE, {"sampler": "ddpm"}),
    "ddpm large (classical), DDIM 20": ("ddpm", LARGE, {"sampler": "ddim", "sample_steps": 20}),
}


NOTE = """> Earlier runs, kept for the record: scored with the shower metrics before their revision
> (classifier inputs, folded AUC, floors from two halves of one test file) and without equal-size
> classical rows (the latent MLP has 74 parameters against the qdenoiser's 64; no classical row
> has qdiffusion's count). Do not quote them against each other as quantum vs classical: the
> equal-size, energy-matched tables are [`../../../diffusion/equal.md`](../../../diffusion/equal.md), read in
> [`../../../diffusion/results.md`](../../../diffusion/results.md). The 16x16 jets have since been run
> in the equal-size protocol (`../../../diffusion/equal.md`)."""


def make_data(name: str, work: Path, samples: int) -> dict:
    """Training file and test arrays of one set: {flavour: (train file, label, test pixels, test energies)}."""
    from qhep.data.events import generate_events
    from qhep.data.io import read_events, write_calo, write_events, write_jet_images
    from qhep.data.jet_images import jet_images
    from qhep.data.showers import generate_showers

    if name == "showers-8x8":
        path = work / "showers-8x8-train.h5"
        tr = generate_showers(20_000, (10, 100), geometry_name="8x8", seed=101)
        write_calo(path, tr.energies_gev, tr.showers_mev, tr.file_attributes())
        te = generate_showers(2 * samples, (10, 100), geometry_name="8x8", seed=202)
        return {"all": (path, None, te.showers_mev.astype(float), te.energies_gev)}
    pixels = int(name.split("-")[1].split("x")[0])
    out = {}
    for flavour, process in (("quark", "ee-qq"), ("gluon", "ee-gg")):  # both at 125 GeV: 62.5 GeV jets
        parts = []
        for tag, n, seed in (("train", 5_000, 11), ("test", samples, 22)):
            cache = work / f"events-{process}-{tag}-{n}.h5"  # shared by the 8x8 and 16x16 sets
            if not cache.exists():
                write_events(cache, generate_events(n, process, seed=seed + (flavour == "gluon")))
            parts.append(jet_images(read_events(cache), pixels=pixels))
        path = write_jet_images(work / f"{name}-{flavour}-train.h5", parts[0])
        te = parts[1]
        keep = te.labels == (flavour == "quark")
        pix = te.images[keep].reshape(int(keep.sum()), -1).astype(float) * te.jet_energy[keep, None] * 1000.0
        out[flavour] = (path, flavour, pix[: 2 * samples], te.jet_energy[keep][: 2 * samples].astype(float))
    return out


def run_cell(label: str, set_name: str, flavour: str, seed: int, data, work: Path, samples: int) -> dict:
    """Train one model on one set and flavour, sample, score; also saves the samples for the q/g pass."""
    from qhep.metrics.jets import radial_profile_error
    from qhep.metrics.showers import evaluate
    from qhep.models.training import load_run, train

    model_name, cfg, sampler = ROWS[label]
    path, jet_label, test_x, test_e = data
    cfg = {**cfg, "steps": cfg.get("steps", 400)}
    if jet_label:
        cfg["label"] = jet_label
    slug = f"{set_name}-{flavour}-{model_name}-{'-'.join(f'{k}{v}' for k, v in cfg.items() if k != 'label')}-s{seed}"
    run_dir = work / "runs" / slug
    train_s = None  # a run trained before (shared by the DDPM and DDIM rows, or by an interrupted pass)
    if not (run_dir / "checkpoint.pt").exists():
        t0 = time.perf_counter()
        train(model_name, str(path), str(run_dir), config=cfg, seed=seed, progress=False)
        train_s = round(time.perf_counter() - t0, 1)
    model, run = load_run(str(run_dir))
    model.config.update(sampler)
    e_gen, e_real = test_e[:samples], test_e[samples: 2 * samples]
    real = test_x[samples: 2 * samples]
    t0 = time.perf_counter()
    gen = model.generate(e_gen, seed=1000 + seed)
    sample_s = time.perf_counter() - t0
    np.save(work / f"gen-{set_name}-{flavour}-{label.replace(' ', '_').replace('/', '')}-s{seed}.npy",
            gen.astype(np.float32))
    row = {k: v["value"] for k, v in evaluate(real, gen, e_real, e_gen, seed=seed, bootstrap=0).items()}
    if jet_label:
        row["radial_profile_error"] = radial_profile_error(real / (1000 * e_real[:, None]),
                                                           gen / (1000 * e_gen[:, None]), 0.4)
    row.update(parameters=run["generator_parameters"], train_s=train_s, sample_s=round(sample_s, 1),
               seed=seed, samples=samples, kind=run["kind"])
    return row


def floor_cell(data, samples: int, jets: bool) -> dict:
    """Real vs real: the two halves of the test sample."""
    from qhep.metrics.jets import radial_profile_error
    from qhep.metrics.showers import evaluate

    _, _, x, e = data
    a, b = x[:samples], x[samples: 2 * samples]
    ea, eb = e[:samples], e[samples: 2 * samples]
    row = {k: v["value"] for k, v in evaluate(b, a, eb, ea, seed=0, bootstrap=0).items()}
    if jets:
        row["radial_profile_error"] = radial_profile_error(b / (1000 * eb[:, None]), a / (1000 * ea[:, None]), 0.4)
    return row


def qg_cell(set_name: str, label: str, seed: int, work: Path, data: dict, samples: int) -> dict:
    """Girth separation and q/g AUC of the generated quark and gluon samples of one row and seed."""
    from qhep.metrics.jets import qg_separation

    tag = label.replace(" ", "_").replace("/", "")
    frac = {}
    for flavour in ("quark", "gluon"):
        gen = np.load(work / f"gen-{set_name}-{flavour}-{tag}-s{seed}.npy").astype(float)
        e = data[flavour][3][:samples]
        frac[flavour] = (gen / (1000 * e[:, None]), e)
    return qg_separation(frac["quark"][0], frac["gluon"][0], frac["quark"][1], frac["gluon"][1], 0.4, seed=seed)


def qg_real(data: dict, samples: int) -> dict:
    from qhep.metrics.jets import qg_separation

    xq, eq = data["quark"][2][samples: 2 * samples], data["quark"][3][samples: 2 * samples]
    xg, eg = data["gluon"][2][samples: 2 * samples], data["gluon"][3][samples: 2 * samples]
    return qg_separation(xq / (1000 * eq[:, None]), xg / (1000 * eg[:, None]), eq, eg, 0.4)


def _save(path: Path, doc: dict, args) -> None:
    from qhep.provenance import record

    record(path, doc, args)


def run(args) -> None:
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    cells = HERE / "cells"
    for set_name in args.sets:
        data = make_data(set_name, work, args.samples)
        jets = set_name.startswith("jets")
        for flavour, d in data.items():
            path = cells / f"{set_name}-{flavour}-real.json"
            if not path.exists():
                _save(path, floor_cell(d, args.samples, jets), args)
        if jets and not (cells / f"{set_name}-qg-real.json").exists():
            _save(cells / f"{set_name}-qg-real.json", qg_real(data, args.samples), args)
        for seed in args.seeds:
            for label in ROWS:
                if args.rows and label not in args.rows:
                    continue
                for flavour, d in data.items():
                    path = cells / f"{set_name}-{flavour}-{_slug(label)}-s{seed}.json"
                    if path.exists():
                        continue
                    row = run_cell(label, set_name, flavour, seed, d, work, args.samples)
                    _save(path, row, args)
                    print(f"{set_name} {flavour} {label} seed {seed}: AUC {row['classifier_auc']:.3f} "
                          f"mean image {row['mean_image_rel_error']:.3f} ({row['train_s']} + {row['sample_s']} s)",
                          flush=True)
                qpath = cells / f"{set_name}-qg-{_slug(label)}-s{seed}.json"
                if jets and not qpath.exists():
                    _save(qpath, qg_cell(set_name, label, seed, work, data, args.samples), args)


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in label).strip("_")


def _fmt(values: list[float | None]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    m, s = float(np.mean(values)), float(np.std(values))
    return f"{m:.3g}" if len(values) == 1 else f"{m:.3g} ± {s:.2g}"


def table() -> str:
    """Markdown tables from the cached cells (mean ± std over seeds)."""
    cells = HERE / "cells"
    lines = [NOTE, ""]
    for set_name in SETS:
        flavours = ["all"] if set_name.startswith("showers") else ["quark", "gluon"]
        keys = KEYS if set_name.startswith("jets") else KEYS[:-1]
        for flavour in flavours:
            real = cells / f"{set_name}-{flavour}-real.json"
            if not real.exists():
                continue
            title = set_name + ("" if flavour == "all" else f", {flavour} jets")
            lines += [f"### {title}", "", "| model | kind | params | seeds | " + " | ".join(keys) + " | train s | "
                      "sample s (10k) |", "|" + " --- |" * (len(keys) + 6)]
            floor = json.loads(real.read_text())
            lines.append("| real vs real | - | - | - | " + " | ".join(f"{floor[k]:.3g}" for k in keys) + " | - | - |")
            for label in ROWS:
                pattern = f"{set_name}-{flavour}-{_slug(label)}-s*.json"
                rows = [json.loads(p.read_text()) for p in sorted(cells.glob(pattern))]
                if not rows:
                    continue
                lines.append(f"| {label} | {rows[0]['kind']} | {rows[0]['parameters']} | {len(rows)} | "
                             + " | ".join(_fmt([r[k] for r in rows]) for k in keys)
                             + f" | {_fmt([r['train_s'] for r in rows])} | {_fmt([r['sample_s'] for r in rows])} |")
            lines.append("")
        if set_name.startswith("jets") and (cells / f"{set_name}-qg-real.json").exists():
            real = json.loads((cells / f"{set_name}-qg-real.json").read_text())
            keys2 = ("girth_quark", "girth_gluon", "girth_separation", "qg_auc")
            lines += [f"### {set_name}: quark/gluon separation", "", "| model | seeds | " + " | ".join(keys2) + " |",
                      "|" + " --- |" * (len(keys2) + 2),
                      "| real | - | " + " | ".join(f"{real[k]:.3g}" for k in keys2) + " |"]
            for label in ROWS:
                rows = [json.loads(p.read_text()) for p in sorted(cells.glob(f"{set_name}-qg-{_slug(label)}-s*.json"))]
                if rows:
                    lines.append(f"| {label} | {len(rows)} | " + " | ".join(_fmt([r[k] for r in rows]) for k in keys2)
                                 + " |")
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=10_000, help="generated (and reference) images per cell")
    parser.add_argument("--rows", nargs="+", default=None, help="row labels to run (default: all)")
    parser.add_argument("--work", default=str(Path(__file__).resolve().parent / "work" / "images"),
                        help="training runs and samples")
    parser.add_argument("--table", action="store_true", help="only write tables.md from the cells")
    args = parser.parse_args()
    from qhep.provenance import atomic_write_text

    if not args.table:
        run(args)
    text = table()
    atomic_write_text(HERE / "tables.md", text + "\n")
    print(text)


if __name__ == "__main__":
    main()
