"""Where quantum stands at a realistic voxel count: latent generators on CaloChallenge ds1-photon binning.

368-voxel PbWO4 GFlash showers (10-100 GeV; 20,000 to train, an independent reference file).
The latent models (``qlatent``: quantum circuit in a fixed PCA latent; ``gauss``: conditional
Gaussian in the same latent) see the same 4 principal components of the log energy fractions
plus the response whatever the voxel count, so their size does not grow with the image; the
large MLP DDPM is the classical reference. Each is trained once per seed, samples ``--n`` showers
at the reference's energies, and is scored with :func:`qhep.metrics.evaluate` (layer layout of
the file) beside a floor regenerated at the same energies. Writes
``benchmarks/results/generators/ds1.json`` (with provenance) and prints a markdown table.

    OMP_NUM_THREADS=1 python benchmarks/generators/ds1.py [--seeds 0] [--n 5000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROWS = {"qlatent": ("qlatent", {"batch": 256}), "gauss": ("gauss", {}),
        "ddpm (large, reference)": ("ddpm", {"size": "large", "steps": 5000, "lr": 3e-4, "batch": 512}),
        # the classical reference through a latent: diffusion on the 8 codes of a frozen autoencoder
        "ddpm (large, latent 8)": ("ddpm", {"size": "large", "latent": 8, "steps": 20000, "lr": 3e-4, "batch": 512})}
SHOWN = ("mean_image_rel_error", "w1_total_gev", "response_bias", "fpd", "classifier_auc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n", type=int, default=5000, help="generated and reference showers per row")
    args = parser.parse_args()
    from qhep.data import generate_showers, read_calo, write_calo
    from qhep.metrics.showers import evaluate, layout_from_attrs
    from qhep.models import load_run, train
    from qhep.provenance import record

    work = HERE / "work" / "ds1"
    work.mkdir(parents=True, exist_ok=True)
    paths = {}
    for role, seed in (("train", 101), ("reference", 202)):
        paths[role] = work / f"{role}.h5"
        if not paths[role].exists():
            s = generate_showers(20000, (10, 100), geometry_name="ds1-photon", seed=seed)
            write_calo(paths[role], s.energies_gev, s.showers_mev, s.file_attributes())
    ref = read_calo(paths["reference"])
    layout = layout_from_attrs(ref.attrs, ref.showers_mev.shape[1])
    rows: dict[str, list] = {}
    for seed in args.seeds:
        idx = np.random.default_rng(seed).choice(len(ref.energies_gev), args.n, replace=False)
        rx, e = ref.showers_mev[idx].astype(np.float64), ref.energies_gev[idx]
        floor = generate_showers(len(e), (10, 100), geometry_name="ds1-photon", seed=303 + seed, energies_gev=e)
        rows.setdefault("real-vs-real (same energies)", []).append(
            {"metrics": evaluate(rx, floor.showers_mev, e, e, seed=seed, bootstrap=5, layout=layout)})
        for label, (name, cfg) in ROWS.items():
            run_dir = work / f"{label.split()[0]}{'_latent' if 'latent 8' in label else ''}_{seed}"
            start = time.perf_counter()
            if not (run_dir / "checkpoint.pt").exists():
                train(name, str(paths["train"]), str(run_dir), config=dict(cfg), seed=seed, progress=False)
            seconds = time.perf_counter() - start
            model, run = load_run(str(run_dir))
            x = model.generate(e, seed=seed)
            rows.setdefault(label, []).append({
                "parameters": run["generator_parameters"], "train_seconds": round(seconds, 1),
                "metrics": evaluate(rx, x, e, e, seed=seed, bootstrap=5, layout=layout)})
            print(label, seed, {k: round(rows[label][-1]["metrics"][k]["value"], 4) for k in SHOWN}, flush=True)
    record(HERE.parent / "results" / "generators" / "ds1.json", {"rows": rows, "voxels": 368}, args)
    print("| model | params | " + " | ".join(SHOWN) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in SHOWN) + " |")
    for label, values in rows.items():
        cells = []
        for k in SHOWN:
            v = np.array([r["metrics"][k]["value"] for r in values])
            b = np.mean([r["metrics"][k]["std"] for r in values])
            cells.append(f"{v.mean():.3g} ± {(v.std() if len(v) > 1 else b):.2g}")
        print(f"| {label} | {values[0].get('parameters', '-')} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
