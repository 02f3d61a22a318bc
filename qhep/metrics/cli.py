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
    from qhep.models.base import ShowerData

    real, gen = ShowerData.from_file(args.real, args.label), read_calo(args.generated)
    if real.n_pixels != gen.n_voxels:
        raise ValueError(f"{args.generated}: {gen.n_voxels} voxels, but {args.real} has {real.n_pixels}")
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


def cmd_evaluate_jets(args: argparse.Namespace) -> int:
    """Radial profile per flavour and the quark/gluon separation of generated against real jet images."""
    from qhep.data.io import read_calo, read_jet_images
    from qhep.metrics.jets import jet_report

    jets = read_jet_images(args.real)
    radius = float(jets.attrs.get("radius_rad", 0.4))
    gen = {}
    for flavour, path in (("quark", args.quark), ("gluon", args.gluon)):
        gen[flavour] = f = read_calo(path)
        if f.n_voxels != jets.pixels**2:
            raise ValueError(f"{path}: {f.n_voxels} pixels, but the {jets.pixels}x{jets.pixels} images of "
                             f"{args.real} have {jets.pixels**2}")
    doc = jet_report(jets, {k: (v.showers_mev, v.energies_gev) for k, v in gen.items()}, radius, seed=args.seed)
    doc["files"] = {"real": args.real, "quark": args.quark, "gluon": args.gluon}
    lines = [f"{'':<26s}{'real':>10s}{'generated':>12s}"]
    for key in ("girth_quark", "girth_gluon", "girth_separation", "qg_auc"):
        lines.append(f"{key:<26s}{doc['real'][key]:>10.4f}{doc['generated'][key]:>12.4f}")
    for flavour in ("quark", "gluon"):
        lines.append(f"radial profile error, {flavour:<6s}{doc['radial_profile_error'][flavour]:>22.4f}")
    emit(args, doc, "\n".join(lines))
    return 0


def register(sub: Any, add_common) -> None:
    """Add ``qhep evaluate``."""
    ev = sub.add_parser("evaluate", help="physics metrics of generated vs real showers")
    ev.add_argument("--real", required=True)
    ev.add_argument("--generated", required=True)
    ev.add_argument("--bootstrap", type=int, default=10, help="bootstrap resamplings for the uncertainties")
    ev.add_argument("--label", choices=["quark", "gluon"], help="jet-image --real: compare with these jets only")
    add_common(ev)
    ev.set_defaults(func=cmd_evaluate)

    ej = sub.add_parser("evaluate-jets",
                        help="jet images: radial profiles and quark/gluon separation, real vs generated")
    ej.add_argument("--real", required=True, help="jet-image file with quark and gluon jets")
    ej.add_argument("--quark", required=True, help="generated quark jets (from a run trained with label quark)")
    ej.add_argument("--gluon", required=True, help="generated gluon jets")
    add_common(ej)
    ej.set_defaults(func=cmd_evaluate_jets)
