"""Thrust on full Z-pole events: every method, with pre-clustering to a qubit budget, on ``statevector``.

For each method and budget M (proto-jets = M + 1 = qubits + 1, FastJet exclusive
ee_kt), solves N ``ee-z`` events (all visible particles) and reports, on the full
event: the fraction with thrust within 1 % of exact, the fraction where the exact
thrust is reached, the fraction where the proto-jet optimum was found, the mean
probability of the optimum in the QAOA state, and seconds per event. QAOA starts from
angles transferred from ``--train`` other events (:func:`qhep.jets.qaoa.transfer_init`)
and runs ``--max-iter`` L-BFGS iterations per event (0: the transferred angles as they are).

Prints the table and writes it, with provenance, to ``benchmarks/results/jets/run.json``.

    python benchmarks/jets/run.py [--events 1000] [--budgets 8 12 16 20] [--reps 4] [--max-iter 0]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "results" / "jets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--budgets", type=int, nargs="+", default=[8, 12, 16, 20])
    parser.add_argument("--methods", nargs="+", default=["qaoa", "brute-force", "sa", "durham", "anti_kt"])
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--train", type=int, default=5)
    parser.add_argument("--train-qubits", type=int, default=16,
                        help="angles are learnt at this size and used at every budget (they transfer in n)")
    parser.add_argument("--max-iter", type=int, default=0)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--out", default=str(RESULTS / "run.json"), help="results JSON, with provenance "
                        "(default %(default)s)")
    args = parser.parse_args()
    from qhep.data.events import generate_events
    from qhep.jets.ising import thrust_ising
    from qhep.jets.qaoa import transfer_init
    from qhep.jets.solve import precluster, solve_event
    from qhep.jets.thrust import exact_thrust
    from qhep.provenance import record

    ev = generate_events(args.events, "ee-z", seed=7)
    train = generate_events(args.train, "ee-z", seed=8)
    exact = np.array([exact_thrust(ev.particles(k))[0] for k in range(ev.n_events)])
    print(f"{args.events} ee-z events, mean {ev.multiplicity.mean():.1f} visible particles; "
          f"QAOA p = {args.reps} from angles learnt on {args.train} other events at <= {args.train_qubits} qubits, "
          f"{args.max_iter} "
          f"L-BFGS iterations per event, K = {args.shots} samples")
    print(f"{'method':<12s}{'qubits':>7s}{'T within 1%':>13s}{'exact T':>9s}{'optimum':>9s}{'P(opt)':>8s}"
          f"{'s/event':>9s}")
    learnt: dict[tuple[int, int], np.ndarray] = {}
    rows = []
    for method in args.methods:
        budgets = args.budgets if method in ("qaoa", "vqe", "brute-force", "sa") else [None]
        for m in budgets:
            init = None
            if method == "qaoa":
                size = min(m, args.train_qubits)
                key = (size, args.reps)
                if key not in learnt:
                    diags = [thrust_ising(precluster(train.particles(k), size + 1)[1]).diagonal()
                             for k in range(args.train)]
                    learnt[key] = transfer_init(diags, args.reps, max_iter=50)
                init = learnt[key]
            t, found, popt = np.zeros(ev.n_events), np.zeros(ev.n_events), np.zeros(ev.n_events)
            start = time.perf_counter()
            for k in range(ev.n_events):
                sol = solve_event(ev.particles(k), method, reps=args.reps, shots=args.shots, max_qubits=m, seed=k,
                                  init=init, max_iter=args.max_iter)
                t[k], found[k], popt[k] = sol.thrust, sol.optimum_found, sol.p_optimum
            per = (time.perf_counter() - start) / ev.n_events
            print(f"{method:<12s}{m if m else '-':>7}{np.mean(t >= 0.99 * exact):>13.3f}"
                  f"{np.mean(t >= exact - 1e-9):>9.3f}{np.nanmean(found) if np.isfinite(found).any() else np.nan:>9.3f}"
                  f"{np.nanmean(popt) if np.isfinite(popt).any() else np.nan:>8.3f}{per:>9.3f}", flush=True)
            rows.append({"method": method, "qubits": m, "t_within_1pct": np.mean(t >= 0.99 * exact),
                         "exact_t": np.mean(t >= exact - 1e-9),
                         "optimum_found": np.nanmean(found) if np.isfinite(found).any() else None,
                         "p_optimum": np.nanmean(popt) if np.isfinite(popt).any() else None, "s_per_event": per,
                         "angles": None if init is None else np.asarray(init).tolist()})
    record(args.out, {"process": "ee-z", "rows": rows}, args)


if __name__ == "__main__":
    main()
