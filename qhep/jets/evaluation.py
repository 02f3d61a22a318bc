"""How good a clustering is: the numbers ``qhep jets cluster`` and ``qhep jets evaluate`` print.

- :func:`cluster_summary`: the one-line result of a clustering run (thrust: fractions
  within 1 % of exact thrust and at the optimum; k jets: median jet-parton angle and
  optimum found);
- :func:`evaluate_clustering`: every metric over all events and in bins of particle
  count. Thrust hemispheres are scored against exact thrust (T, Delta(1-T)/(1-T)), the
  exact-thrust hemispheres (assignment efficiency: the fraction of particles on the same
  side, up to a global flip) and the truth partons (angle, rad, between each hemisphere's
  momentum and the nearest parton); k jets against the proto-jet optimum and the partons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from qhep.jets.stats import thrust_summary

if TYPE_CHECKING:
    from qhep.data.events import EventSample
    from qhep.data.io import JetClustering

__all__ = ["THRUST_BINS", "KJET_BINS", "cluster_summary", "evaluate_clustering"]

THRUST_BINS = ((2, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 10**6))  # particles per event
KJET_BINS = ((4, 60), (60, 90), (90, 120), (120, 1000))


def cluster_summary(clustering: JetClustering) -> dict[str, float]:
    """The headline numbers of a clustering: :func:`thrust_summary` for hemispheres; for k jets the
    fraction of events at the (proto-jet) optimum and the median jet-parton angle (rad)."""
    c = clustering.columns
    if clustering.kind == "jets":
        return thrust_summary(c["thrust"], c["exact_thrust"], c["optimum_found"], c.get("floor_thrust"))
    found = np.asarray(c["optimum_found"], dtype=float)
    return {"optimum_found": float(np.nanmean(found)) if np.isfinite(found).any() else float("nan"),
            "median_parton_angle_rad": _nanmedian(c["median_parton_angle"])}


def evaluate_clustering(clustering: JetClustering, events: EventSample | None = None) -> dict[str, Any]:
    """``{"method", "events", "all", "by_particles"}``: metrics over all events and per particle-count bin.

    ``events``: the clustered events (thrust hemispheres need their particles and partons);
    default: read the events file the clustering names.
    """
    if clustering.kind == "kjets":
        return _evaluate_kjets(clustering)
    from qhep.data.io import read_events
    from qhep.jets.thrust import exact_thrust

    ev = read_events(clustering.attrs["events"]) if events is None else events
    data = clustering.columns
    n = clustering.n_events
    efficiency, angle = np.zeros(n), np.zeros(n)
    for k in range(n):
        p = ev.particles(k)[:, :3]
        s = clustering.event(k).astype(float)
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
    floor = data.get("floor_thrust")  # absent in files written before it was recorded
    rows = []
    for lo, hi in THRUST_BINS:
        sel = (data["n_particles"] >= lo) & (data["n_particles"] < hi)
        if sel.any():
            rows.append({"n_particles": f"{lo}-{hi - 1}" if hi < 10**6 else f"{lo}+", "events": int(sel.sum()),
                         **thrust_summary(data["thrust"][sel], data["exact_thrust"][sel], data["optimum_found"][sel],
                                          None if floor is None else floor[sel]),
                         "assignment_efficiency": float(efficiency[sel].mean()),
                         "assignment_efficiency_se": _se(efficiency[sel]),
                         "axis_parton_angle_rad": _nanmean(angle[sel])})
    everything = {**thrust_summary(data["thrust"], data["exact_thrust"], data["optimum_found"], floor),
                  "assignment_efficiency": float(efficiency.mean()), "assignment_efficiency_se": _se(efficiency),
                  "axis_parton_angle_rad": _nanmean(angle), "mean_seconds": float(data["seconds"].mean())}
    return {"method": str(clustering.attrs["method"]), "events": n, "all": everything, "by_particles": rows}


def _evaluate_kjets(clustering: JetClustering) -> dict[str, Any]:
    """k-jet metrics: jet-parton angles, optimum found, objective against the proto-jet optimum."""
    data = clustering.columns

    def summary(sel: np.ndarray) -> dict[str, float]:
        found = data["optimum_found"][sel]
        ratio = data["objective"][sel] / data["proto_optimum"][sel]
        angle = data["median_parton_angle"][sel]
        return {"events": int(sel.sum()), "median_parton_angle_rad": _nanmedian(angle),
                "optimum_found": float(np.nanmean(found)) if np.isfinite(found).any() else float("nan"),
                "approximation_ratio": float(np.nanmean(ratio)) if np.isfinite(ratio).any() else float("nan"),
                "mean_seconds": float(data["seconds"][sel].mean())}

    n = clustering.n_events
    rows = []
    for lo, hi in KJET_BINS:
        sel = (data["n_particles"] >= lo) & (data["n_particles"] < hi)
        if sel.any():
            rows.append({"n_particles": f"{lo}-{hi - 1}", **summary(sel)})
    return {"method": str(clustering.attrs["method"]), "events": n, "all": summary(np.ones(n, bool)),
            "by_particles": rows}


def _se(x: np.ndarray) -> float:
    """Standard error of a mean (NaN for fewer than 2 values)."""
    return float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")


def _nanmedian(values) -> float:
    """Median of the finite values; NaN (no warning) where there are none."""
    values = np.asarray(values, dtype=float)
    return float(np.median(values[np.isfinite(values)])) if np.isfinite(values).any() else float("nan")


def _nanmean(values) -> float:
    """Mean of the finite values; NaN (no warning) where there are none."""
    values = np.asarray(values, dtype=float)
    return float(np.mean(values[np.isfinite(values)])) if np.isfinite(values).any() else float("nan")
