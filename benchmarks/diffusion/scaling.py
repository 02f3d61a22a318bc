"""What the diffusion models cost as the image grows: qubits, parameters, circuit depth, time, shots.

For image sizes V (pixels) it builds each model on showers of V pixels and reports: qubits
(data + ancillas), trainable parameters, depth and two-qubit gates of one circuit after
transpilation for ``fake:torino`` (qhep's pass manager; a sample needs T of them for
``qdiffusion``, T = 100 DDPM or 20 DDIM evaluations for ``qdenoiser``), training time per step
(batch 64) and sampling time per image on ``statevector`` (where it fits: <= 14 simulated
qubits), and the shots per sample a device needs for a pixel precision of ``--precision``
(absolute, on the pixel fraction f = pixel / (E s) in [0, 1]). Shots: ``qdiffusion`` angle reads
f_i = P(1) from one circuit per sample, worst case f = 1/2: 0.25 / d^2; ``amplitude`` reads the
shape from P(j), relative precision d on a pixel with fraction p needs (1 - p) / (p d^2), quoted
for p = 1/V; ``qdenoiser`` needs <Z_i> of every one of its circuits to d / a (a = readout scale
~1.5) at each of T steps: T * a^2 / d^2 shots per sample. Classical rows: the DDPM baselines.
Rows go to ``benchmarks/results/diffusion/scaling.json`` with their provenance; ``--plot`` writes
scaling.png beside this script.

    python benchmarks/diffusion/scaling.py [--sizes 8 16 64 256] [--precision 0.01] [--plot]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch


def _data(v: int, n: int = 512):
    from qhep.models.base import ShowerData

    rng = np.random.default_rng(0)
    e = rng.uniform(10, 100, n)
    shape = rng.dirichlet(np.full(v, 2.0), n)
    x = shape * (0.8 * 1000 * e)[:, None]
    return ShowerData(x, e, 10.0, 100.0, (v,))


def _transpiled(circuit) -> tuple[float, float]:
    from qhep.errors import BackendSpecError
    from qhep.execution import get_runner

    runner = get_runner("fake:torino", seed=0)
    try:
        stats = runner.prepare(circuit).stats
    except BackendSpecError:  # wider than the device
        return float("nan"), float("nan")
    return stats.get("depth", float("nan")), stats.get("two_qubit_gates", float("nan"))


def _time(fn, repeat: int = 3) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def _row(name, v, model, circuit, sim_qubits, shots):
    from qiskit import QuantumCircuit

    data = _data(v)
    model.fit_stats(data)
    model.build_optimizers()
    depth, two_q = _transpiled(circuit) if isinstance(circuit, QuantumCircuit) else (float("nan"),) * 2
    batch = {"x": torch.as_tensor(data.showers_mev[:64]), "energy": torch.as_tensor(data.energies_gev[:64])}
    gen = torch.Generator().manual_seed(0)
    t_step = t_sample = float("nan")
    if sim_qubits <= 14:
        t_step = _time(lambda: model.training_step(batch, gen), 2)
        t_sample = _time(lambda: model.generate(data.energies_gev[:16], seed=0), 1) / 16
    return (name, v, circuit.num_qubits if circuit is not None else 0, model.parameter_count(), depth, two_q,
            t_step, t_sample, shots)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 16, 64, 256])
    parser.add_argument("--precision", type=float, default=0.01)
    parser.add_argument("--plot", action="store_true")
    parser.add_argument("--replot", action="store_true", help="only redraw scaling.png from scaling.json")
    args = parser.parse_args()
    import json
    from pathlib import Path

    from qhep.provenance import record

    store = Path(__file__).resolve().parents[1] / "results" / "diffusion" / "scaling.json"
    if args.replot:
        _plot([tuple(r) for r in json.loads(store.read_text())["rows"]])
        return
    from qhep.models.denoisers import ClassicalDDPM, QuantumDenoiser
    from qhep.models.qdiffusion import QuantumDiffusion

    d = args.precision
    rows = []
    for v in args.sizes:
        meta = {"n_pixels": v, "e_min": 10.0, "e_max": 100.0, "image_shape": [v]}
        for enc in ("angle", "amplitude"):
            if enc == "angle" and v > 64:
                continue
            if enc == "amplitude" and 2 ** int(math.log2(v)) != v:
                continue
            m = QuantumDiffusion(meta, {"encoding": enc, "trajectories": 1})
            shots = 0.25 / d**2 if enc == "angle" else (1 - 1 / v) * v / d**2
            rows.append(_row(f"qdiffusion {enc}", v, m, m.circuit, m.n + m.ancillas, shots))
        q = QuantumDenoiser(meta, {"layers": 3, "diffusion_steps": 100})
        rows.append(_row("qdenoiser (DDPM 100)", v, q, q.circuit, v, 100 * 1.5**2 / d**2))
        for size in ("matched", "large"):
            c = ClassicalDDPM(meta, {"size": size, "diffusion_steps": 100})
            rows.append(_row(f"ddpm {size}", v, c, None, 0, 0))
        print(f"V = {v} done", flush=True)
    head = ("model", "pixels", "qubits", "params", "depth/circuit", "2q/circuit", "train s/step", "sample s/image",
            "shots/sample")
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for r in rows:
        cells = [r[0], str(r[1]), str(r[2] or "-"), str(r[3])]
        cells += ["-" if not np.isfinite(x) else f"{x:.0f}" for x in r[4:6]]
        cells += ["-" if not np.isfinite(x) else f"{x:.3g}" for x in r[6:8]]
        cells.append(f"{r[8]:.3g}" if r[8] else "-")
        print("| " + " | ".join(cells) + " |")
    record(store, {"rows": rows, "precision": args.precision}, args)
    if args.plot:
        _plot(rows)


def _plot(rows) -> None:
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r[0] for r in rows))
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    for ax, (col, label) in zip(axes.flat, [(2, "qubits"), (3, "trainable parameters"), (5, "2q gates per circuit"),
                                          (6, "train s / step (batch 64)"), (7, "sample s / image"),
                                          (8, "shots / sample")]):
        for name in names:
            pts = [(r[1], r[col]) for r in rows if r[0] == name and r[col] and np.isfinite(r[col])]
            if pts:
                ax.plot(*zip(*pts), "o-", color=f"C{names.index(name)}", label=name)
        ax.set(xscale="log", yscale="log", xlabel="pixels", title=label)
    handles = [plt.Line2D([], [], color=f"C{i}", marker="o", label=n) for i, n in enumerate(names)]
    fig.legend(handles=handles, loc="lower center", ncol=len(names), fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.tight_layout()
    fig.savefig(Path(__file__).with_name("scaling.png"), dpi=90)


if __name__ == "__main__":
    main()
