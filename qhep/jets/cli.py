"""``qhep jets cluster`` (thrust hemispheres, or ``--jets 4``) and ``qhep jets evaluate``."""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from qhep.cliutil import emit, fmt

__all__ = ["register"]


def cmd_cluster(args: argparse.Namespace) -> int:
    """Solve every event of an events file with one method; write assignments and thrust values."""
    from tqdm import tqdm

    from qhep.data.io import read_events
    from qhep.jets.solve import precluster_floor, solve_event
    from qhep.jets.thrust import exact_thrust

    if args.jets != 2:
        return _cluster_kjets(args)
    ev = read_events(args.events)
    n_events = min(args.n_events or ev.n_events, ev.n_events)
    _check_width(args, [ev.particles(k).shape[0] - 1 for k in range(n_events)])
    runner = _runner(args)
    cols: dict[str, list] = {k: [] for k in ("thrust", "exact_thrust", "floor_thrust", "n_particles", "n_qubits",
                                             "p_optimum", "optimum_found", "seconds")}
    spins_all, offsets = [], [0]
    start = time.perf_counter()
    for k in tqdm(range(n_events), disable=args.json, desc=f"jets {args.method}", unit="event"):
        p = ev.particles(k)
        if p.shape[0] < 2:
            raise ValueError(f"{args.events}: event {k} has {p.shape[0]} particles; thrust needs at least 2")
        t0 = time.perf_counter()
        sol = solve_event(p, args.method, runner=runner, reps=args.reps, shots=args.shots,
                          max_qubits=args.max_qubits, seed=args.seed + k)
        cols["seconds"].append(time.perf_counter() - t0)
        cols["thrust"].append(sol.thrust)
        cols["exact_thrust"].append(exact_thrust(p)[0])
        # best T any proto-jet assignment reaches: the pre-clustering error alone
        cols["floor_thrust"].append(precluster_floor(p, args.max_qubits + 1) if args.max_qubits else exact_thrust(p)[0])
        cols["n_particles"].append(p.shape[0])
        cols["n_qubits"].append(sol.n_qubits)
        cols["p_optimum"].append(sol.p_optimum)
        cols["optimum_found"].append(sol.optimum_found)
        spins_all.append(sol.spins.astype(np.int8))
        offsets.append(offsets[-1] + p.shape[0])
    _write(args, "jets", cols, "spins", spins_all, offsets)
    summary = _summary(np.asarray(cols["thrust"]), np.asarray(cols["exact_thrust"]),
                       np.asarray(cols["optimum_found"], dtype=float), np.asarray(cols["floor_thrust"]))
    doc = {"out": args.out, "events": n_events, "method": args.method, "backend": args.backend,
           "seconds": round(time.perf_counter() - start, 2), **summary}
    emit(args, doc, f"{args.method} on {n_events} events: thrust within 1% of exact in "
                    f"{fmt(summary['within_1pct'], '.1%', 'no events')}, optimum found in "
                    f"{fmt(summary['optimum_found'], '.1%', NO_OPTIMUM)}; wrote {args.out}")
    return 0


MAX_SOLVER_QUBITS = 30  # 2^30 amplitudes (16 GiB complex128) or bitstrings: beyond it a solver cannot run here


def _check_width(args: argparse.Namespace, qubits: list[int]) -> None:
    """Refuse, in one line, an event too wide for a state-vector or exhaustive solver (``--max-qubits`` fixes it)."""
    if args.method not in ("qaoa", "vqe", "brute-force"):
        return
    if args.max_qubits is not None:
        if args.max_qubits > MAX_SOLVER_QUBITS:
            raise ValueError(f"--max-qubits must be at most {MAX_SOLVER_QUBITS} for --method {args.method}, "
                             f"got {args.max_qubits}")
        return
    widest = max(qubits, default=0)
    if widest > MAX_SOLVER_QUBITS:
        raise ValueError(f"{args.events}: the widest event needs {widest} qubits with --method {args.method} "
                         f"(one per particle but one); give --max-qubits M (at most {MAX_SOLVER_QUBITS}, e.g. 12) "
                         "to pre-cluster each event to M + 1 proto-jets")


def _cluster_kjets(args: argparse.Namespace) -> int:
    """k-jet clustering of every event (``--jets 4``): labels, objective O_R, jet-parton angles."""
    from tqdm import tqdm

    from qhep.data.io import read_events
    from qhep.jets.multijet import jet_parton_angles, solve_kjet_event

    if args.method == "exact-thrust":
        raise ValueError("exact-thrust splits into 2 hemispheres only; for --jets 4 use qaoa, vqe, brute-force, "
                         "sa, ee_kt, durham or anti_kt")
    ev = read_events(args.events)
    n_events = min(args.n_events or ev.n_events, ev.n_events)
    runner = _runner(args)
    cols: dict[str, list] = {k: [] for k in ("objective", "proto_optimum", "n_particles", "n_qubits", "p_optimum",
                                             "optimum_found", "median_parton_angle", "seconds")}
    labels_all, offsets = [], [0]
    start = time.perf_counter()
    for k in tqdm(range(n_events), disable=args.json, desc=f"{args.jets} jets {args.method}", unit="event"):
        p = ev.particles(k)
        t0 = time.perf_counter()
        sol = solve_kjet_event(p, args.jets, args.method, radius=args.radius, runner=runner, reps=args.reps,
                               shots=args.shots, max_qubits=args.max_qubits, seed=args.seed + k)
        cols["seconds"].append(time.perf_counter() - t0)
        partons = ev.partons(k)
        angle = np.median(jet_parton_angles(sol.jets(p, args.jets), partons)) if len(partons) == args.jets \
            else np.nan
        for key, value in (("objective", sol.objective), ("proto_optimum", sol.proto_optimum),
                           ("n_particles", p.shape[0]), ("n_qubits", sol.n_qubits), ("p_optimum", sol.p_optimum),
                           ("optimum_found", sol.optimum_found), ("median_parton_angle", angle)):
            cols[key].append(value)
        labels_all.append(sol.labels.astype(np.int8))
        offsets.append(offsets[-1] + p.shape[0])
    _write(args, "kjets", cols, "labels", labels_all, offsets, jets=args.jets, radius=args.radius)
    found = np.asarray(cols["optimum_found"], dtype=float)
    doc = {"out": args.out, "events": n_events, "method": args.method, "jets": args.jets,
           "seconds": round(time.perf_counter() - start, 2),
           "optimum_found": float(np.nanmean(found)) if np.isfinite(found).any() else float("nan"),
           "median_parton_angle_rad": _nanmedian(cols["median_parton_angle"])}
    emit(args, doc, f"{args.method}, {args.jets} jets on {n_events} events: median jet-parton angle "
                    f"{fmt(doc['median_parton_angle_rad'], '.3f', NO_PARTONS)}"
                    f"{' rad' if np.isfinite(doc['median_parton_angle_rad']) else ''}, optimum found in "
                    f"{fmt(doc['optimum_found'], '.1%', NO_OPTIMUM)}; "
                    f"wrote {args.out}")
    return 0


def _write(args: argparse.Namespace, kind: str, cols: dict[str, list], name: str, per_particle: list,
           offsets: list[int], **extra: Any) -> None:
    """One clustering file: per-event columns, a ragged per-particle array with offsets, the settings."""
    from qhep.data.io import atomic_h5

    with atomic_h5(args.out) as fh:
        for key, values in cols.items():
            fh.create_dataset(key, data=np.asarray(values))
        fh.create_dataset(name, data=np.concatenate(per_particle))
        fh.create_dataset("offsets", data=np.asarray(offsets, dtype=np.int64))
        attrs = {"qhep_kind": kind, "method": args.method, "backend": args.backend, "events": str(args.events),
                 "reps": args.reps, "shots": args.shots, "max_qubits": args.max_qubits or 0, "seed": args.seed,
                 "mitigation": args.mitigation or "", **extra}
        for key, value in attrs.items():
            fh.attrs[key] = value


def _runner(args: argparse.Namespace):
    """The Runner for variational methods off the fast statevector path, else None."""
    if args.method in ("qaoa", "vqe") and (args.backend != "statevector" or args.method == "vqe"):
        from qhep.execution import get_runner

        return get_runner(args.backend, shots=args.shots, seed=args.seed, mitigation=args.mitigation)
    return None


NO_OPTIMUM = "this method solves no proto-jet problem with a known optimum"
NO_PARTONS = "no event has as many truth partons as jets"
#: Why a summary quantity can be undefined (printed as n/a, never nan).
REASONS = {"optimum_found": NO_OPTIMUM, "optimum_found_se": NO_OPTIMUM, "median_parton_angle_rad": NO_PARTONS,
           "axis_parton_angle_rad": "no jet with energy", "approximation_ratio": "no proto-jet optimum recorded"}


def _nanmedian(values) -> float:
    """Median of the finite values; NaN (no warning) where there are none."""
    values = np.asarray(values, dtype=float)
    return float(np.median(values[np.isfinite(values)])) if np.isfinite(values).any() else float("nan")


def _line(row: dict) -> str:
    """A summary row as ``key value`` pairs, n/a with the reason where a value is undefined."""
    def why(key: str) -> str:
        if key in REASONS:
            return REASONS[key]
        return "too few events for an error" if key.endswith("_se") else "not recorded in this file"

    return ", ".join(f"{k} {fmt(v, '.4g', why(k))}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())


def _summary(t: np.ndarray, t_exact: np.ndarray, found: np.ndarray, floor: np.ndarray | None = None
             ) -> dict[str, float]:
    """Thrust metrics with binomial standard errors (``*_se``) and percentiles of Delta(1-T)/(1-T).

    ``floor``: the best T of the proto-jets (NaN or absent: not recorded), which splits
    Delta(1-T)/(1-T) into the pre-clustering part (``*_floor``) and the solver's part
    ``(T_floor - T) / (1 - T_exact)`` (``*_solver``).
    """
    from qhep.jets.stats import binomial, rel_delta_1mt

    within, exact = binomial(t >= 0.99 * t_exact), binomial(t >= t_exact - 1e-9)
    rel = rel_delta_1mt(t, t_exact)
    out = {"within_1pct": within.p, "within_1pct_se": within.se, "exact_found": exact.p, "exact_found_se": exact.se,
           "optimum_found": float("nan"), "optimum_found_se": float("nan"),
           "mean_rel_delta_1mT": float(np.mean(rel)), "median_rel_delta_1mT": float(np.median(rel)),
           "p90_rel_delta_1mT": float(np.quantile(rel, 0.9)), "approximation_ratio": float(np.mean(t / t_exact))}
    known = found[np.isfinite(found)]
    if known.size:
        opt = binomial(known > 0.5)
        out["optimum_found"], out["optimum_found_se"] = opt.p, opt.se
    if floor is not None and np.isfinite(floor).all():
        rel_floor = rel_delta_1mt(floor, t_exact)
        rel_solver = (floor - t) / np.maximum(1 - t_exact, 1e-12)
        out.update({"median_rel_delta_1mT_floor": float(np.median(rel_floor)),
                    "p90_rel_delta_1mT_floor": float(np.quantile(rel_floor, 0.9)),
                    "median_rel_delta_1mT_solver": float(np.median(rel_solver)),
                    "p90_rel_delta_1mT_solver": float(np.quantile(rel_solver, 0.9))})
    return out


def _se(x: np.ndarray) -> float:
    """Standard error of a mean (NaN for fewer than 2 values)."""
    return float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Metrics of a clustering file against exact thrust and the truth partons, by particle count."""
    import h5py

    from qhep.data.io import read_events
    from qhep.errors import SchemaError
    from qhep.jets.thrust import exact_thrust

    try:
        fh = h5py.File(args.file, "r")
    except OSError as exc:
        raise SchemaError(f"{args.file}: not a readable HDF5 file: {exc}") from None
    with fh:
        kind = fh.attrs.get("qhep_kind")
        if kind not in ("jets", "kjets"):
            raise SchemaError(f"{args.file}: not a 'qhep jets cluster' output")
        data = {k: fh[k][...] for k in fh}
        events_path = str(fh.attrs["events"])
        method = str(fh.attrs["method"])
    if kind == "kjets":
        return _evaluate_kjets(args, data, method)
    ev = read_events(events_path)
    n = data["thrust"].size
    efficiency, angle = np.zeros(n), np.zeros(n)
    for k in range(n):
        p = ev.particles(k)[:, :3]
        s = data["spins"][data["offsets"][k]:data["offsets"][k + 1]].astype(float)
        _, axis = exact_thrust(p)
        s_ex = np.where(p @ axis >= 0, 1.0, -1.0)
        agree = np.mean(s == s_ex)
        efficiency[k] = max(agree, 1 - agree)
        partons = ev.partons(k)[:, :3]
        dirs = partons / np.linalg.norm(partons, axis=1, keepdims=True)
        angles = []
        for sign in (1.0, -1.0):
            jet = p[s == sign].sum(0)
            if np.linalg.norm(jet) > 0:
                angles.append(np.arccos(np.clip((dirs @ jet / np.linalg.norm(jet)).max(), -1, 1)))
        angle[k] = np.mean(angles) if angles else np.nan
    bins = [(2, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 10**6)]
    rows = []
    floor = data.get("floor_thrust")  # absent in files written before it was recorded
    for lo, hi in bins:
        sel = (data["n_particles"] >= lo) & (data["n_particles"] < hi)
        if sel.any():
            rows.append({"n_particles": f"{lo}-{hi - 1}" if hi < 10**6 else f"{lo}+", "events": int(sel.sum()),
                         **_summary(data["thrust"][sel], data["exact_thrust"][sel], data["optimum_found"][sel],
                                    None if floor is None else floor[sel]),
                         "assignment_efficiency": float(efficiency[sel].mean()),
                         "assignment_efficiency_se": _se(efficiency[sel]),
                         "axis_parton_angle_rad": float(np.nanmean(angle[sel]))})
    doc = {"file": args.file, "method": method, "events": n,
           "all": {**_summary(data["thrust"], data["exact_thrust"], data["optimum_found"], floor),
                   "assignment_efficiency": float(efficiency.mean()), "assignment_efficiency_se": _se(efficiency),
                   "axis_parton_angle_rad": float(np.nanmean(angle)), "mean_seconds": float(data["seconds"].mean())},
           "by_particles": rows}
    lines = [f"{method}: {n} events; " + _line(doc["all"])]
    for r in rows:
        lines.append("  " + _line(r))
    emit(args, doc, "\n".join(lines))
    return 0


def _evaluate_kjets(args: argparse.Namespace, data: dict, method: str) -> int:
    """k-jet metrics: jet-parton angles, optimum found, objective against the proto-jet optimum."""
    def summary(sel: np.ndarray) -> dict[str, float]:
        found = data["optimum_found"][sel]
        ratio = data["objective"][sel] / data["proto_optimum"][sel]
        angle = data["median_parton_angle"][sel]
        return {"events": int(sel.sum()), "median_parton_angle_rad": _nanmedian(angle),
                "optimum_found": float(np.nanmean(found)) if np.isfinite(found).any() else float("nan"),
                "approximation_ratio": float(np.nanmean(ratio)) if np.isfinite(ratio).any() else float("nan"),
                "mean_seconds": float(data["seconds"][sel].mean())}

    n = data["objective"].size
    rows = []
    for lo, hi in [(4, 60), (60, 90), (90, 120), (120, 1000)]:
        sel = (data["n_particles"] >= lo) & (data["n_particles"] < hi)
        if sel.any():
            rows.append({"n_particles": f"{lo}-{hi - 1}", **summary(sel)})
    doc = {"file": args.file, "method": method, "events": n, "all": summary(np.ones(n, bool)), "by_particles": rows}
    lines = [f"{method}: " + _line(doc["all"])]
    lines += ["  " + _line(r) for r in rows]
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
