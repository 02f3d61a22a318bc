"""Generator results table: every model x backend x metric, 3 seeds, two energy ranges, real-vs-real floor.

For each energy range, 8-pixel PbWO4 showers are generated (training file and an
independent reference file), each model is trained per seed on ``statevector``, and
sampled on ``statevector`` (``--n-exact`` showers) and on ``fake:torino`` without and
with its mitigation (``--n-noisy`` showers, ``--shots`` each: qgan readout-mitigated
quasi-probabilities, qag ZNE + readout on <Z_i>; iqp samples raw bitstrings, so its
mitigated row equals the raw one and is not repeated). Classical GANs have no
quantum backend. Cells are cached in results.json, so an interrupted run resumes.

    python benchmarks/generators/run.py [--seeds 3] [--out benchmarks/generators]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

RANGES = {"10-100GeV": (10.0, 100.0), "1-10GeV": (1.0, 10.0)}
MODELS = {"qgan": ("qgan", {}), "qag": ("qag", {}), "iqp": ("iqp", {}), "gan (matched)": ("gan", {}),
          "gan (large)": ("gan", {"size": "large", "steps": 1500}),
          # the converged classical reference: a 3x128 DDPM noise predictor (35,848 weights), 20,000 steps
          "ddpm (large, reference)": ("ddpm", {"size": "large", "steps": 20000, "lr": 3e-4, "batch": 512})}
MITIGATION = {"qgan": "readout", "qag": "zne,readout"}
METRICS = ("mean_image_rel_error", "w1_pixel", "ks_pixel", "w1_total_gev", "ks_total", "corr_diff", "fpd", "kpd",
           "classifier_auc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent))
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--n-exact", type=int, default=10000)
    parser.add_argument("--n-noisy", type=int, default=300)
    parser.add_argument("--shots", type=int, default=1000)
    args = parser.parse_args()
    from qhep.data import generate_showers, read_calo, write_calo
    from qhep.execution import get_runner
    from qhep.metrics import evaluate
    from qhep.models import load_run, train

    out = Path(args.out)
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    cache_path = out / "results.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}

    def cell(key: str, fn):
        if key not in cache:
            start = time.perf_counter()
            cache[key] = fn()
            cache[key]["seconds"] = round(time.perf_counter() - start, 1)
            cache_path.write_text(json.dumps(cache, indent=1))
            print(key, {m: round(v["value"], 4) for m, v in cache[key].items() if isinstance(v, dict)}, flush=True)
        return cache[key]

    for rname, erange in RANGES.items():
        files = {}
        for role, seed in (("train", 101), ("reference", 202)):
            path = work / f"{rname}_{role}.h5"
            if not path.exists():
                s = generate_showers(args.n_train, erange, geometry_name="8px", seed=seed)
                write_calo(path, s.energies_gev, s.showers_mev, s.file_attributes())
            files[role] = read_calo(path)
        ref = files["reference"]
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            idx = rng.choice(len(ref.energies_gev), args.n_exact, replace=False)
            other = rng.choice(len(files["train"].energies_gev), args.n_exact, replace=False)
            cell(f"{rname}|real-vs-real|exact|{seed}", lambda idx=idx, other=other, seed=seed: evaluate(
                ref.showers_mev[idx], files["train"].showers_mev[other], ref.energies_gev[idx],
                files["train"].energies_gev[other], seed=seed, bootstrap=5))
            small = idx[: args.n_noisy]
            cell(f"{rname}|real-vs-real|noisy-size|{seed}", lambda small=small, other=other, seed=seed: evaluate(
                ref.showers_mev[small], files["train"].showers_mev[other[: args.n_noisy]], ref.energies_gev[small],
                files["train"].energies_gev[other[: args.n_noisy]], seed=seed, bootstrap=5))
            for label, (model_name, cfg) in MODELS.items():
                run_dir = work / f"{rname}_{label.replace(' ', '_').replace('(', '').replace(')', '')}_{seed}"
                if not (run_dir / "checkpoint.pt").exists():
                    train(model_name, str(work / f"{rname}_train.h5"), str(run_dir), config=dict(cfg), seed=seed,
                          progress=False)
                model, run = load_run(str(run_dir))
                e_exact = ref.energies_gev[idx]
                cell(f"{rname}|{label}|statevector|{seed}", lambda model=model, e=e_exact, seed=seed: evaluate(
                    ref.showers_mev[idx], model.generate(e, seed=seed), ref.energies_gev[idx], e, seed=seed,
                    bootstrap=5) | {"parameters": run["generator_parameters"]})
                if model.kind == "classical":
                    continue
                e_noisy = ref.energies_gev[small]
                backends = [("fake:torino", None)]
                if model_name in MITIGATION:
                    backends.append(("fake:torino+mit", MITIGATION[model_name]))
                for bname, mit in backends:
                    def noisy(model=model, e=e_noisy, mit=mit, seed=seed):
                        runner = get_runner("fake:torino", shots=args.shots, seed=seed, mitigation=mit)
                        gen = np.clip(model.generate(e, runner=runner, seed=seed, shots=args.shots), 0, None)
                        return evaluate(ref.showers_mev[small], gen, ref.energies_gev[small], e, seed=seed,
                                        bootstrap=5)
                    cell(f"{rname}|{label}|{bname}|{seed}", noisy)
    write_table(cache, out / "results.md", args)


def write_table(cache: dict, path: Path, args) -> None:
    rows: dict[tuple[str, str, str], list[dict]] = {}
    for key, value in cache.items():
        rname, label, backend, _ = key.split("|")
        rows.setdefault((rname, label, backend), []).append(value)
    lines = ["# Generator results (8-pixel PbWO4 showers)", "",
             "Made by `python benchmarks/generators/run.py` (see its docstring); mean +- spread (std) over "
             f"{args.seeds} seeds. Exact rows: {args.n_exact} showers; fake:torino rows: {args.n_noisy} showers x "
             f"{args.shots} shots, compared with the `noisy-size` real-vs-real floor of the same size.", ""]
    for rname in RANGES:
        lines += [f"## {rname}", "", "| model | backend | " + " | ".join(METRICS) + " |",
                  "| --- | --- | " + " | ".join("---" for _ in METRICS) + " |"]
        for (r, label, backend), values in rows.items():
            if r != rname:
                continue
            cells = []
            for m in METRICS:
                vals = np.array([v[m]["value"] for v in values])
                cells.append(f"{vals.mean():.3g} +- {vals.std():.2g}")
            lines.append(f"| {label} | {backend} | " + " | ".join(cells) + " |")
        lines.append("")
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
