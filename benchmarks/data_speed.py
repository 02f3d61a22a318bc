"""Data generation speed: showers per geometry and material, Pythia events per process.

Target: 100,000 ``8px`` PbWO4 showers at 10-100 GeV in under 30 s on 2 cores.
The peer is placing the ~N_spot = 93 ln(Z) E^0.876 spots one by one (GFlash's own
method), estimated here from a numpy loop over spots for a few showers.

Pythia events are timed through ``qhep.data.events.generate_events`` (Pythia plus
qhep's particle extraction and event shapes) against bare ``pythia.next()``. Prints the tables and
writes them, with provenance, to ``benchmarks/results/data_speed.json``.

    python benchmarks/data_speed.py [--n 100000] [--events 2000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def _spot_by_spot(energies: np.ndarray, z: float, rng: np.random.Generator) -> float:
    """Seconds per shower placing every spot individually (depth, radius, phi), vectorised per shower."""
    start = time.perf_counter()
    for e in energies:
        n = int(93 * np.log(z) * e**0.876)
        t = rng.gamma(4.0, 1.5, n)
        r = np.sqrt(rng.uniform(0, 1, n) / (1 - rng.uniform(0, 1, n)))
        phi = rng.uniform(0, 2 * np.pi, n)
        np.histogram2d(t, r * np.cos(phi), bins=8)
    return (time.perf_counter() - start) / len(energies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--out", default=str(RESULTS / "data_speed.json"), help="results JSON, with provenance "
                        "(default %(default)s)")
    args = parser.parse_args()
    from qhep.data import generate_showers
    from qhep.provenance import record

    showers = []

    print(f"{'geometry':<14s}{'material':<9s}{'showers':>9s}{'seconds':>9s}{'showers/s':>11s}")
    for geo, mat in (("8px", "pbwo4"), ("8px", "siw"), ("8px-lateral", "pbwo4"), ("8x8", "pbwo4"),
                     ("ds1-photon", "pbwo4")):
        start = time.perf_counter()
        generate_showers(args.n, (10, 100), geometry_name=geo, material_name=mat, seed=1)
        dt = time.perf_counter() - start
        print(f"{geo:<14s}{mat:<9s}{args.n:>9d}{dt:>9.2f}{args.n / dt:>11.0f}")
        showers.append({"geometry": geo, "material": mat, "showers": args.n, "seconds": dt,
                        "showers_per_s": args.n / dt})
        if geo == "8px" and mat == "pbwo4":
            target = dt
    per_spot = _spot_by_spot(np.random.default_rng(0).uniform(10, 100, 200), 68.4, np.random.default_rng(1))
    print(f"spot-by-spot placement (numpy, per shower): {per_spot * 1e3:.2f} ms -> "
          f"{per_spot * args.n:.1f} s for {args.n} showers; per-voxel integration is "
          f"{per_spot * args.n / target:.0f}x faster")
    print(f"target: {args.n} 8px PbWO4 showers in < 30 s: {'met' if target < 30 else 'MISSED'} ({target:.2f} s)")
    events = _events(args.events)
    record(args.out, {"showers": showers, "spot_by_spot_s_per_shower": per_spot, "target_s": target,
                      "target_met": target < 30, "events": events}, args)


def _events(n: int) -> list[dict]:
    from qhep.data.events import PROCESSES, _iterate, _pythia, generate_events, pythia_settings

    rows = []
    print(f"\n{'process':<8s}{'ecm':>7s}{'events':>8s}{'qhep ev/s':>11s}{'bare ev/s':>11s}{'ratio':>7s}")
    for process in PROCESSES:
        start = time.perf_counter()
        generate_events(n, process, seed=1)
        ours = n / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in _iterate(_pythia(pythia_settings(process), 1), n):
            pass
        bare = n / (time.perf_counter() - start)
        print(f"{process:<8s}{PROCESSES[process]['ecm']:>7.1f}{n:>8d}{ours:>11.0f}{bare:>11.0f}{ours / bare:>7.2f}")
        rows.append({"process": process, "ecm_gev": PROCESSES[process]["ecm"], "events": n, "qhep_per_s": ours,
                     "bare_pythia_per_s": bare})
    return rows


if __name__ == "__main__":
    main()
