"""Hardware-aware thrust QAOA: weakest couplings dropped, routed CZ count on a fake device against quality kept.

On ``noise.py``'s events (seed 11; angles learnt on the first ``--train``), for each qubit
count n and kept fraction f of ZZ couplings (:func:`qhep.jets.sparse.sparsify`; every Z
field kept): QAOA p = ``--reps`` on the sparse cost at angles transferred from the sparse
training costs, scored on the FULL thrust cost. Reported per (n, f), mean ± standard error
over events: the ideal approximation ratio on the full cost, P(full optimum), the fraction
of the ideal-above-random gap of the full problem kept, (R_f - R_rand) / (R_1 - R_rand)
(R_1: the first ``--keep``, ideal; R_rand: uniform random on the same event),
and the routed two-qubit-gate count and depth on ``fake:DEVICE`` (transpile only, first
``--transpile`` events). ``--noisy-qubits`` adds the noisy ratio (Aer with the device's
noise model, at the same angles, no mitigation) and its gap kept for those n.

    python benchmarks/jets/sparse.py [--qubits 8 10 12] [--keep 1 0.5 0.25] [--events 30] [--noisy-qubits 8]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "results" / "jets" / "sparse.json"


def _ms(x: list[float]) -> tuple[float, float]:
    a = np.asarray(x, dtype=float)
    return float(a.mean()), float(a.std(ddof=1) / np.sqrt(a.size)) if a.size > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="torino")
    parser.add_argument("--qubits", type=int, nargs="+", default=[8, 10, 12])
    parser.add_argument("--keep", type=float, nargs="+", default=[1.0, 0.5, 0.25])
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--train", type=int, default=10)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--transpile", type=int, default=5, help="events whose circuits are routed for the CZ count")
    parser.add_argument("--noisy-qubits", type=int, nargs="*", default=[])
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()

    from qhep.data.events import generate_events
    from qhep.execution import get_runner
    from qhep.jets.baseline import approximation_ratio
    from qhep.jets.ising import thrust_ising
    from qhep.jets.qaoa import DiagonalQAOA, circuit_values, qaoa_circuit, transfer_init
    from qhep.jets.solve import precluster
    from qhep.jets.sparse import sparsify, z_diagonal
    from qhep.provenance import record

    ev = generate_events(args.events + args.train, "ee-z", seed=11)
    device = get_runner(f"fake:{args.device}", shots=args.shots, seed=3)
    rows = []
    print(f"{'qubits':>6s}{'keep':>6s}{'ZZ':>5s}{'ratio (full cost)':>20s}{'P(opt)':>18s}{'gap kept':>16s}"
          f"{'2q':>6s}{'depth':>7s}{'noisy ratio (gap kept)':>30s}{'s':>6s}")
    for n in args.qubits:
        problems = [thrust_ising(precluster(ev.particles(k), n + 1)[1]) for k in range(args.events + args.train)]
        full = [p.diagonal() for p in problems]
        rand = [float(approximation_ratio(d.mean(), d)) for d in full[args.train:]]
        reference = None
        for keep in args.keep:
            start = time.perf_counter()
            ops = [sparsify(p.operator, keep) for p in problems]
            sparse = [z_diagonal(op) for op in ops]
            angles = transfer_init(sparse[:args.train], args.reps)
            ratio, p_opt, two_q, depth, noisy = [], [], [], [], []
            for i, k in enumerate(range(args.train, args.train + args.events)):
                sim = DiagonalQAOA(sparse[k])
                probs = sim.probabilities(angles)
                d = full[k]
                ratio.append(float(approximation_ratio(probs @ d, d)))
                p_opt.append(float(probs[d <= d.min() + 1e-9 * abs(d.min())].sum()))
                if i < args.transpile or n in args.noisy_qubits:
                    circuit = qaoa_circuit(ops[k], sim.scale, args.reps)
                    values = circuit_values(circuit, angles)
                    if i < args.transpile:
                        stats = device.prepare(circuit).stats
                        two_q.append(stats["two_qubit_gates"])
                        depth.append(stats["depth"])
                    if n in args.noisy_qubits:
                        energy = device.estimate(circuit, problems[k].operator, values[None, :]).values[0, 0]
                        noisy.append(float(approximation_ratio(energy, d)))
            r, r_rand = np.asarray(ratio), np.asarray(rand)
            if reference is None:
                reference = r  # the first --keep (1.0 by default) is the reference
            gap = (r - r_rand) / (reference - r_rand)
            noisy_gap = (np.asarray(noisy) - r_rand) / (reference - r_rand) if noisy else None
            row = {"qubits": n, "keep": keep, "zz_terms": int((ops[args.train].paulis.z.sum(axis=1) == 2).sum()),
                   "ratio": _ms(ratio), "random_ratio": _ms(rand), "p_optimum": _ms(p_opt), "gap_kept": _ms(gap),
                   "two_qubit_gates": float(np.mean(two_q)), "depth": float(np.mean(depth)),
                   "noisy_ratio": _ms(noisy) if noisy else None,
                   "noisy_gap_kept": _ms(noisy_gap) if noisy else None, "seconds": time.perf_counter() - start,
                   "events": args.events, "angles": angles.tolist()}
            rows.append(row)
            noisy_s = (f"{row['noisy_ratio'][0]:.3f}±{row['noisy_ratio'][1]:.3f} "
                       f"(gap {row['noisy_gap_kept'][0]:.2f}±{row['noisy_gap_kept'][1]:.2f})") if noisy else "-"
            print(f"{n:>6d}{keep:>6.2f}{row['zz_terms']:>5d}{row['ratio'][0]:>13.3f}±{row['ratio'][1]:.3f}"
                  f"{row['p_optimum'][0]:>11.4f}±{row['p_optimum'][1]:.4f}{row['gap_kept'][0]:>9.3f}±"
                  f"{row['gap_kept'][1]:.3f}{row['two_qubit_gates']:>6.0f}{row['depth']:>7.0f}{noisy_s:>30s}"
                  f"{row['seconds']:>6.0f}", flush=True)
    record(args.out, {"rows": rows, "device": f"fake:{args.device}"}, args)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
