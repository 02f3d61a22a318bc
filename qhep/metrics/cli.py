"""``qhep evaluate``: every shower metric, generated vs real, beside a real-vs-real floor at matched energies.

Parsing and output only; the comparison is :func:`qhep.metrics.floor.compare_with_floor`.
"""

from __future__ import annotations

import argparse
from typing import Any

from qhep.cliutil import emit

__all__ = ["register"]


def _rows(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Read the files, score them beside the real-vs-real floor (:func:`qhep.metrics.floor.compare_with_floor`)."""
    from qhep.data.io import read_calo
    from qhep.metrics.floor import compare_with_floor
    from qhep.metrics.showers import layout_from_attrs
    from qhep.models.base import ShowerData

    real, gen = ShowerData.from_file(args.real, args.label), read_calo(args.generated)
    if real.n_pixels != gen.n_voxels:
        raise ValueError(f"{args.generated}: {gen.n_voxels} voxels, but {args.real} has {real.n_pixels}")
    layout = None if args.label else layout_from_attrs(read_calo(args.real).attrs, real.n_pixels)
    other = None
    if args.floor:
        floor_file = ShowerData.from_file(args.floor, args.label)
        if floor_file.n_pixels != real.n_pixels:
            raise ValueError(f"{args.floor}: {floor_file.n_pixels} voxels, but {args.real} has {real.n_pixels}")
        other = (floor_file.showers_mev, floor_file.energies_gev)
    cmp = compare_with_floor((real.showers_mev, real.energies_gev), (gen.showers_mev, gen.energies_gev),
                             other=other, seed=args.seed, bootstrap=args.bootstrap, layout=layout)
    how = (f"independent sample {args.floor} (its own incident energies)" if cmp.independent else
           "energy-matched split of the real file (neighbouring energies, one to each half)")
    doc = {"real": args.real, "generated": args.generated, "n": cmp.n, "seed": args.seed, "floor": how,
           "generated_at_real_energies": cmp.paired, "incident_energy_ks": cmp.incident_energy_ks,
           "metrics": cmp.metrics, "generator": gen.attrs.get("generator"), "backend": gen.attrs.get("backend")}
    if args.plot:
        from qhep.metrics.plots import comparison_figure

        comparison_figure({"real": cmp.reference, "generated": cmp.generated}, args.plot, layout=layout,
                          title=f"{args.generated} vs {args.real}")
        doc["plot"] = args.plot
    note = "" if cmp.paired or cmp.independent else (
        f"\nnote: {args.generated} was not sampled at the real file's energies (qhep sample --energies "
        f"{args.real}); incident-energy KS = {cmp.incident_energy_ks:.3f}, so total-energy metrics mix in the "
        "energy spectra")
    return doc, f"floor: {how}{note}"


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Compare generated with real showers beside a real-vs-real floor built at matched energies."""
    if args.bootstrap < 0:
        raise ValueError(f"--bootstrap must be >= 0, not {args.bootstrap}")
    doc, head = _rows(args)
    rows = doc["metrics"]
    lines = [head, f"{'metric':<22s}{'real-vs-real':>24s}{'generated':>24s}"]
    for name in rows["generated"]:
        cells = [f"{rows[r][name]['value']:.4g} +- {rows[r][name]['std']:.2g}" for r in rows]
        lines.append(f"{name:<22s}{cells[0]:>24s}{cells[1]:>24s}")
    if args.plot:
        lines.append(f"figure: {args.plot}")
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
    ev.add_argument("--real", required=True, help="real showers (CaloChallenge layout) or jet images")
    ev.add_argument("--generated", required=True,
                    help="generated showers; sample them at the real energies: qhep sample RUN --energies REAL.h5")
    ev.add_argument("--bootstrap", type=int, default=10,
                    help="bootstrap resamplings for the uncertainties (default 10; the classifier AUC's error "
                         "resamples its test halves at least 20 times)")
    ev.add_argument("--floor", help="an independent real file for the real-vs-real row (default: an energy-matched "
                                    "split of --real)")
    ev.add_argument("--plot", metavar="FIG.png", help="write the real-vs-generated figure (profiles, response, "
                                                      "voxel spectra)")
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
