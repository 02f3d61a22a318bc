"""The random baseline for ``noise.py``'s rows: approximation ratio of uniform guessing on its own events.

``noise.py`` reports the approximation ratio (E_max - <H>) / (E_max - E_min) of QAOA p = 1
at transferred angles. Uniformly random assignments have ratio (E_max - mean C) / (E_max - E_min)
on each event (exact, from the diagonal). This script rebuilds ``noise.py``'s events
(same seed 11, same ``--train`` events for the angles), computes per event the random
ratio and the ideal (statevector) ratio at the same angles, the probability that the
best of K = ``--shots`` uniform draws is the optimum (beside ``noise.py``'s "optimum in
K shots"), and reads the noisy rows
(measured by ``noise.py``, mean ± standard error, listed in ``NOISY``) as the fraction of
the ideal-above-random gap the device keeps:

    kept = (R_noisy - R_random) / (R_ideal - R_random).

Its error propagates the noisy row's standard error and the paired (per-event) standard
errors of R_random and of R_ideal - R_random, taken as independent: the noisy and
random ratios are positively correlated over events, so this overstates the error.

    python benchmarks/jets/noise_baseline.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "results" / "jets" / "noise_baseline.json"

# (qubits, events) -> {config: (mean ratio, standard error)} as measured by noise.py (benchmarks/jets/results.md):
# python benchmarks/jets/noise.py --qubits 4 8 12 --events 100; --qubits 8 10 12 --events 100;
# --qubits 10 --events 30; --qubits 12 --events 10 --configs statevector fake fake+readout
NOISY = {
    (4, 100): {"statevector": (0.661, 0.008), "fake:torino": (0.628, 0.008), "+ readout": (0.642, 0.008),
               "+ zne": (0.641, 0.008), "+ zne,readout": (0.656, 0.009)},
    (8, 100): {"statevector": (0.521, 0.006), "fake:torino": (0.434, 0.005), "+ readout": (0.453, 0.005),
               "+ zne": (0.464, 0.005), "+ zne,readout": (0.484, 0.005)},
    (10, 30): {"statevector": (0.482, 0.010), "fake:torino": (0.376, 0.007), "+ readout": (0.390, 0.008),
               "+ zne": (0.404, 0.008), "+ zne,readout": (0.423, 0.009)},
    (12, 10): {"statevector": (0.475, 0.015), "fake:torino": (0.336, 0.009), "+ readout": (0.350, 0.012)},
}


def per_event(n: int, events: int, train: int, reps: int, shots: int) -> dict[str, np.ndarray]:
    """Random and ideal ratios, and P(best of ``shots`` random draws is the optimum), on ``noise.py``'s events."""
    import torch

    from qhep.data.events import generate_events
    from qhep.jets.baseline import approximation_ratio, p_optimum_best_of_k
    from qhep.jets.ising import thrust_ising
    from qhep.jets.qaoa import DiagonalQAOA, transfer_init
    from qhep.jets.solve import precluster

    ev = generate_events(events + train, "ee-z", seed=11)
    diags = [thrust_ising(precluster(ev.particles(k), n + 1)[1]).diagonal() for k in range(events + train)]
    angles = transfer_init(diags[:train], reps)
    rand, ideal, found = [], [], []
    for diag in diags[train:]:
        sim = DiagonalQAOA(diag)
        energy = sim.energy(torch.as_tensor(angles)).item() * sim.scale + sim.offset
        rand.append(approximation_ratio(diag.mean(), diag))
        ideal.append(approximation_ratio(energy, diag))
        found.append(p_optimum_best_of_k(diag, shots))
    return {"random": np.asarray(rand), "ideal": np.asarray(ideal), "random_found": np.asarray(found)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=10)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--shots", type=int, default=1000, help="K of noise.py's 'optimum in K shots' column")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    from qhep.provenance import record

    rows, lines = [], ["| qubits | events | config | ratio | random ratio | gap kept (R − R_rand)/(R_ideal − R_rand) |",
                       "| --- | --- | --- | --- | --- | --- |"]
    for (n, events), configs in NOISY.items():
        r = per_event(n, events, args.train, args.reps, args.shots)
        se = lambda x: float(np.std(x, ddof=1) / np.sqrt(x.size))  # noqa: E731
        r_rand, s_rand = float(r["random"].mean()), se(r["random"])
        gap = r["ideal"] - r["random"]
        b, s_b = float(gap.mean()), se(gap)
        ideal_here = float(r["ideal"].mean())
        for config, (mean, err) in configs.items():
            a = mean - r_rand
            kept = a / b
            s_kept = abs(kept) * np.sqrt((np.hypot(err, s_rand) / a) ** 2 + (s_b / b) ** 2)
            rows.append({"qubits": n, "events": events, "config": config, "ratio": mean, "ratio_se": err,
                         "random_ratio": r_rand, "random_ratio_se": s_rand, "ideal_recomputed": ideal_here,
                         "gap_kept": kept, "gap_kept_se": s_kept})
            lines.append(f"| {n} | {events} | {config} | {mean:.3f} ± {err:.3f} | {r_rand:.3f} ± {s_rand:.3f} | "
                         f"{kept:.2f} ± {s_kept:.2f} |")
        print(f"{n} qubits, {events} events: ideal ratio recomputed here {ideal_here:.3f} "
              f"(noise.py: {configs['statevector'][0]:.3f}); best of {args.shots} uniform draws contains the "
              f"optimum with probability {r['random_found'].mean():.3f}", flush=True)
        rows.append({"qubits": n, "events": events, "config": f"random best of {args.shots}",
                     "p_optimum_found": float(r["random_found"].mean())})
    record(args.out, {"rows": rows}, args)
    print("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
