"""``qhep jets cluster`` (thrust hemispheres, or ``--jets 4``) and ``qhep jets evaluate``: parsing and output.

The work is library code: :func:`qhep.jets.cluster_events`, :func:`qhep.data.io.write_clustering` and
:func:`qhep.data.io.read_clustering`, :mod:`qhep.jets.evaluation`.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from qhep.cliutil import emit, fmt

__all__ = ["register"]


def cmd_cluster(args: argparse.Namespace) -> int:
    """Solve every event of an events file with one method; write assignments and thrust values."""
    from qhep.data.io import write_clustering
    from qhep.jets.cluster import cluster_events
    from qhep.jets.evaluation import cluster_summary

    start = time.perf_counter()
    result = cluster_events(args.events, args.method, jets=args.jets, backend=args.backend,
                            mitigation=args.mitigation, n_events=args.n_events, reps=args.reps, shots=args.shots,
                            max_qubits=args.max_qubits, radius=args.radius, seed=args.seed, progress=not args.json)
    write_clustering(args.out, result)
    summary = cluster_summary(result)
    n_events = result.n_events
    if result.kind == "jets":
        doc = {"out": args.out, "events": n_events, "method": args.method, "backend": args.backend,
               "seconds": round(time.perf_counter() - start, 2), **summary}
        emit(args, doc, f"{args.method} on {n_events} events: thrust within 1% of exact in "
                        f"{fmt(summary['within_1pct'], '.1%', 'no events')}, optimum found in "
                        f"{fmt(summary['optimum_found'], '.1%', NO_OPTIMUM)}; wrote {args.out}")
        return 0
    doc = {"out": args.out, "events": n_events, "method": args.method, "jets": args.jets,
           "seconds": round(time.perf_counter() - start, 2), **summary}
    angle = doc["median_parton_angle_rad"]
    emit(args, doc, f"{args.method}, {args.jets} jets on {n_events} events: median jet-parton angle "
                    f"{fmt(angle, '.3f', NO_PARTONS)}{' rad' if math.isfinite(angle) else ''}, optimum found in "
                    f"{fmt(doc['optimum_found'], '.1%', NO_OPTIMUM)}; wrote {args.out}")
    return 0


NO_OPTIMUM = "this method solves no proto-jet problem with a known optimum"
NO_PARTONS = "no event has as many truth partons as jets"
#: Why a summary quantity can be undefined (printed as n/a, never nan).
REASONS = {"optimum_found": NO_OPTIMUM, "optimum_found_se": NO_OPTIMUM, "median_parton_angle_rad": NO_PARTONS,
           "axis_parton_angle_rad": "no jet with energy", "approximation_ratio": "no proto-jet optimum recorded"}


def _line(row: dict) -> str:
    """A summary row as ``key value`` pairs, n/a with the reason where a value is undefined."""
    def why(key: str) -> str:
        if key in REASONS:
            return REASONS[key]
        return "too few events for an error" if key.endswith("_se") else "not recorded in this file"

    return ", ".join(f"{k} {fmt(v, '.4g', why(k))}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Metrics of a clustering file against exact thrust and the truth partons, by particle count."""
    from qhep.data.io import read_clustering
    from qhep.jets.evaluation import evaluate_clustering

    clustering = read_clustering(args.file)
    doc = {"file": args.file, **evaluate_clustering(clustering)}
    method = doc["method"]
    head = f"{method}: {doc['events']} events; " if clustering.kind == "jets" else f"{method}: "
    lines = [head + _line(doc["all"])]
    lines += ["  " + _line(r) for r in doc["by_particles"]]
    emit(args, doc, "\n".join(lines))
    return 0


def register(sub: Any, add_common) -> None:
    """Add ``qhep jets``."""
    from qhep.jets.methods import METHODS

    jets = sub.add_parser("jets", help="thrust / hemisphere clustering with QAOA, VQE and classical references")
    jsub = jets.add_subparsers(dest="jets_command", required=True, parser_class=sub._parser_class)
    cl = jsub.add_parser("cluster", help="solve every event of an events file")
    cl.add_argument("--events", required=True, help="events file from qhep data events")
    cl.add_argument("--method", choices=METHODS, required=True,
                    help="qaoa, vqe (variational, on --backend); brute-force, sa, random, exact-thrust; ee_kt, "
                         "durham, anti_kt (FastJet references)")
    cl.add_argument("--out", required=True, help="output file of jet assignments (HDF5)")
    cl.add_argument("--n-events", type=int, default=None, help="first N events only")
    cl.add_argument("--reps", type=int, default=2, help="QAOA depth p / VQE layers (default 2)")
    cl.add_argument("--shots", type=int, default=1000, help="K: sampled bitstrings, the answer is the best")
    cl.add_argument("--max-qubits", type=int, default=None,
                    help="pre-cluster to max_qubits / log2(jets) + 1 proto-jets (FastJet exclusive ee_kt)")
    cl.add_argument("--jets", type=int, default=2, choices=(2, 4),
                    help="2: thrust hemispheres (default); 4: four jets, 2 qubits per particle, for events with four "
                         "partons: make them with qhep data events --process ee-zh (ZH, Z -> q qbar, H -> b bbar)")
    cl.add_argument("--radius", type=float, default=0.6,
                    help="jet radius R (rad) of the 4-jet objective, sum of cone jet functions (default 0.6)")
    cl.add_argument("--mitigation", default=None,
                    help="comma list of zne, readout, dd, twirling (default: none)")
    add_common(cl, backend=True)
    cl.set_defaults(func=cmd_cluster)
    ev = jsub.add_parser("evaluate", help="metrics of a clustering file vs exact thrust and truth partons")
    ev.add_argument("file")
    add_common(ev)
    ev.set_defaults(func=cmd_evaluate)
