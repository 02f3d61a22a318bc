"""``qhep data ...`` subcommands."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from qhep.cliutil import emit

__all__ = ["register"]

SHOWER_CHUNK = 20_000  # showers generated and written at a time: bounds the memory of qhep data showers


def _energy_range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected EMIN:EMAX in GeV, e.g. 10:100; got {text!r}") from None
    return lo, hi


def cmd_showers(args: argparse.Namespace) -> int:
    """Generate showers in chunks (progress bar), streaming each chunk into one CaloChallenge-layout file.

    Memory stays at one chunk (``SHOWER_CHUNK`` showers) whatever ``--n`` is: the file is written as the
    chunks come (to a temporary name, renamed at the end), never held whole. The content is the
    one :func:`qhep.data.io.write_calo` writes for the same showers.
    """
    import numpy as np
    from tqdm import tqdm

    from qhep.data.io import _write_attrs, atomic_h5
    from qhep.data.showers import generate_showers

    geometry_obj = None
    if args.binning_xml:
        from qhep.data.binning import read_binning_xml

        geometry_obj = read_binning_xml(args.binning_xml, args.material, args.particle)
    if args.n <= 0:
        raise ValueError("--n must be a positive number of showers")
    start = time.perf_counter()
    chunk = SHOWER_CHUNK
    rng = np.random.default_rng(args.seed)
    sample = None
    with atomic_h5(args.out) as fh, tqdm(total=args.n, unit="shower", disable=args.json, desc="showers") as bar:
        for begin in range(0, args.n, chunk):
            size = min(chunk, args.n - begin)
            sample = generate_showers(size, args.energy, geometry_name=args.geometry, material_name=args.material,
                                      spectrum=args.spectrum, stochastic=args.stochastic,
                                      seed=int(rng.integers(2**31)), geometry_obj=geometry_obj)
            if begin == 0:
                voxels = sample.showers_mev.shape[1]
                fh.create_dataset("incident_energies", shape=(args.n, 1), dtype=np.float64, compression="gzip")
                fh.create_dataset("showers", shape=(args.n, voxels), dtype=np.float32, compression="gzip",
                                  chunks=(min(1024, args.n), voxels))
            fh["incident_energies"][begin:begin + size] = sample.energies_gev.reshape(-1, 1) * 1000.0
            fh["showers"][begin:begin + size] = np.asarray(sample.showers_mev, dtype=np.float32)
            bar.update(size)
        assert sample is not None
        sample.settings["seed"] = args.seed  # the file's seed is the command's, chunk seeds derive from it
        _write_attrs(fh, "calo", {"energy_unit": "MeV", **sample.file_attributes()})
    geo = sample.geometry
    doc = {"out": args.out, "n": args.n, "geometry": geo.name, "voxels": geo.n_voxels,
           "seconds": round(time.perf_counter() - start, 2)}
    emit(args, doc, f"wrote {args.n} {geo.name} showers ({geo.n_voxels} voxels, {sample.material.name}) to {args.out}")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    """Generate Pythia events and write one events file."""
    from tqdm import tqdm

    from qhep.data.events import Selection, centre_of_mass, generate_events
    from qhep.data.io import write_events

    if args.n <= 0:
        raise ValueError("--n must be a positive number of events")
    ecm = centre_of_mass(args.process, args.ecm)
    if not 0.0 < args.cos_max <= 1.0:
        raise ValueError(f"--cos-max must be in (0, 1] (an acceptance |cos theta| <= cos-max), got {args.cos_max:g}")
    if not 0.0 <= args.e_min < ecm / 2:
        raise ValueError(f"--e-min must be >= 0 and below the beam energy {ecm / 2:g} GeV, got {args.e_min:g}")
    flavours = None
    if args.flavours:
        try:
            flavours = tuple(int(f) for f in args.flavours.split(","))
        except ValueError:
            raise ValueError(f"--flavours must be a comma list of quark codes 1-5, got {args.flavours!r}") from None
        if not flavours or any(not 1 <= f <= 5 for f in flavours):
            raise ValueError(f"--flavours must be quark codes 1-5 (d u s c b), got {args.flavours!r}")
    start = time.perf_counter()
    sel = Selection(charged_only=args.charged_only, e_min=args.e_min, cos_max=args.cos_max)
    with tqdm(total=args.n, unit="event", disable=args.json, desc=args.process) as bar:
        sample = generate_events(args.n, args.process, ecm=args.ecm, seed=args.seed or 1, selection=sel,
                                 flavours=flavours, progress=bar)
    empty = int((sample.multiplicity == 0).sum())
    if empty:
        raise ValueError(f"{empty} of {sample.n_events} events have no particle after --e-min {args.e_min:g} "
                         f"--cos-max {args.cos_max:g}; loosen the selection (nothing written to {args.out})")
    write_events(args.out, sample)
    doc = {"out": args.out, "n": sample.n_events, "process": args.process, "ecm": sample.ecm,
           "mean_multiplicity": float(sample.multiplicity.mean()), "seconds": round(time.perf_counter() - start, 2)}
    emit(args, doc, f"wrote {sample.n_events} {args.process} events at {sample.ecm:g} GeV "
                    f"(mean multiplicity {doc['mean_multiplicity']:.1f}) to {args.out}")
    return 0


def cmd_jet_images(args: argparse.Namespace) -> int:
    """Make jet images from one or more events files."""
    import numpy as np

    from qhep.data.io import JetImages, read_events, write_jet_images
    from qhep.data.jet_images import jet_images

    parts = [jet_images(read_events(path), args.pixels, args.radius, args.jets, args.n_jets) for path in args.events]
    merged = JetImages(np.concatenate([p.images for p in parts]), np.concatenate([p.labels for p in parts]),
                       np.concatenate([p.jet_energy for p in parts]),
                       {**parts[0].attrs, "sources": [str(p) for p in args.events], "seed": args.seed})
    write_jet_images(args.out, merged)
    doc = {"out": args.out, "jets": int(merged.labels.size), "quark": int(merged.labels.sum()),
           "gluon": int((merged.labels == 0).sum()), "pixels": args.pixels}
    emit(args, doc, f"wrote {doc['jets']} {args.pixels}x{args.pixels} jet images ({doc['quark']} quark, "
                    f"{doc['gluon']} gluon) to {args.out}")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """Validation figure for a data file."""
    from qhep.data.plots import plot_file

    out = args.out or str(args.file).rsplit(".", 1)[0] + ".png"
    doc = plot_file(args.file, out)
    emit(args, doc, f"wrote {out}: {json.dumps({k: v for k, v in doc.items() if k != 'file'})}")
    return 0


def register(sub: Any, add_common) -> None:
    """Add ``qhep data`` to the command's subparsers."""
    from qhep.data.events import PROCESSES
    from qhep.data.showers import GEOMETRIES, MATERIALS

    data = sub.add_parser("data", help="make physics data (showers, events, jet images) and plot it")
    dsub = data.add_subparsers(dest="data_command", required=True, parser_class=sub._parser_class)
    sh = dsub.add_parser("showers", help="EM showers from the Grindhammer-Peters parametrisation")
    sh.add_argument("--n", type=int, required=True, help="number of showers")
    sh.add_argument("--energy", type=_energy_range, default=(10.0, 100.0), help="EMIN:EMAX in GeV (default 10:100)")
    sh.add_argument("--geometry", choices=GEOMETRIES, default="8px",
                    help="voxel layout: 8px (8 layers), 8px-lateral, 8x8 (8 layers x 8 radial bins), ds1-photon "
                         "(CaloChallenge dataset 1, 368 voxels)")
    sh.add_argument("--material", choices=sorted(MATERIALS), default="pbwo4",
                    help="pbwo4: homogeneous CMS-ECAL-like; siw: Si-W sampling, HGCal-like")
    sh.add_argument("--spectrum", choices=["uniform", "log-uniform"], default="uniform",
                    help="distribution of the incident energies within --energy")
    sh.add_argument("--stochastic", type=float, default=None, help="stochastic term a (default: material's)")
    sh.add_argument("--binning-xml", help="CaloChallenge binning XML (r edges in mm); overrides --geometry")
    sh.add_argument("--particle", help="particle entry of the binning XML (default: the first)")
    sh.add_argument("--out", required=True, help="output HDF5 file")
    add_common(sh)
    sh.set_defaults(func=cmd_showers)

    ev = dsub.add_parser("events", help="e+e- events from Pythia 8 with parton truth")
    ev.add_argument("--process", choices=sorted(PROCESSES), default="ee-z",
                    help="; ".join(f"{k}: {v['doc']}" for k, v in sorted(PROCESSES.items())))
    ev.add_argument("--ecm", type=float, default=None, help="centre-of-mass energy, GeV (default per process)")
    ev.add_argument("--n", type=int, required=True, help="number of events")
    ev.add_argument("--flavours", help="quark flavours of the Z decay, e.g. 1,2,3 (default per process)")
    ev.add_argument("--charged-only", action="store_true", help="keep charged particles only")
    ev.add_argument("--e-min", type=float, default=0.0, help="minimum particle energy, GeV")
    ev.add_argument("--cos-max", type=float, default=1.0, help="acceptance |cos theta| <= this")
    ev.add_argument("--out", required=True, help="output HDF5 file")
    add_common(ev)
    ev.set_defaults(func=cmd_events)

    ji = dsub.add_parser("jet-images", help="P x P jet images with quark/gluon labels from events files")
    ji.add_argument("--events", nargs="+", required=True, help="events file(s), e.g. ee-qq.h5 ee-gg.h5")
    ji.add_argument("--pixels", type=int, default=16, help="pixels per side P (default 16)")
    ji.add_argument("--radius", type=float, default=0.4, help="half-width of the image, radians (default 0.4)")
    ji.add_argument("--jets", choices=["hemisphere", "exclusive"], default="hemisphere",
                    help="thrust hemispheres or FastJet exclusive ee_kt jets")
    ji.add_argument("--n-jets", type=int, default=2, help="jets per event for --jets exclusive")
    ji.add_argument("--out", required=True, help="output HDF5 file")
    add_common(ji)
    ji.set_defaults(func=cmd_jet_images)

    pl = dsub.add_parser("plot", help="validation figure of a data file (profiles, event shapes vs LEP, images)")
    pl.add_argument("file", help="a showers, events or jet-images file")
    pl.add_argument("--out", help="PNG to write (default: next to the file)")
    add_common(pl)
    pl.set_defaults(func=cmd_plot)
