"""Barren-plateau check: variance of the training-loss gradient at random initialisation against qubit count.

For each qubit count n it builds the model on stand-in showers (a Dirichlet shape at 10-100 GeV;
the gradient's scale at random angles does not depend on the data's details), draws ``--inits``
random initialisations (every circuit angle uniform in [-pi, pi]), and computes the exact
gradient (statevector, autograd) of the model's own training loss on one fixed batch:

- ``qdiffusion`` (angle encoding, n - 2 data qubits + 2 ancillas, 4 layers): the step-wise MMD
  loss at the last step t = T (:meth:`QuantumDiffusion.step_loss`);
- ``qdenoiser`` (n qubits, 3 layers, ring): the denoising loss at random steps.

Per n it reports Var over initialisations of each partial derivative, averaged over the
parameters, and fits log Var = a - b n by least squares (b with its error from the fit
covariance): b > 0 is an exponential decay, the barren plateau (McClean et al.,
arXiv:1803.11173). Writes ``benchmarks/results/diffusion/plateau.json`` (with provenance) and
``benchmarks/diffusion/plateau.png``.

    python benchmarks/diffusion/plateau.py --qubits 4 6 8 10 12 14 --inits 16
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "benchmarks" / "results" / "diffusion" / "plateau.json"


def _data(v: int, n: int = 256):
    from qhep.models.base import ShowerData

    rng = np.random.default_rng(0)
    e = rng.uniform(10, 100, n)
    x = rng.dirichlet(np.full(v, 2.0), n) * (0.8 * 1000 * e)[:, None]
    return ShowerData(x, e, 10.0, 100.0, (v,))


def _gradients(name: str, n: int, inits: int, batch: int) -> np.ndarray:
    """(inits, P) gradients of the loss at random angles."""
    from qhep.models.training import DEFAULTS, build_model

    v = n - 2 if name == "qdiffusion" else n
    data = _data(v)
    model = build_model(name, data.meta(), {**DEFAULTS[name], "encoding": "angle", "entanglement": "ring"})
    model.fit_stats(data)
    b = {"x": torch.as_tensor(data.showers_mev[:batch]), "energy": torch.as_tensor(data.energies_gev[:batch])}
    params = model.weights if name == "qdiffusion" else model.qnn.weight
    out = []
    for k in range(inits):
        gen = torch.Generator().manual_seed(1000 + k)
        with torch.no_grad():
            params.copy_((torch.rand(params.shape, generator=gen, dtype=params.dtype) * 2 - 1) * torch.pi)
        model.zero_grad()
        loss_gen = torch.Generator().manual_seed(7)  # the same noise and steps for every initialisation
        if name == "qdiffusion":
            loss = model.step_loss(b, loss_gen, model.steps)
        else:
            loss = model.denoising_loss(b, loss_gen)
        loss.backward()
        g = params.grad.detach().reshape(-1).numpy().copy()
        if name == "qdiffusion":  # the rows at t = T: the weights the loss at T depends on
            g = g.reshape(model.weights.shape)[2 * model.steps - 2: 2 * model.steps].reshape(-1)
        out.append(g)
    return np.array(out)


def fit_decay(n: np.ndarray, var: np.ndarray) -> tuple[float, float]:
    """(b, sigma_b) of log Var = a - b n, least squares, sigma from the fit covariance."""
    coef, cov = np.polyfit(n, np.log(var), 1, cov=True)
    return float(-coef[0]), float(np.sqrt(cov[0, 0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 6, 8, 10, 12, 14])
    parser.add_argument("--inits", type=int, default=16)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--models", nargs="+", default=["qdenoiser", "qdiffusion"])
    parser.add_argument("--replot", action="store_true", help="only redraw plateau.png from plateau.json")
    args = parser.parse_args()
    if args.replot:
        import json

        plot(json.loads(OUT.read_text()))
        return
    from qhep.provenance import record

    torch.set_num_threads(1)
    doc: dict = {"models": {}}
    for name in args.models:
        rows = []
        for n in args.qubits:
            t0 = time.perf_counter()
            g = _gradients(name, n, args.inits, args.batch)
            var = g.var(0, ddof=1)
            rows.append({"qubits": n, "parameters": int(g.shape[1]), "mean_var": float(var.mean()),
                         "var_first": float(var[0]), "mean_abs": float(np.abs(g).mean()),
                         "seconds": round(time.perf_counter() - t0, 1)})
            print(name, rows[-1], flush=True)
        ns = np.array([r["qubits"] for r in rows], dtype=float)
        b, sb = fit_decay(ns, np.array([r["mean_var"] for r in rows]))
        doc["models"][name] = {"rows": rows, "decay_per_qubit": b, "decay_err": sb}
        print(f"{name}: Var ~ exp(-b n), b = {b:.3f} ± {sb:.3f} per qubit", flush=True)
    record(OUT, doc, args)
    plot(doc)


def plot(doc: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (name, m) in enumerate(doc["models"].items()):
        n = np.array([r["qubits"] for r in m["rows"]], dtype=float)
        v = np.array([r["mean_var"] for r in m["rows"]])
        ax.plot(n, v, "o", color=f"C{i}", label=f"{name}: b = {m['decay_per_qubit']:.2f} ± {m['decay_err']:.2f}")
        a = np.polyfit(n, np.log(v), 1)
        ax.plot(n, np.exp(np.polyval(a, n)), "-", color=f"C{i}", lw=1)
    ax.set(yscale="log", xlabel="qubits (simulated, ancillas included)",
           ylabel="Var of dLoss/dtheta at random init\n(mean over parameters)",
           title="Barren-plateau check: fit Var ~ exp(-b n)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(__file__).with_name("plateau.png"), dpi=100)


if __name__ == "__main__":
    main()
