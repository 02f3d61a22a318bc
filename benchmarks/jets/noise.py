"""QAOA thrust on a fake IBM device, with and without mitigation, and transpiled cost against N.

For each qubit count n: QAOA angles are transferred from statevector (median optimum
of ``--train`` events, :func:`qhep.jets.qaoa.transfer_init`), then each of ``--events``
``ee-z`` events (pre-clustered to n + 1 proto-jets) is run once per config at those
angles - no per-event optimisation on the device, which is how one would spend
hardware time. Reported per config, mean over events with its standard error:

- ``P(opt)``: probability of the proto-jet optimum (counts, or readout-mitigated
  quasi-probabilities with ``readout``);
- ``found``: the optimum is among the K = ``--shots`` raw samples;
- ``ratio``: approximation ratio (E_max - <H>) / (E_max - E_min) of the estimated energy
  (``zne``: zero-noise extrapolated). Uniformly random assignments give
  (E_max - mean C) / (E_max - E_min), 0.15-0.32 on these events, not 0.5:
  ``noise_baseline.py`` computes it per event and reads these rows against it;
- transpiled depth and two-qubit gates for ``fake:NAME`` (mean over events).

Prints the table and writes it, with provenance, to ``benchmarks/results/jets/noise.json``.

    python benchmarks/jets/noise.py [--device torino] [--qubits 4 6 8 10 12] [--events 100] [--reps 1]
                                    [--configs statevector fake fake+readout fake+zne fake+zne,readout]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "results" / "jets"

CONFIGS = (("statevector", None), ("fake", None), ("fake", "readout"), ("fake", "zne"), ("fake", "zne,readout"))


def _label(kind: str, mitigation: str | None) -> str:
    """A config's name in the table and on the command line (``fake+zne,readout``)."""
    return f"{kind}{'+' + mitigation if mitigation else ''}"


def _circuit(problem, scale: float, reps: int, angles: np.ndarray):
    """qaoa_ansatz of the operator at the shared normalisation and its parameter values in circuit order."""
    from qhep.jets.qaoa import circuit_values, qaoa_circuit

    circuit = qaoa_circuit(problem.operator, scale, reps)
    return circuit, circuit_values(circuit, angles)


def _sem(x) -> float | None:
    """Standard error of the mean over events (None for one event)."""
    return float(np.std(x, ddof=1) / np.sqrt(len(x))) if len(x) > 1 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="torino")
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 6, 8, 10, 12])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--train", type=int, default=10)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--configs", nargs="+", default=[_label(k, m) for k, m in CONFIGS],
                        help="subset of: " + " ".join(_label(k, m) for k, m in CONFIGS))
    parser.add_argument("--out", default=str(RESULTS / "noise.json"), help="results JSON, with provenance "
                        "(default %(default)s)")
    args = parser.parse_args()
    from qhep.data.events import generate_events
    from qhep.execution import get_runner
    from qhep.jets.ising import thrust_ising
    from qhep.jets.qaoa import DiagonalQAOA, transfer_init
    from qhep.jets.solve import precluster
    from qhep.provenance import record

    ev = generate_events(args.events + args.train, "ee-z", seed=11)
    configs = [(k, m) for k, m in CONFIGS if _label(k, m) in args.configs]
    runners = {(kind, mit): get_runner("statevector" if kind == "statevector" else f"fake:{args.device}",
                                       shots=args.shots, seed=3, mitigation=mit) for kind, mit in configs}
    print(f"{args.events} ee-z events, QAOA p = {args.reps} at transferred angles, K = {args.shots} shots, "
          f"fake:{args.device}")
    print(f"{'qubits':>6s} {'config':<22s}{'P(opt)':>16s}{'found':>8s}{'ratio':>16s}{'depth':>8s}{'2q':>7s}"
          f"{'s/event':>9s}")
    rows = []
    for n in args.qubits:
        train = [thrust_ising(precluster(ev.particles(k), n + 1)[1]).diagonal() for k in range(args.train)]
        angles = transfer_init(train, args.reps)
        events = []
        for k in range(args.train, args.train + args.events):
            problem = thrust_ising(precluster(ev.particles(k), n + 1)[1])
            diag = problem.diagonal()
            sim = DiagonalQAOA(diag)
            circuit, values = _circuit(problem, sim.scale, args.reps, angles)
            events.append((problem, diag, circuit, values))
        for kind, mit in configs:
            runner = runners[(kind, mit)]
            p_opt, found, ratio, depth, two_q = [], [], [], [], []
            start = time.perf_counter()
            for problem, diag, circuit, values in events:
                opt = np.flatnonzero(diag <= diag.min() + 1e-9 * abs(diag.min()))
                measured = circuit.measure_all(inplace=False)
                probs = runner.probabilities(measured, values[None, :])[0]
                p_opt.append(probs[opt].sum())
                if kind == "statevector":
                    weights = np.clip(probs, 0, None)
                    draws = np.random.default_rng(len(found)).choice(probs.size, size=args.shots,
                                                                     p=weights / weights.sum())
                    found.append(np.isin(opt, draws).any())
                else:
                    from qhep.execution.results import counts_matrix

                    counts = counts_matrix(runner.sample(measured, values[None, :]).data.meas)[0]
                    found.append(np.isin(opt, np.flatnonzero(counts)).any())
                    stats = runner.prepare(circuit).stats
                    depth.append(stats.get("depth", np.nan))
                    two_q.append(stats.get("two_qubit_gates", np.nan))
                scale = float(np.max(np.abs(problem.operator.coeffs.real)))
                energy = runner.estimate(circuit, problem.operator / scale, values[None, :]).values[0, 0] * scale
                ratio.append((diag.max() - energy) / (diag.max() - diag.min()))
            per = (time.perf_counter() - start) / len(events)
            label = _label(kind, mit)

            def ms(x):
                x = np.asarray(x, float)
                return f"{x.mean():.3f}±{x.std(ddof=1) / np.sqrt(x.size):.3f}"

            print(f"{n:>6d} {label:<22s}{ms(p_opt):>16s}{np.mean(found):>8.2f}{ms(ratio):>16s}"
                  f"{np.mean(depth) if depth else float('nan'):>8.0f}{np.mean(two_q) if two_q else float('nan'):>7.0f}"
                  f"{per:>9.2f}", flush=True)
            rows.append({"qubits": n, "config": label, "p_optimum": np.mean(p_opt), "p_optimum_sem": _sem(p_opt),
                         "found": np.mean(found), "ratio": np.mean(ratio), "ratio_sem": _sem(ratio),
                         "depth": np.mean(depth) if depth else None,
                         "two_qubit_gates": np.mean(two_q) if two_q else None,
                         "s_per_event": per, "angles": np.asarray(angles).tolist()})
    record(args.out, {"device": f"fake:{args.device}", "rows": rows}, args)


if __name__ == "__main__":
    main()
