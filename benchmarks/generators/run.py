"""Generator results: every model beside classical models of its size, against floors built like the rows.

For each energy range, 8-pixel showers are generated (a training file and an independent
reference file, PbWO4 by default, ``--material siw`` for the HGCal-like Si-W stack). Per seed:

- **floor**: the reference showers at ``--n-exact`` incident energies against GFlash showers
  regenerated *at those energies* with another seed (``real-vs-real``), the same at the noisy
  rows' size (``real-vs-real @N``), and, for comparison only, against showers at independent
  energies (``real-vs-real, independent energies``: the floor the earlier table used);
- **model rows**: each model trained on ``statevector`` and sampled at the reference energies;
- **classical rows of each quantum model's size**: ``mlpgen`` (MLP generator, same MMD) and
  ``gan`` and ``ddpm`` with the quantum model's trainable-parameter count (the closest their
  widths allow), plus the conditional Gaussian
  ``gauss`` (the cheap bar) and the converged large DDPM reference;
- **noisy rows** (quantum models with a circuit readout): ``fake:torino`` (raw and mitigated)
  at ``--n-noisy`` showers beside ``statevector @N``, the same model at the same size with the
  same latent draws, and the distance of the noisy showers to the model's own noiseless ones.

Generated samples are cached in ``benchmarks/generators/work`` (git-ignored) and metric rows in
``benchmarks/results/generators/<material>.json`` (with provenance), so an interrupted run
resumes and ``--rescore`` recomputes metrics without retraining. ``--table`` writes
``benchmarks/generators/results_<material>.md`` tables and the figures from the cache.

    OMP_NUM_THREADS=1 python benchmarks/generators/run.py [--ranges 10-100GeV 1-10GeV] [--seeds 0 1 2]
        [--rows LABEL ...] [--material pbwo4|siw] [--table]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results" / "generators"
RANGES = {"10-100GeV": (10.0, 100.0), "1-10GeV": (1.0, 10.0)}

# label -> (model, config). Quantum and hybrid models first; their sizes set the classical rows.
QUANTUM = {
    "qgan": ("qgan", {}),
    "qag": ("qag", {}),
    "qag (1000 steps)": ("qag", {"steps": 1000}),
    "qag (4 latent, 2 re-upload blocks, 1000 steps)": ("qag", {"latent_qubits": 4, "reupload": 2, "steps": 1000}),
    "iqp": ("iqp", {}),
    "qlatent": ("qlatent", {"batch": 256}),  # the table's runs; the package default is now 512
    "qborn": ("qborn", {}),
}
CLASSICAL = {
    "gauss": ("gauss", {}),
    # the converged classical reference: a 3x128 DDPM noise predictor (35,848 weights), 20,000 steps
    "ddpm (large, reference)": ("ddpm", {"size": "large", "steps": 20000, "lr": 3e-4, "batch": 512}),
}
MITIGATION = {"qgan": "readout", "qag": "zne,readout", "qlatent": "zne,readout"}
COLUMNS = ("mean_image_rel_error", "w1_pixel", "w1_total_gev", "w1_response", "response_bias", "resolution_bias",
           "corr_diff", "fpd", "classifier_auc")


def _registered() -> tuple[str, ...]:
    from qhep.models.names import MODELS

    return MODELS


def quantum_sizes(meta: dict) -> dict[str, int]:
    """Trainable parameters of each registered quantum/hybrid row (built untrained: cheap)."""
    from qhep.models import build_model

    out = {}
    for label, (name, cfg) in QUANTUM.items():
        if name in _registered():
            try:
                out[label] = build_model(name, meta, dict(cfg)).parameter_count()
            except (KeyError, ValueError, TypeError) as err:  # a config this version does not know
                print(f"skip {label}: {err}")
    return out


def rows_for(sizes: dict[str, int]) -> dict[str, tuple[str, dict]]:
    """Every row: quantum rows, the fixed classical rows, and mlpgen/ddpm at each distinct quantum size."""
    rows = {k: v for k, v in QUANTUM.items() if k in sizes}
    rows.update({k: v for k, v in CLASSICAL.items() if v[0] in _registered()})
    for p in sorted(set(sizes.values())):
        if "mlpgen" in _registered():
            rows[f"mlpgen ({p} params)"] = ("mlpgen", {"params": p})
        rows[f"gan ({p} params)"] = ("gan", {"match_params": p})
        rows[f"ddpm ({p} params)"] = ("ddpm", {"match_params": p})
    return rows


def ensure_files(work: Path, rname: str, material: str, n: int = 20000) -> dict[str, Path]:
    """The training (seed 101) and reference (seed 202) files of a range, generated once."""
    from qhep.data import generate_showers, write_calo

    paths = {}
    for role, fseed in (("train", 101), ("reference", 202)):
        paths[role] = path = work / f"{rname}_{role}.h5"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            s = generate_showers(n, RANGES[rname], geometry_name="8px", material_name=material, seed=fseed)
            write_calo(path, s.energies_gev, s.showers_mev, s.file_attributes())
    return paths


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def paired_distance(noisy: np.ndarray, ideal: np.ndarray) -> float:
    """Median over showers of sum|x_noisy - x_ideal| / sum x_ideal (same latent draws, so paired)."""
    return float(np.median(np.abs(noisy - ideal).sum(1) / np.maximum(ideal.sum(1), 1e-9)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranges", nargs="+", default=list(RANGES), choices=list(RANGES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--rows", nargs="+", help="only these row labels (floors always)")
    parser.add_argument("--material", default="pbwo4", choices=["pbwo4", "siw"])
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--n-exact", type=int, default=10000)
    parser.add_argument("--n-noisy", type=int, default=300)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--bootstrap", type=int, default=5)
    parser.add_argument("--no-noisy", action="store_true", help="skip the fake:torino rows")
    parser.add_argument("--rescore", action="store_true",
                        help="only recompute the metrics of every cached sample (no training, no sampling)")
    parser.add_argument("--table", action="store_true", help="only write tables and figures from the cache")
    args = parser.parse_args()
    out_json = RESULTS / f"{args.material}.json"
    cache = json.loads(out_json.read_text()).get("cells", {}) if out_json.exists() else {}
    if args.rescore:
        rescore(args, cache, out_json)
    elif not args.table:
        run(args, cache, out_json)
    write_tables(cache, args)


def run(args: argparse.Namespace, cache: dict, out_json: Path) -> None:
    from qhep.data import generate_showers, read_calo
    from qhep.execution import get_runner
    from qhep.metrics.showers import evaluate, layout_from_attrs
    from qhep.models import ShowerData, load_run, train
    from qhep.provenance import record

    work = HERE / "work" / args.material
    work.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        """Merge with what another run of this script wrote meanwhile (runs may go side by side), then write."""
        import fcntl

        with open(out_json.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if out_json.exists():
                disk = json.loads(out_json.read_text()).get("cells", {})
                cache.update({k: v for k, v in disk.items() if k not in cache})
            record(out_json, {"cells": cache}, args)

    def cell(key: str, make_samples, ref_x, ref_e) -> None:
        """Score cached (or newly made) samples against the reference showers."""
        path = work / f"{_slug(key)}.npz"
        if key in cache and not args.rescore:
            return
        start = time.perf_counter()
        if path.exists():
            z = np.load(path)
            x, e, extra = z["x"], z["e"], {k: float(z[k]) for k in z.files if k not in ("x", "e")}
        else:
            x, e, extra = make_samples()
            np.savez(path, x=x, e=e, **extra)
        row = evaluate(ref_x, x, ref_e, e, seed=int(key.rsplit("|", 1)[1]), bootstrap=args.bootstrap,
                       layout=layout)
        cache[key] = {**row, **extra, "seconds": extra.get("seconds", round(time.perf_counter() - start, 1))}
        save()
        print(key, {m: round(cache[key][m]["value"], 4) for m in ("mean_image_rel_error", "w1_total_gev",
                                                                  "classifier_auc")}, flush=True)

    for rname in args.ranges:
        erange = RANGES[rname]
        ref = read_calo(ensure_files(work, rname, args.material, args.n_train)["reference"])
        layout = layout_from_attrs(ref.attrs, ref.showers_mev.shape[1])
        sizes = quantum_sizes(ShowerData.from_file(str(work / f"{rname}_train.h5")).meta())
        rows = rows_for(sizes)
        for seed in args.seeds:
            rng = np.random.default_rng(seed)
            idx = rng.choice(len(ref.energies_gev), args.n_exact, replace=False)
            rx, re_ = ref.showers_mev[idx].astype(np.float64), ref.energies_gev[idx]

            def regenerated(e=re_, seed=seed):
                s = generate_showers(len(e), erange, geometry_name="8px", material_name=args.material,
                                     seed=303 + seed, energies_gev=e)
                return s.showers_mev, s.energies_gev, {}

            def independent(seed=seed):
                s = generate_showers(args.n_exact, erange, geometry_name="8px", material_name=args.material,
                                     seed=404 + seed)
                return s.showers_mev, s.energies_gev, {}

            cell(f"{rname}|real-vs-real|exact|{seed}", regenerated, rx, re_)
            cell(f"{rname}|real-vs-real @{args.n_noisy}|exact|{seed}",
                 lambda e=re_[: args.n_noisy], seed=seed: regenerated(e, seed), rx[: args.n_noisy],
                 re_[: args.n_noisy])
            cell(f"{rname}|real-vs-real, independent energies|exact|{seed}", independent, rx, re_)
            for label, (model_name, cfg) in rows.items():
                if args.rows and label not in args.rows:
                    continue
                run_dir = work / f"{rname}_{_slug(label)}_{seed}"
                train_s = None
                if not (run_dir / "checkpoint.pt").exists():
                    t0 = time.perf_counter()
                    train(model_name, str(work / f"{rname}_train.h5"), str(run_dir), config=dict(cfg), seed=seed,
                          progress=False)
                    train_s = round(time.perf_counter() - t0, 1)
                model, run = load_run(str(run_dir))
                params = float(run["generator_parameters"])

                def exact(model=model, e=re_, seed=seed, params=params, train_s=train_s):
                    t0 = time.perf_counter()
                    x = model.generate(e, seed=seed)
                    extra = {"parameters": params, "sample_seconds": round(time.perf_counter() - t0, 1)}
                    if train_s is not None:
                        extra["train_seconds"] = train_s
                    return x, e, extra

                cell(f"{rname}|{label}|statevector|{seed}", exact, rx, re_)
                if args.no_noisy or model.kind == "classical" or model_name not in MITIGATION | {"iqp": None}:
                    continue
                e_small = re_[: args.n_noisy]
                ideal_key = f"{rname}|{label}|statevector @{args.n_noisy}|{seed}"
                cell(ideal_key, lambda model=model, e=e_small, seed=seed: exact(model, e, seed, params, None),
                     rx[: args.n_noisy], e_small)
                ideal = np.load(work / f"{_slug(ideal_key)}.npz")["x"]
                backends = [("fake:torino", None)]
                if MITIGATION.get(model_name):
                    backends.append(("fake:torino+mit", MITIGATION[model_name]))
                for bname, mit in backends:
                    def noisy(model=model, e=e_small, mit=mit, seed=seed, ideal=ideal):
                        runner = get_runner("fake:torino", shots=args.shots, seed=seed, mitigation=mit)
                        t0 = time.perf_counter()
                        x = np.clip(model.generate(e, runner=runner, seed=seed, shots=args.shots), 0, None)
                        return x, e, {"parameters": params, "sample_seconds": round(time.perf_counter() - t0, 1),
                                      "distance_to_own_noiseless": paired_distance(x, ideal)}
                    cell(f"{rname}|{label}|{bname}|{seed}", noisy, rx[: args.n_noisy], e_small)
        print(f"{rname}: done", flush=True)


def rescore(args: argparse.Namespace, cache: dict, out_json: Path) -> None:
    """Score every cached sample again with the installed metrics, against the reference it was made for."""
    from qhep.data import read_calo
    from qhep.metrics.showers import evaluate, layout_from_attrs
    from qhep.provenance import record

    work = HERE / "work" / args.material
    for rname in args.ranges:
        path = work / f"{rname}_reference.h5"
        if not path.exists():
            continue
        ref = read_calo(path)
        layout = layout_from_attrs(ref.attrs, ref.showers_mev.shape[1])
        for key in sorted(k for k in cache if k.startswith(f"{rname}|")):
            sample = work / f"{_slug(key)}.npz"
            seed = int(key.rsplit("|", 1)[1])
            if not sample.exists() or seed not in args.seeds or (args.rows and key.split("|")[1] not in args.rows):
                continue
            z = np.load(sample)
            idx = np.random.default_rng(seed).choice(len(ref.energies_gev), args.n_exact, replace=False)[: len(z["e"])]
            row = evaluate(ref.showers_mev[idx].astype(np.float64), z["x"], ref.energies_gev[idx], z["e"], seed=seed,
                           bootstrap=args.bootstrap, layout=layout)
            cache[key] = {**cache[key], **row}
            print("rescored", key, round(row["classifier_auc"]["value"], 4), flush=True)
        record(out_json, {"cells": cache}, args)


def _fmt(values: list[float]) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3g} ± {v.std():.2g}" if len(v) > 1 else f"{v.mean():.3g}"


def write_tables(cache: dict, args: argparse.Namespace) -> None:
    """Markdown tables (mean ± std over seeds) and the quality-vs-size figure, from the cached cells."""
    from qhep.provenance import atomic_write_text

    groups: dict[tuple[str, str, str], list[dict]] = {}
    for key, value in cache.items():
        rname, label, backend, _ = key.split("|")
        groups.setdefault((rname, label, backend), []).append(value)
    lines = [f"# Generator tables, 8-voxel {args.material.upper()} showers", "",
             "Made by `python benchmarks/generators/run.py` "
             f"(`--material {args.material}`); provenance in `benchmarks/results/generators/{args.material}.json`. "
             "Each entry: mean ± standard deviation over the seeds (n = number of seeds). Floors and model rows "
             "use the same incident energies and sample size.", ""]
    for rname in RANGES:
        keys = [k for k in groups if k[0] == rname]
        if not keys:
            continue
        head = "| model | backend | params | n | " + " | ".join(COLUMNS) + " | to own noiseless |"
        lines += [f"## {rname}", "", head,
                  "| --- | --- | --- | --- | " + " | ".join("---" for _ in COLUMNS) + " | --- |"]
        for key in keys:
            values = groups[key]
            params = values[0].get("parameters")
            dist = [v["distance_to_own_noiseless"] for v in values if "distance_to_own_noiseless" in v]
            cells = [_fmt([v[m]["value"] for v in values]) for m in COLUMNS]
            lines.append(f"| {key[1]} | {key[2]} | {int(params) if params else '-'} | {len(values)} | "
                         + " | ".join(cells) + f" | {_fmt(dist) if dist else '-'} |")
        lines.append("")
    atomic_write_text(HERE / f"results_{args.material}.md", "\n".join(lines))
    quality_vs_size(groups, RESULTS / f"quality_vs_size_{args.material}.png")
    physics_figures(groups, args.material)


def physics_figures(groups: dict, material: str, seed: int = 0) -> None:
    """Per range: real vs the reference, the best quantum row and the Gaussian (seed 0 samples), one PNG."""
    from qhep.data import read_calo
    from qhep.metrics.plots import comparison_figure
    from qhep.metrics.showers import layout_from_attrs

    work = HERE / "work" / material
    for rname in RANGES:
        exact = {k[1]: v for k, v in groups.items() if k[0] == rname and k[2] == "statevector"}
        if not exact or not (work / f"{rname}_reference.h5").exists():
            continue
        quantum = [label for label in exact if any(label.startswith(q) for q in QUANTUM)]
        best = min(quantum, key=lambda label: np.mean([v["mean_image_rel_error"]["value"] for v in exact[label]]),
                   default=None)
        ref = read_calo(work / f"{rname}_reference.h5")
        floor = work / f"{_slug(f'{rname}|real-vs-real|exact|{seed}')}.npz"
        if not floor.exists():
            continue
        n = len(np.load(floor)["e"])
        idx = np.random.default_rng(seed).choice(len(ref.energies_gev), n, replace=False)  # as in run()
        samples = {"GFlash reference": (ref.showers_mev[idx].astype(np.float64), ref.energies_gev[idx])}
        for label in ("ddpm (large, reference)", best, "gauss"):
            path = work / f"{_slug(f'{rname}|{label}|statevector|{seed}')}.npz"
            if label and path.exists():
                z = np.load(path)
                samples[label] = (z["x"], z["e"])
        comparison_figure(samples, RESULTS / f"showers_{material}_{rname}.png",
                          layout=layout_from_attrs(ref.attrs, ref.showers_mev.shape[1]),
                          title=f"8-voxel {material.upper()} showers, {rname}, seed {seed}")


def quality_vs_size(groups: dict, path: Path) -> None:
    """Mean-image error, total-energy W1 and AUC against trainable parameters, every exact row, both ranges."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ranges = sorted({k[0] for k in groups}, key=list(RANGES).index)
    metrics = (("mean_image_rel_error", "mean-image rel. error", "log"), ("w1_total_gev", "W1 total energy [GeV]",
               "log"), ("classifier_auc", "classifier AUC", "linear"))
    fig, axes = plt.subplots(len(ranges), 3, figsize=(15, 4.2 * len(ranges)), squeeze=False)
    for r, rname in enumerate(ranges):
        floor = groups.get((rname, "real-vs-real", "exact"), [])
        for c, (m, name, scale) in enumerate(metrics):
            ax = axes[r, c]
            for (rn, label, backend), values in groups.items():
                if rn != rname or backend != "statevector" or not values[0].get("parameters"):
                    continue
                v = np.array([x[m]["value"] for x in values])
                quantum = any(label.startswith(q) for q in QUANTUM)
                ax.errorbar(values[0]["parameters"], v.mean(), yerr=v.std(), marker="o" if quantum else "s",
                            color="C0" if quantum else "C1", capsize=3)
                ax.annotate(label, (values[0]["parameters"], v.mean()), fontsize=6, xytext=(3, 3),
                            textcoords="offset points")
            if floor:
                fv = np.mean([x[m]["value"] for x in floor])
                ax.axhline(fv, color="k", ls=":", label="real-vs-real floor")
            ax.set(xscale="log", yscale=scale, xlabel="trainable parameters", ylabel=name, title=f"{rname}: {name}")
            ax.plot([], [], "o", color="C0", label="quantum / hybrid")
            ax.plot([], [], "s", color="C1", label="classical")
            ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main()
