"""``qhep demo``: a small end-to-end run showing one circuit on every local backend.

A 4-qubit mirror circuit (ideal <ZZZZ> = 1) runs on the exact simulator, on
noiseless Aer, on the noise of IBM Torino, and on that noise with readout
mitigation and ZNE; then a GHZ state is sampled. Takes well under a minute.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

__all__ = ["register", "run_demo"]


def run_demo(out: Path, seed: int = 1234, device: str = "torino") -> dict[str, Any]:
    """Run the demo, write ``out/demo.json`` and the circuit as OpenQASM 3; return the summary."""
    from qiskit import qasm3
    from tqdm import tqdm

    from qhep import __version__
    from qhep.circuits import ghz, mirror
    from qhep.execution import get_runner

    out.mkdir(parents=True, exist_ok=True)
    circuit = mirror(4, 10, seed=seed)
    (out / "mirror4.qasm").write_text(qasm3.dumps(circuit))
    rows = []
    configs = [("statevector", None), ("aer", None), (f"fake:{device}", None),
               (f"fake:{device}", "readout"), (f"fake:{device}", "zne,readout")]
    for spec, mit in tqdm(configs, desc="mirror circuit", unit="backend"):
        start = time.perf_counter()
        runner = get_runner(spec, shots=4000, seed=seed, mitigation=mit)
        res = runner.estimate(circuit, "ZZZZ")
        rows.append({"backend": spec, "mitigation": mit or "none", "ZZZZ": float(res.values[0, 0]),
                     "std": float(res.stds[0, 0]), "seconds": round(time.perf_counter() - start, 3)})
    counts = get_runner(f"fake:{device}", shots=2000, seed=seed).sample(ghz(4)).data.meas.get_counts()
    summary = {"qhep": __version__, "seed": seed, "mirror_circuit": rows,
               "ghz4_counts_on_fake_device": dict(sorted(counts.items(), key=lambda kv: -kv[1])[:6])}
    (out / "demo.json").write_text(json.dumps(summary, indent=1))
    return summary


def _cmd(args: argparse.Namespace) -> int:
    summary = run_demo(Path(args.out), args.seed, args.device)
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(f"4-qubit mirror circuit, ideal <ZZZZ> = 1 (seed {args.seed})")
    print(f"{'backend':<16s}{'mitigation':<14s}{'<ZZZZ>':>10s}{'std':>9s}{'time/s':>9s}")
    for r in summary["mirror_circuit"]:
        print(f"{r['backend']:<16s}{r['mitigation']:<14s}{r['ZZZZ']:>10.4f}{r['std']:>9.4f}{r['seconds']:>9.2f}")
    print(f"GHZ-4 on fake:{args.device}, top outcomes: {summary['ghz4_counts_on_fake_device']}")
    print(f"wrote {args.out}/demo.json and {args.out}/mirror4.qasm")
    return 0


def register(sub: Any, add_common) -> None:
    """Add ``qhep demo`` to the command's subparsers."""
    p = sub.add_parser("demo", help="small end-to-end demo on every local backend")
    p.add_argument("--out", default="demo_out", help="output directory (default demo_out)")
    p.add_argument("--device", default="torino", help="fake IBM device (default torino)")
    add_common(p)
    p.set_defaults(func=_cmd)
