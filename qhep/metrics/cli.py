"""``qhep evaluate``: every shower metric, generated vs real, with a real-vs-real floor row."""

from __future__ import annotations

import argparse
from typing import Any

from qhep.cliutil import emit

__all__ = ["register"]


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Compare generated with real showers; the real file is split in halves for the floor row."""
    import numpy as np

    from qhep.data.io import read_calo
    from qhep.metrics.showers import evaluate

    real, gen = read_calo(args.real), read_calo(args.generated)
    if real.n_voxels != gen.n_voxels:
        raise ValueError(f"{args.generated}: {gen.n_voxels} voxels, but {args.real} has {real.n_voxels}")
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(len(real.energies_gev))
    half = len(perm) // 2
    a, b = perm[:half], perm[half:]
    n = min(half, len(gen.energies_gev))
    rows = {
        "real-vs-real": evaluate(real.showers_mev[a][:n], real.showers_mev[b][:n], real.energies_gev[a][:n],
                                 real.energies_gev[b][:n], seed=args.seed, bootstrap=args.bootstrap),
        "generated": evaluate(real.showers_mev[a][:n], gen.showers_mev[:n], real.energies_gev[a][:n],
                              gen.energies_gev[:n], seed=args.seed, bootstrap=args.bootstrap),
    }
    doc = {"real": args.real, "generated": args.generated, "n": n, "seed": args.seed, "metrics": rows,
           "generator": gen.attrs.get("generator"), "backend": gen.attrs.get("backend")}
    names = list(rows["generated"])
    lines = [f"{'metric':<22s}{'real-vs-real':>24s}{'generated':>24s}"]
    for name in names:
        cells = [f"{rows[r][name]['value']:.4g} +- {rows[r][name]['std']:.2g}" for r in rows]
        lines.append(f"{name:<22s}{cells[0]:>24s}{cells[1]:>24s}")
    emit(args, doc, "\n".join(lines))
    return 0


def register(sub: Any, add_common) -> None:
    """Add ``qhep evaluate``."""
    ev = sub.add_parser("evaluate", help="physics metrics of generated vs real showers")
    ev.add_argument("--real", required=True)
    ev.add_argument("--generated", required=True)
    ev.add_argument("--bootstrap", type=int, default=10, help="bootstrap resamplings for the uncertainties")
    add_common(ev)
    ev.set_defaults(func=cmd_evaluate)
