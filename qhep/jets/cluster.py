"""Cluster every event of an events file with one method: what ``qhep jets cluster`` runs.

:func:`cluster_events` solves each event with :func:`qhep.jets.solve.solve_event` (two
thrust hemispheres, ``jets=2``) or :func:`qhep.jets.multijet.solve_kjet_event` (``jets=4``)
and gathers the per-event quality columns and per-particle assignments into one
:class:`qhep.data.io.JetClustering`, which :func:`qhep.data.io.write_clustering` writes
and :func:`qhep.jets.evaluation.evaluate_clustering` scores. Event k is solved with seed
``seed + k``, so any subset of events reproduces the numbers of the full run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qhep.data.events import EventSample
    from qhep.data.io import JetClustering

__all__ = ["MAX_SOLVER_QUBITS", "cluster_events"]

MAX_SOLVER_QUBITS = 30  # 2^30 amplitudes (16 GiB complex128) or bitstrings: beyond it a solver cannot run here
_WIDTH_LIMITED = ("qaoa", "vqe", "brute-force")


def cluster_events(events: str | Path | EventSample, method: str, *, jets: int = 2, backend: str = "statevector",
                   mitigation: str | None = None, n_events: int | None = None, reps: int = 2, shots: int = 1000,
                   max_qubits: int | None = None, radius: float = 0.6, seed: int = 0,
                   progress: bool = False) -> JetClustering:
    """Split the first ``n_events`` events (default all) into ``jets`` jets with ``method``.

    ``events``: an events file (from ``qhep data events``) or an :class:`EventSample`.
    ``jets=2``: thrust hemispheres, with thrust, exact thrust and the pre-clustering floor
    (the best thrust the proto-jets allow) per event; ``jets=4``: k-jet clustering at jet
    radius ``radius`` (rad), with the objective O_R (GeV^2) and the median jet-parton angle
    (rad). ``max_qubits`` pre-clusters each event to fit; ``reps`` is the QAOA depth / VQE
    layers, ``shots`` the sampled bitstrings. ``qaoa`` on ``statevector`` takes the exact
    fast path; other variational cases run on one Runner of ``backend`` (with
    ``mitigation``), seeded with ``seed``. ``progress``: a progress bar on stderr.

    Raises:
        ValueError: an unknown method, an event too wide for an exact solver without
            ``max_qubits`` (one line naming the events file), or too few particles.
    """
    from tqdm import tqdm

    from qhep.data.io import JetClustering, read_events
    from qhep.jets.methods import METHODS

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if jets not in (2, 4):
        raise ValueError(f"jets must be 2 (thrust hemispheres) or 4, got {jets}")
    if jets != 2 and method == "exact-thrust":
        raise ValueError("exact-thrust splits into 2 hemispheres only; for --jets 4 use qaoa, vqe, brute-force, "
                         "sa, ee_kt, durham or anti_kt")
    name = str(events) if isinstance(events, (str, Path)) else "events"
    ev = read_events(events) if isinstance(events, (str, Path)) else events
    n = min(n_events or ev.n_events, ev.n_events)
    if n < 1:
        raise ValueError(f"{name}: no events to cluster")
    if jets == 2:
        _check_width(name, method, max_qubits, [ev.particles(k).shape[0] - 1 for k in range(n)])
    runner = _runner(method, backend, shots, seed, mitigation)
    solve = _solve_thrust if jets == 2 else _solve_kjets
    cols: dict[str, list] = {}
    per_particle, offsets = [], [0]
    desc = f"jets {method}" if jets == 2 else f"{jets} jets {method}"
    try:
        for k in tqdm(range(n), disable=not progress, desc=desc, unit="event"):
            p = ev.particles(k)
            row, assignment = solve(ev, k, p, name, method, jets=jets, runner=runner, reps=reps, shots=shots,
                                    max_qubits=max_qubits, radius=radius, seed=seed + k)
            for key, value in row.items():
                cols.setdefault(key, []).append(value)
            per_particle.append(assignment)
            offsets.append(offsets[-1] + p.shape[0])
    finally:
        if runner is not None:
            runner.close()
    attrs = {"method": method, "backend": backend, "events": str(events) if name != "events" else "",
             "reps": int(reps), "shots": int(shots), "max_qubits": int(max_qubits or 0), "seed": int(seed),
             "mitigation": mitigation or ""}
    if jets != 2:
        attrs.update(jets=int(jets), radius=float(radius))
    order = _THRUST_COLUMNS if jets == 2 else _KJET_COLUMNS
    return JetClustering("jets" if jets == 2 else "kjets", {key: np.asarray(cols[key]) for key in order},
                         np.concatenate(per_particle), np.asarray(offsets, dtype=np.int64), attrs)


_THRUST_COLUMNS = ("thrust", "exact_thrust", "floor_thrust", "n_particles", "n_qubits", "p_optimum",
                   "optimum_found", "seconds")
_KJET_COLUMNS = ("objective", "proto_optimum", "n_particles", "n_qubits", "p_optimum", "optimum_found",
                 "median_parton_angle", "seconds")


def _solve_thrust(ev, k, p, name, method, *, runner, reps, shots, max_qubits, seed, **_) -> tuple[dict, np.ndarray]:
    """One event's hemispheres: its columns (``seconds``: the solver alone) and its spins (int8)."""
    from qhep.jets.solve import precluster_floor, solve_event
    from qhep.jets.thrust import exact_thrust

    if p.shape[0] < 2:
        raise ValueError(f"{name}: event {k} has {p.shape[0]} particles; thrust needs at least 2")
    t0 = time.perf_counter()
    sol = solve_event(p, method, runner=runner, reps=reps, shots=shots, max_qubits=max_qubits, seed=seed)
    seconds = time.perf_counter() - t0
    t_exact = exact_thrust(p)[0]
    # best T any proto-jet assignment reaches: the pre-clustering error alone
    floor = precluster_floor(p, max_qubits + 1) if max_qubits else exact_thrust(p)[0]
    row = {"thrust": sol.thrust, "exact_thrust": t_exact, "floor_thrust": floor, "n_particles": p.shape[0],
           "n_qubits": sol.n_qubits, "p_optimum": sol.p_optimum, "optimum_found": sol.optimum_found, "seconds": seconds}
    return row, sol.spins.astype(np.int8)


def _solve_kjets(ev, k, p, name, method, *, jets, runner, reps, shots, max_qubits, radius, seed
                 ) -> tuple[dict, np.ndarray]:
    """One event's k jets: its columns (``seconds``: the solver alone) and its labels (int8)."""
    from qhep.jets.multijet import jet_parton_angles, solve_kjet_event

    t0 = time.perf_counter()
    sol = solve_kjet_event(p, jets, method, radius=radius, runner=runner, reps=reps, shots=shots,
                           max_qubits=max_qubits, seed=seed)
    seconds = time.perf_counter() - t0
    partons = ev.partons(k)
    angle = np.median(jet_parton_angles(sol.jets(p, jets), partons)) if len(partons) == jets else np.nan
    row = {"objective": sol.objective, "proto_optimum": sol.proto_optimum, "n_particles": p.shape[0],
           "n_qubits": sol.n_qubits, "p_optimum": sol.p_optimum, "optimum_found": sol.optimum_found,
           "median_parton_angle": angle, "seconds": seconds}
    return row, sol.labels.astype(np.int8)


def _check_width(name: str, method: str, max_qubits: int | None, qubits: list[int]) -> None:
    """Refuse, in one line, an event too wide for a state-vector or exhaustive solver (``max_qubits`` fixes it)."""
    if method not in _WIDTH_LIMITED:
        return
    if max_qubits is not None:
        if max_qubits > MAX_SOLVER_QUBITS:
            raise ValueError(f"--max-qubits must be at most {MAX_SOLVER_QUBITS} for --method {method}, "
                             f"got {max_qubits}")
        return
    widest = max(qubits, default=0)
    if widest > MAX_SOLVER_QUBITS:
        raise ValueError(f"{name}: the widest event needs {widest} qubits with --method {method} "
                         f"(one per particle but one); give --max-qubits M (at most {MAX_SOLVER_QUBITS}, e.g. 12) "
                         "to pre-cluster each event to M + 1 proto-jets")


def _runner(method: str, backend: str, shots: int, seed: int, mitigation: str | None):
    """The Runner for variational methods off the fast statevector path (QAOA on statevector), else None."""
    from qhep.jets.methods import VARIATIONAL

    if method in VARIATIONAL and (backend != "statevector" or method == "vqe"):
        from qhep.execution import get_runner

        return get_runner(backend, shots=shots, seed=seed, mitigation=mitigation)
    return None
