"""``qhep data ...`` subcommands."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

__all__ = ["register"]


def _energy_range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected EMIN:EMAX in GeV, e.g. 10:100; got {text!r}") from None
    return lo, hi


def cmd_showers(args: argparse.Namespace) -> int:
    """Generate showers in chunks (progress bar) and write one CaloChallenge-layout file."""
    import numpy as np
    from tqdm import tqdm

    from qhep.data.io import write_calo
    from qhep.data.showers import generate_showers

    if args.n <= 0:
        raise ValueError("--n must be a positive number of showers")
    start = time.perf_counter()
    chunk = 20_000
    rng = np.random.default_rng(args.seed)
    parts, energies = [], []
    sample = None
    with tqdm(total=args.n, unit="shower", disable=args.json, desc="showers") as bar:
        for begin in range(0, args.n, chunk):
            size = min(chunk, args.n - begin)
            sample = generate_showers(size, args.energy, geometry_name=args.geometry, material_name=args.material,
                                      spectrum=args.spectrum, stochastic=args.stochastic,
                                      seed=int(rng.integers(2**31)))
            parts.append(sample.showers_mev)
            energies.append(sample.energies_gev)
            bar.update(size)
    assert sample is not None
    geo = sample.geometry
    sample.settings["seed"] = args.seed  # the file's seed is the command's, chunk seeds derive from it
    write_calo(args.out, np.concatenate(energies), np.concatenate(parts), sample.file_attributes())
    doc = {"out": args.out, "n": args.n, "geometry": geo.name, "voxels": geo.n_voxels,
           "seconds": round(time.perf_counter() - start, 2)}
    if args.json:
        print(json.dumps(doc))
    else:
        print(f"wrote {args.n} {geo.name} showers ({geo.n_voxels} voxels, {sample.material.name}) to {args.out}")
    return 0


def register(sub: Any, add_common) -> None:
    """Add ``qhep data`` to the command's subparsers."""
    from qhep.data.showers import GEOMETRIES, MATERIALS

    data = sub.add_parser("data", help="make physics data (showers)")
    dsub = data.add_subparsers(dest="data_command", required=True, parser_class=sub._parser_class)
    sh = dsub.add_parser("showers", help="EM showers from the Grindhammer-Peters parametrisation")
    sh.add_argument("--n", type=int, required=True, help="number of showers")
    sh.add_argument("--energy", type=_energy_range, default=(10.0, 100.0), help="EMIN:EMAX in GeV (default 10:100)")
    sh.add_argument("--geometry", choices=GEOMETRIES, default="8px")
    sh.add_argument("--material", choices=sorted(MATERIALS), default="pbwo4")
    sh.add_argument("--spectrum", choices=["uniform", "log-uniform"], default="uniform")
    sh.add_argument("--stochastic", type=float, default=None, help="stochastic term a (default: material's)")
    sh.add_argument("--out", required=True, help="output HDF5 file")
    add_common(sh)
    sh.set_defaults(func=cmd_showers)
