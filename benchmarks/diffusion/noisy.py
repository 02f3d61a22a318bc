"""Diffusion models sampled on noisy backends: a few hundred 8-pixel showers per row, with their errors.

Trains on ``statevector`` (seed 0, 400 steps, as ``run.py``) the hybrid ``qdenoiser`` with a CZ
chain (``entanglement: chain``: a path on heavy-hex, no SWAPs; the default ring routed onto 12
physical qubits and made one noisy DDIM step cost 32 s) and the fully quantum ``qdiffusion``
(angle encoding, T = 10, 2 ancillas, 4 trajectories), then samples ``--samples`` showers with each
at the incident energies of an independent file, on:

- qdenoiser, DDIM 20 (eta 0): statevector (exact <Z>), aer (shot noise only), fake:torino raw,
  readout, ZNE + readout; every step's 8 <Z_i> from ``--shots`` shots per sample;
- qdiffusion: statevector (exact readout, 4 trajectories), aer and fake:torino with
  ``--traj-shots`` shots per sample (one shot = one trajectory), raw and readout-corrected from
  the same shots;
- both on ``fake:torino@0.1`` (every error rate x 0.1): how much better a device must be.
- the readout of a register that carries no information (every qubit 50/50, the same shots):
  the floor of a fully depolarised device.

Every row uses the same prior draws (the sampling seed), so rows differ by the backend only. Scored
with :func:`qhep.metrics.showers.evaluate` against 10,000 real showers, with bootstrap standard
deviations (10 resamplings, 3 for the classifier AUC); the real-vs-real row at the same sample
size is each metric's floor. A large classical DDPM at the same sample size is the reference.
Cells are written with their provenance to ``benchmarks/results/diffusion/noisy/cells`` as they
finish (re-runs skip them); ``--table`` writes ``table.md`` there from the cells.

    OMP_NUM_THREADS=1 python benchmarks/diffusion/noisy.py [--rows LABEL ...] [--samples 300]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1] / "results" / "diffusion" / "noisy"
WORK = Path(os.environ.get("QHEP_NOISY_WORK", Path(__file__).resolve().parent / "work" / "noisy"))
KEYS = ("mean_image_rel_error", "w1_pixel", "w1_total_gev", "corr_diff", "fpd", "classifier_auc")
DDIM = {"sampler": "ddim", "sample_steps": 20, "eta": 0.0}
MODELS = {  # name -> (model, config, training steps)
    "qdenoiser-chain": ("qdenoiser", {"entanglement": "chain"}, 400),
    "qdiffusion": ("qdiffusion", {}, 400),
    "ddpm-large": ("ddpm", {"size": "large"}, 3000),
}
ROWS = [  # (label, model key, backend, mitigation, mitigated-view)
    ("ddpm large (classical), DDIM 20", "ddpm-large", "statevector", None, None),
    ("qdenoiser chain (hybrid), DDIM 20, statevector", "qdenoiser-chain", "statevector", None, None),
    ("qdenoiser chain (hybrid), DDIM 20, aer", "qdenoiser-chain", "aer", None, None),
    ("qdenoiser chain (hybrid), DDIM 20, fake:torino", "qdenoiser-chain", "fake:torino", None, None),
    ("qdenoiser chain (hybrid), DDIM 20, fake:torino + readout", "qdenoiser-chain", "fake:torino", "readout", None),
    ("qdenoiser chain (hybrid), DDIM 20, fake:torino + ZNE + readout", "qdenoiser-chain", "fake:torino",
     "zne,readout", None),
    ("qdiffusion (quantum), statevector", "qdiffusion", "statevector", None, None),
    ("qdiffusion (quantum), aer", "qdiffusion", "aer", None, None),
    ("qdiffusion (quantum), fake:torino", "qdiffusion", "fake:torino", "readout", "raw"),
    ("qdiffusion (quantum), fake:torino + readout", "qdiffusion", "fake:torino", "readout", "readout"),
    # what a register carrying no information gives: every qubit 50/50, the same shots per sample
    ("qdiffusion readout of the maximally mixed state", "qdiffusion", "mixed", None, None),
    # a device with every error rate 10x lower: where would each model's signal come back?
    ("qdenoiser chain (hybrid), DDIM 20, fake:torino@0.1", "qdenoiser-chain", "fake:torino@0.1", None, None),
    ("qdiffusion (quantum), fake:torino@0.1", "qdiffusion", "fake:torino@0.1", "readout", "raw"),
    ("qdiffusion (quantum), fake:torino@0.1 + readout", "qdiffusion", "fake:torino@0.1", "readout", "readout"),
]


IDEAL = {key: label for label, key, backend, *_ in ROWS if backend == "statevector"}  # noiseless row per model


def _vs_ideal(ideal: np.ndarray, showers: np.ndarray, energies: np.ndarray) -> dict:
    """How far the backend moved the model's own samples (same prior draws): device effect alone.

    ``deviation``: median over samples of ||x - x_ideal|| / ||x_ideal|| (DDIM with eta 0 is
    deterministic given the prior, so for the qdenoiser this is the backend's doing; for
    qdiffusion it includes the trajectories' randomness, which the ``aer`` row measures alone).
    ``auc``: a classifier's AUC between ideal and backend samples (0.5: indistinguishable).
    """
    from qhep.metrics.showers import evaluate

    dev = np.linalg.norm(showers - ideal, axis=1) / np.maximum(np.linalg.norm(ideal, axis=1), 1e-12)
    m = evaluate(ideal, showers, energies, energies, seed=0, metrics=("mean_image_rel_error", "classifier_auc"))
    return {"deviation": float(np.median(dev)), "mean_image_rel_error": m["mean_image_rel_error"],
            "auc": m["classifier_auc"]}


def _slug(label: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in label).strip("_")


def _data(samples: int):
    from qhep.data.io import write_calo
    from qhep.data.showers import generate_showers

    WORK.mkdir(parents=True, exist_ok=True)
    train_file = WORK / "train.h5"
    if not train_file.exists():
        tr = generate_showers(20_000, (10, 100), geometry_name="8px", seed=101)
        write_calo(WORK / "train.tmp.h5", tr.energies_gev, tr.showers_mev, tr.file_attributes())
        os.replace(WORK / "train.tmp.h5", train_file)
    te = generate_showers(10_000 + samples, (10, 100), geometry_name="8px", seed=202)
    real, e_real = te.showers_mev[:10_000].astype(float), te.energies_gev[:10_000]
    return train_file, real, e_real, te.showers_mev[10_000:].astype(float), te.energies_gev[10_000:]


def _model(key: str, train_file: Path):
    from qhep.models.training import load_run, train

    name, cfg, steps = MODELS[key]
    run_dir = WORK / key
    if not (run_dir / "losses.json").exists():
        train(name, str(train_file), str(run_dir), config=cfg, seed=0, steps=steps, progress=False)
    return load_run(str(run_dir))[0]


_SHOTS: dict[tuple, tuple] = {}  # qdiffusion (raw, readout-corrected) outcomes per (backend, mitigation)


def _sample(model, key: str, backend: str, mitigation: str | None, view: str | None, energies: np.ndarray,
            args) -> tuple[np.ndarray, dict]:
    """(showers, facts): facts are shots, transpiled circuit figures and wall time."""
    import torch

    from qhep.execution import get_runner

    if key != "qdiffusion":
        model.config.update(DDIM)
    facts: dict = {}
    t0 = time.perf_counter()
    if backend == "statevector":
        showers = model.generate(energies, seed=args.sample_seed)
    elif backend == "mixed":  # the floor of a fully depolarised device: P(1) = 1/2 on every qubit
        rng = np.random.default_rng(args.sample_seed)
        p1 = rng.binomial(args.traj_shots, 0.5, size=(len(energies), model.n)) / args.traj_shots
        showers = model.decode(torch.as_tensor(1 - 2 * p1), torch.as_tensor(energies, dtype=torch.float64)).numpy()
        facts["shots_per_sample"] = args.traj_shots
    else:
        shots = args.traj_shots if key == "qdiffusion" else args.shots
        runner = get_runner(backend, shots=shots, seed=args.sample_seed, mitigation=mitigation)
        facts["shots_per_sample"] = shots
        if key == "qdiffusion":
            circuit = model.device_circuit()
            if (backend, mitigation) not in _SHOTS:  # raw and readout rows share one run's shots
                outcomes = model.device_outcomes(energies, runner, seed=args.sample_seed, shots=shots)
                _SHOTS[(backend, mitigation)] = outcomes, time.perf_counter() - t0
            (raw, fixed), facts["sample_s"] = _SHOTS[(backend, mitigation)]
            out = fixed if view == "readout" else raw
            showers = model.decode(torch.as_tensor(out, dtype=torch.float64),
                                   torch.as_tensor(energies, dtype=torch.float64)).numpy()
        else:
            circuit = model.circuit
            showers = model.generate(energies, runner=runner, seed=args.sample_seed, shots=shots)
        stats = runner.prepare(circuit).stats
        facts.update(depth=stats.get("depth"), two_qubit_gates=stats.get("two_qubit_gates"),
                     physical_qubits=len(stats.get("physical_qubits", [])) or stats.get("num_qubits"))
    facts.setdefault("sample_s", time.perf_counter() - t0)
    return showers, facts


def _cell(path: Path, row: dict, args) -> None:
    from qhep.provenance import record

    record(path, row, args)


def _fmt(m: dict) -> str:
    v, s = m["value"], m["std"]
    return f"{v:.3g} ± {s:.2g}"


def _ideal_cells(v: dict | None) -> str:
    if not v:
        return "- | - | -"
    return f"{v['deviation']:.3g} | {_fmt(v['mean_image_rel_error'])} | {_fmt(v['auc'])}"


def table() -> str:
    """Markdown table of every finished cell, in ROWS order."""
    cells = {p.stem: json.loads(p.read_text()) for p in sorted((HERE / "cells").glob("*.json"))}
    lines = ["| row | samples | shots/sample | phys. qubits | 2q gates/circuit | depth | " + " | ".join(KEYS)
             + " | vs ideal: deviation | vs ideal: mean image | vs ideal: AUC | sample s |",
             "|" + " --- |" * (len(KEYS) + 10)]
    labels = ["real vs real"] + [r[0] for r in ROWS]
    for label in labels:
        row = cells.get(_slug(label))
        if row is None:
            continue
        f = row.get("facts", {})
        lines.append(f"| {label} | {row['samples']} | {f.get('shots_per_sample', '-')} | "
                     f"{f.get('physical_qubits', '-')} | {f.get('two_qubit_gates', '-')} | {f.get('depth', '-')} | "
                     + " | ".join(_fmt(row["metrics"][k]) for k in KEYS) + " | " + _ideal_cells(row.get("vs_ideal"))
                     + f" | {f.get('sample_s', float('nan')):.0f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", default=None, help="row labels (substring match; default all)")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--shots", type=int, default=1000, help="qdenoiser: shots per <Z> estimate")
    parser.add_argument("--traj-shots", type=int, default=4, help="qdiffusion: shots (trajectories) per sample")
    parser.add_argument("--sample-seed", type=int, default=7)
    parser.add_argument("--table", action="store_true", help="only write table.md from the cells")
    args = parser.parse_args()
    from qhep.provenance import atomic_write_text

    if args.table:
        atomic_write_text(HERE / "table.md", table())
        print(table())
        return
    from qhep.metrics.showers import evaluate

    train_file, real, e_real, held, e_gen = _data(args.samples)
    floor = HERE / "cells" / f"{_slug('real vs real')}.json"
    if not floor.exists():
        m = evaluate(real, held[: args.samples], e_real, e_gen[: args.samples], seed=0, metrics=KEYS)
        _cell(floor, {"label": "real vs real", "samples": args.samples, "metrics": m}, args)
    for label, key, backend, mitigation, view in ROWS:
        if args.rows and not any(r in label for r in args.rows):
            continue
        path = HERE / "cells" / f"{_slug(label)}.json"
        if path.exists():
            continue
        model = _model(key, train_file)
        energies = e_gen[: args.samples]
        showers, facts = _sample(model, key, backend, mitigation, view, energies, args)
        metrics = evaluate(real, showers, e_real, energies, seed=0, metrics=KEYS)
        store = WORK / "samples" / f"{_slug(label)}.npy"
        store.parent.mkdir(exist_ok=True)
        np.save(store, showers)
        ideal = WORK / "samples" / f"{_slug(IDEAL[key])}.npy" if key in IDEAL else None
        vs_ideal = _vs_ideal(np.load(ideal), showers, energies) if ideal and ideal != store and ideal.exists() else None
        _cell(path, {"label": label, "samples": args.samples, "backend": backend, "mitigation": mitigation,
                     "model": MODELS[key][0], "config": MODELS[key][1], "facts": facts, "metrics": metrics,
                     "vs_ideal": vs_ideal, "parameters": model.parameter_count()}, args)
        print(f"{label}: " + ", ".join(f"{k} {_fmt(metrics[k])}" for k in KEYS)
              + f" ({facts['sample_s']:.0f} s)", flush=True)
    atomic_write_text(HERE / "table.md", table())


if __name__ == "__main__":
    main()
