"""Four-jet clustering of ``ee-zh`` events: QAOA, brute force and annealing on proto-jets against Durham.

For each qubit budget (2 qubits per proto-jet beyond the first, so M = budget / 2 + 1
proto-jets from FastJet exclusive ee_kt), every method clusters each event into four
jets by maximising the summed cone jet function O_R (:mod:`qhep.jets.kjet`). Reported:
the fraction of events where the proto-jet optimum is found, the mean probability of
the optimum in the QAOA state, the median over events of the median jet-parton angle
(best matching), the fraction of events with all four jets within 0.2 rad of a parton,
and seconds per event. ``--radius`` sets R (default 0.6). Each row is also compared
with Durham on the same events, paired: the difference of the median angles (bootstrap
standard error, events resampled) and of the "4 within 0.2" fractions (standard error of
the per-event differences); per-event values and provenance go to ``--out`` (JSON).
``--radius-scan`` instead scans R with brute force.

    python benchmarks/jets/kjet.py [--events 1000] [--budgets 8 12 16 20] [--reps 3]
    python benchmarks/jets/kjet.py --radius-scan --events 40
    python benchmarks/jets/kjet.py --events 1000 --budgets 8 12 16 --methods brute-force random --radius 0.4
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
    parser.add_argument("--methods", nargs="+", default=["qaoa", "brute-force", "sa"])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--train", type=int, default=5, help="events whose QAOA optima give the transferred angles")
    parser.add_argument("--max-iter", type=int, default=10, help="L-BFGS iterations per event from those angles")
    parser.add_argument("--radius-scan", action="store_true")
    parser.add_argument("--radius", type=float, default=None, help="jet radius R of the objective, rad (default 0.6)")
    parser.add_argument("--out", default=None, help="JSON of per-event values, with provenance (default "
                        "benchmarks/results/jets/kjet_rRR.json, RR = 10 R; kjet_radius_scan.json with --radius-scan)")
    args = parser.parse_args()
    from qhep.data.events import generate_events
    from qhep.jets.kjet import DEFAULT_RADIUS, kjet_ising
    from qhep.jets.multijet import jet_parton_angles, solve_kjet_event
    from qhep.jets.qaoa import transfer_init
    from qhep.jets.stats import bootstrap_quantile

    ev = generate_events(args.events + args.train, "ee-zh", seed=13)
    print(f"{args.events} ee-zh events (240 GeV, mean {ev.multiplicity.mean():.1f} visible particles)")
    from qhep.provenance import record

    if args.radius_scan:
        scan = []
        print(f"{'R':>6s}{'jets':>6s}{'median angle':>14s}")
        for radius in (np.pi / 2, 1.2, 1.0, 0.8, 0.6, 0.4):
            angles, n_jets = [], []
            for k in range(args.events):
                p = ev.particles(k)
                sol = solve_kjet_event(p, 4, "brute-force", radius=radius, max_qubits=10)
                n_jets.append(np.unique(sol.labels).size)
                angles.append(np.median(jet_parton_angles(sol.jets(p, 4), ev.partons(k))))
            print(f"{radius:>6.3f}{np.mean(n_jets):>6.2f}{np.median(angles):>14.3f}", flush=True)
            scan.append({"radius": radius, "mean_jets": np.mean(n_jets), "median_angle": np.median(angles)})
        record(args.out or RESULTS / "kjet_radius_scan.json", {"events": args.events, "rows": scan}, args)
        return
    radius = DEFAULT_RADIUS if args.radius is None else args.radius
    print(f"R = {radius} rad; QAOA p = {args.reps} from angles transferred from {args.train} events, "
          f"{args.max_iter} L-BFGS iterations per event, K = {args.shots} samples")
    print(f"{'method':<13s}{'qubits':>7s}{'optimum':>9s}{'P(opt)':>8s}{'angle':>8s}{'4 within 0.2':>14s}"
          f"{'s/event':>9s}")
    events = range(args.train, args.train + args.events)
    rows: list[dict] = []
    for method in [*args.methods, "durham"]:
        for budget in args.budgets if method != "durham" else [None]:
            init = None
            if method == "qaoa":
                from qhep.jets.solve import precluster

                diags = [kjet_ising(precluster(ev.particles(k), budget // 2 + 1)[1], 4, radius).diagonal()
                         for k in range(args.train)]
                init = transfer_init(diags, args.reps, max_iter=50)
            found, popt, angle, all4 = [], [], [], []
            start = time.perf_counter()
            for k in events:
                p = ev.particles(k)
                sol = solve_kjet_event(p, 4, method, radius=radius, max_qubits=budget, reps=args.reps,
                                       shots=args.shots, seed=k, init=init, max_iter=args.max_iter)
                found.append(sol.optimum_found)
                popt.append(sol.p_optimum)
                a = jet_parton_angles(sol.jets(p, 4), ev.partons(k))
                angle.append(np.median(a))
                all4.append(np.all(a < 0.2))
            per = (time.perf_counter() - start) / args.events
            found_s = f"{np.nanmean(found):.3f}" if np.isfinite(found).any() else "-"
            popt_s = f"{np.nanmean(popt):.4f}" if np.isfinite(popt).any() else "-"
            print(f"{method:<13s}{budget or '-':>7}{found_s:>9s}{popt_s:>8s}{np.median(angle):>8.3f}"
                  f"{np.mean(all4):>14.3f}{per:>9.3f}", flush=True)
            rows.append({"method": method, "budget": budget, "optimum_found": found, "p_optimum": popt,
                         "median_angle": angle, "all4_within_0.2": [bool(x) for x in all4], "seconds": per})
    durham = rows[-1]
    print("against Durham, paired (median angle difference, rad; '4 within 0.2' difference):")
    for row in rows[:-1]:
        d_angle = bootstrap_quantile(row["median_angle"], 0.5, minus=durham["median_angle"])
        d4 = np.asarray(row["all4_within_0.2"], float) - np.asarray(durham["all4_within_0.2"], float)
        row["vs_durham"] = {"median_angle": [d_angle.value, d_angle.se],
                            "all4": [float(d4.mean()), float(d4.std(ddof=1) / np.sqrt(d4.size))]}
        print(f"{row['method']:<13s}{row['budget']:>7}  angle {d_angle.value:+.4f} ± {d_angle.se:.4f}   "
              f"4 within 0.2 {d4.mean():+.3f} ± {d4.std(ddof=1) / np.sqrt(d4.size):.3f}", flush=True)
    args.out = args.out or str(RESULTS / f"kjet_r{round(10 * radius):02d}.json")
    record(args.out, {"radius": radius, "events": args.events, "rows": rows}, args)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
