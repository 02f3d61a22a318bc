"""Thrust against its baselines: QAOA, best-of-K random and the pre-clustering floor, with errors.

For each qubit budget n (n + 1 proto-jets, FastJet exclusive ee_kt) and each ``ee-z``
event (all visible particles; same events and seeds as ``run.py``), on ``statevector``:

- ``qaoa``: p = ``--reps`` at angles learnt once on ``--train`` other events
  (:func:`qhep.jets.qaoa.transfer_init`, no per-event optimisation), best of K samples;
- ``random``: best of the same K uniformly random assignments (``method='random'``);
- ``floor``: the best any proto-jet assignment reaches (:func:`qhep.jets.solve.precluster_floor`),
  i.e. the pre-clustering error alone; ``exact``: O(N^3) exact thrust of the full event.

Per event it stores T on the full event, whether the proto-jet optimum was found,
P(optimum) (QAOA: in the final state; random: 1/2**n per draw), the particle-assignment
efficiency against the exact-thrust hemispheres, and seconds. Everything goes to
``--out`` (JSON with provenance); ``--table FILE`` prints the markdown tables from it:
binomial errors on every fraction, bootstrap errors (events resampled, paired between
methods) on the percentiles of Delta(1-T)/(1-T) = (T_exact - T)/(1 - T_exact).

    python benchmarks/jets/baselines.py --events 200 --budgets 8 12 16 20 --reps 6
    python benchmarks/jets/baselines.py --table benchmarks/results/jets/baselines.json [--plot FILE.png]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "results" / "jets" / "baselines.json"


def _efficiency(p: np.ndarray, spins: np.ndarray, exact_spins: np.ndarray) -> float:
    """Fraction of particles in the same hemisphere as exact thrust (up to the global swap)."""
    agree = float(np.mean(spins == exact_spins))
    return max(agree, 1 - agree)


def run(args: argparse.Namespace) -> dict:
    """Solve every event at every budget; per-event arrays keyed by budget."""
    from qhep.data.events import generate_events
    from qhep.jets.ising import thrust_ising
    from qhep.jets.qaoa import transfer_init
    from qhep.jets.solve import precluster, precluster_floor, solve_problem
    from qhep.jets.thrust import exact_thrust

    ev = generate_events(args.events, "ee-z", seed=7)
    train = generate_events(args.train, "ee-z", seed=8)
    t0 = time.perf_counter()
    diags = [thrust_ising(precluster(train.particles(k), args.train_qubits + 1)[1]).diagonal()
             for k in range(args.train)]
    angles = transfer_init(diags, args.reps, max_iter=50)
    train_s = time.perf_counter() - t0
    print(f"angles learnt in {train_s:.0f} s at {args.train_qubits} qubits: {np.round(angles, 4).tolist()}", flush=True)
    exact, exact_s, exact_spins, mult = [], [], [], []
    for k in range(ev.n_events):
        p = ev.particles(k)
        t0 = time.perf_counter()
        t, axis = exact_thrust(p)
        exact_s.append(time.perf_counter() - t0)
        exact.append(t)
        exact_spins.append(np.where(p[:, :3] @ axis >= 0, 1.0, -1.0))
        mult.append(p.shape[0])
    budgets = {}
    for n in args.budgets:
        cols: dict[str, list] = {key: [] for key in (
            "floor", "qaoa_T", "random_T", "qaoa_found", "random_found", "qaoa_p_opt", "random_p_opt",
            "qaoa_eff", "random_eff", "floor_eff", "precluster_s", "diagonal_s", "qaoa_s", "random_s")}
        start = time.perf_counter()
        for k in range(ev.n_events):
            p = ev.particles(k)
            t0 = time.perf_counter()
            labels, work = precluster(p, n + 1) if p.shape[0] > n + 1 else (np.arange(p.shape[0]), p)
            cols["precluster_s"].append(time.perf_counter() - t0)
            cols["floor"].append(precluster_floor(p, n + 1))
            problem = thrust_ising(work)
            t0 = time.perf_counter()
            diag = problem.diagonal()
            cols["diagonal_s"].append(time.perf_counter() - t0)
            best_spins = problem.spins(problem.bits_from_ints(np.array([int(np.argmin(diag))])))[0][labels]
            cols["floor_eff"].append(_efficiency(p, best_spins, exact_spins[k]))
            for method in ("qaoa", "random"):
                t0 = time.perf_counter()
                sol = solve_problem(problem, method, reps=args.reps, shots=args.shots, seed=k, init=angles,
                                    max_iter=0, diag=diag)
                cols[f"{method}_s"].append(time.perf_counter() - t0)
                spins = problem.spins(problem.bits_from_ints(np.array([sol.best])))[0][labels]
                total = np.linalg.norm(spins @ p[:, :3])
                cols[f"{method}_T"].append(float(total / np.linalg.norm(p[:, :3], axis=1).sum()))
                cols[f"{method}_found"].append(sol.optimum_found)
                cols[f"{method}_p_opt"].append(sol.p_optimum)
                cols[f"{method}_eff"].append(_efficiency(p, spins, exact_spins[k]))
        print(f"{n} qubits: {(time.perf_counter() - start) / ev.n_events:.3f} s/event", flush=True)
        budgets[str(n)] = cols
    return {"events": ev.n_events, "process": "ee-z", "event_seed": 7, "train_seed": 8, "reps": args.reps,
            "shots": args.shots, "train_qubits": args.train_qubits, "angles": angles.tolist(),
            "train_seconds": train_s, "multiplicity": mult, "exact_T": exact, "exact_s": exact_s,
            "budgets": budgets}


def tables(doc: dict) -> str:
    """Markdown tables (binomial / bootstrap errors) and the target checks of a ``run`` document."""
    from qhep.jets.stats import binomial, bootstrap_quantile, rel_delta_1mt

    exact = np.asarray(doc["exact_T"])
    k_shots = doc["shots"]
    out = [f"{doc['events']} events, K = {k_shots}. Fractions: value ± binomial standard error; "
           "percentiles: value ± bootstrap standard error (2000 resamples of the events).", "",
           "| qubits | method | optimum found | P(optimum) | 2^-n (n = budget) | T within 1 % | exact T reached "
           "| median Δ(1−T)/(1−T) | 90th pct Δ(1−T)/(1−T) | s/event |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    checks = []
    for n, cols in doc["budgets"].items():
        c = {key: np.asarray(v, dtype=float) for key, v in cols.items()}
        floor_rel = rel_delta_1mt(c["floor"], exact)
        solve_s = c["precluster_s"] + c["diagonal_s"]
        for method in ("qaoa", "random", "floor"):
            t = c["floor"] if method == "floor" else c[f"{method}_T"]
            rel = rel_delta_1mt(t, exact)
            if method == "floor":
                found, popt, sec = "1 (by definition)", "-", "-"
            else:
                found = str(binomial(c[f"{method}_found"] > 0.5))
                pv = c[f"{method}_p_opt"]
                popt = f"{pv.mean():.2e} ± {pv.std(ddof=1) / np.sqrt(pv.size):.1e}"
                sec = f"{np.mean(solve_s + c[f'{method}_s']):.3f}"
            label = {"qaoa": f"QAOA p = {doc['reps']}", "random": f"random best of {k_shots}",
                     "floor": "pre-clustering floor"}[method]
            out.append(f"| {n} | {label} | {found} | {popt} | {2.0 ** -int(n):.2e} | "
                       f"{binomial(t >= 0.99 * exact)} | {binomial(t >= exact - 1e-9)} | "
                       f"{bootstrap_quantile(rel, 0.5)} | {bootstrap_quantile(rel, 0.9)} | {sec} |")
        q_rel, r_rel = rel_delta_1mt(c["qaoa_T"], exact), rel_delta_1mt(c["random_T"], exact)
        diff_found = (c["qaoa_found"] - c["random_found"])
        d_found = (diff_found.mean(), diff_found.std(ddof=1) / np.sqrt(diff_found.size))
        d_p90 = bootstrap_quantile(r_rel, 0.9, minus=q_rel)
        gap = bootstrap_quantile(q_rel, 0.9, minus=floor_rel)
        checks.append(f"| {n} | {d_found[0]:.3f} ± {d_found[1]:.3f} ({d_found[0] / max(d_found[1], 1e-12):.1f} σ) | "
                      f"{d_p90} ({d_p90.value / max(d_p90.se, 1e-12):.1f} σ) | {gap} |")
    out += ["", "Targets (paired over the same events): QAOA − random in optimum found; random − QAOA in the "
            "90th percentile of Δ(1−T)/(1−T); QAOA − floor in that percentile (target < 0.005).", "",
            "| qubits | optimum found: QAOA − random | p90: random − QAOA | p90: QAOA − floor |",
            "| --- | --- | --- | --- |", *checks]
    out += ["", "Solver's own error, Δ = (T_floor − T)/(1 − T_exact), and assignment efficiency (fraction of "
            "particles in the exact-thrust hemisphere, mean ± standard error):", "",
            "| qubits | method | median Δ_solver | 90th pct Δ_solver | efficiency |", "| --- | --- | --- | --- | --- |"]
    for n, cols in doc["budgets"].items():
        c = {key: np.asarray(v, dtype=float) for key, v in cols.items()}
        for method in ("qaoa", "random", "floor"):
            eff = c[f"{method}_eff"]
            if method == "floor":
                med = p90 = "0"
            else:
                rel = (c["floor"] - c[f"{method}_T"]) / np.maximum(1 - exact, 1e-12)
                med, p90 = bootstrap_quantile(rel, 0.5), bootstrap_quantile(rel, 0.9)
            eff_se = eff.std(ddof=1) / np.sqrt(eff.size)
            out.append(f"| {n} | {method} | {med} | {p90} | {eff.mean():.4f} ± {eff_se:.4f} |")
    mult = np.asarray(doc["multiplicity"])
    edges = [0, 30, 40, 50, 60, 1000]
    big = max(doc["budgets"], key=int)
    c = {key: np.asarray(v, dtype=float) for key, v in doc["budgets"][big].items()}
    out += ["", f"Assignment efficiency against multiplicity at {big} qubits (mean ± standard error):", "",
            "| particles | events | QAOA | random | floor |", "| --- | --- | --- | --- | --- |"]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (mult >= lo) & (mult < hi)
        if sel.sum() > 1:
            cells = [f"{c[f'{m}_eff'][sel].mean():.4f} ± {c[f'{m}_eff'][sel].std(ddof=1) / np.sqrt(sel.sum()):.4f}"
                     for m in ("qaoa", "random", "floor")]
            label = f"{max(lo, int(mult.min()))}-{hi - 1}" if hi < edges[-1] else f"{lo}+"
            out.append(f"| {label} | {int(sel.sum())} | " + " | ".join(cells) + " |")
    ex_s = np.asarray(doc["exact_s"])
    out += ["", f"Exact O(N^3) thrust of the full event (mean {mult.mean():.1f} particles): "
            f"{ex_s.mean() * 1e3:.2f} ± {ex_s.std(ddof=1) / np.sqrt(ex_s.size) * 1e3:.2f} ms/event; "
            f"mean 1−T (exact) {np.mean(1 - exact):.4f} ± {np.std(1 - exact, ddof=1) / np.sqrt(exact.size):.4f}."]
    return "\n".join(out)


def plot(doc: dict, path: str) -> None:
    """1 - T histogram at the largest budget: exact, floor, QAOA, random; the LEP mean as a line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qhep.data.plots import LEP_REFERENCE

    exact = np.asarray(doc["exact_T"])
    big = max(doc["budgets"], key=int)
    c = doc["budgets"][big]
    bins = np.linspace(0, 0.45, 46)  # the last bin also holds the overflow
    fig, ax = plt.subplots(figsize=(6, 4))
    for t, label, style in ((exact, "exact thrust (full event)", dict(color="k", lw=2)),
                            (c["floor"], f"pre-clustering floor ({int(big) + 1} proto-jets)", dict(color="C2")),
                            (c["qaoa_T"], f"QAOA, {big} qubits", dict(color="C0", ls="--")),
                            (c["random_T"], f"random best of {doc['shots']}, {big} qubits", dict(color="C3"))):
        one_minus = 1 - np.asarray(t)
        ax.hist(np.clip(one_minus, 0, bins[-1] - 1e-9), bins=bins, histtype="step",
                label=f"{label}: mean {one_minus.mean():.4f}", **style)
    ax.axvline(LEP_REFERENCE["one_minus_thrust"], color="grey", ls=":",
               label=f"LEP mean 1−T ≈ {LEP_REFERENCE['one_minus_thrust']}")
    ax.set_xlabel("1 − T (dimensionless; last bin includes overflow)")
    ax.set_ylabel(f"events / {bins[1] - bins[0]:.2f}")
    ax.set_title(f"{doc['events']} ee → Z → hadrons events (Pythia 8, all visible particles)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--budgets", type=int, nargs="+", default=[8, 12, 16, 20])
    parser.add_argument("--reps", type=int, default=6)
    parser.add_argument("--train", type=int, default=5)
    parser.add_argument("--train-qubits", type=int, default=16)
    parser.add_argument("--shots", type=int, default=1000, help="K for QAOA and for the random baseline")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--table", default=None, help="print the tables of an existing --out file instead")
    parser.add_argument("--plot", default=None, help="also write the 1 - T histogram (PNG)")
    args = parser.parse_args()
    if args.table:
        try:
            doc = json.loads(Path(args.table).read_text())
        except (OSError, ValueError) as exc:
            raise SystemExit(f"{args.table}: not a readable baselines JSON file ({exc.__class__.__name__})") from None
    else:
        from qhep.provenance import record

        doc = record(args.out, run(args), args)
        print(f"wrote {args.out}")
    print(tables(doc))
    if args.plot:
        plot(doc, args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
