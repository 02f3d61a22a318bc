"""QAOA simulation speed: qhep's torch statevector path against QOKit, same cost diagonal, same machine.

For each qubit count n, one ``ee-z`` event is pre-clustered to n + 1 proto-jets and its
thrust cost diagonal (2**n) is written to a temporary .npy file. Both simulators then
time one p-layer QAOA energy evaluation on it (best of ``--repeat``), and qhep also
times a full solve (L-BFGS from transferred angles + K samples). QOKit pins its own
qiskit and numpy, so it runs in its own environment (``--qokit-python``); see
benchmarks/README.md for how that environment is made (its wheel ships without the C
simulator, which has to be compiled once).

Prints the table and writes it, with provenance, to ``benchmarks/results/jets/speed.json``.

    python benchmarks/jets/speed.py --qokit-python QOKIT_VENV/bin/python [--qubits 12 16 20] [--reps 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "results" / "jets"

QOKIT_SNIPPET = """
import json, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")
from qokit.fur import choose_simulator, get_available_simulator_names
diag = np.load(sys.argv[1]); p = int(sys.argv[2]); repeat = int(sys.argv[3])
n = int(np.log2(diag.size))
name = "c" if "c" in get_available_simulator_names("x") else "python"
sim = choose_simulator(name)(n, costs=diag)
g, b = list(np.linspace(0.1, 0.5, p)), list(np.linspace(0.5, 0.1, p))
sim.get_expectation(sim.simulate_qaoa(g, b))
best = 1e9
for _ in range(repeat):
    t = time.perf_counter(); e = sim.get_expectation(sim.simulate_qaoa(g, b)); best = min(best, time.perf_counter() - t)
print(json.dumps({"simulator": name, "seconds": best, "energy": float(e)}))
"""


def qhep_energy_time(diag: np.ndarray, reps: int, repeat: int) -> tuple[float, float]:
    """(best seconds, energy in the diagonal's units) of one QAOA energy evaluation in qhep."""
    import torch

    from qhep.jets.qaoa import DiagonalQAOA

    sim = DiagonalQAOA(diag)
    g, b = np.linspace(0.1, 0.5, reps), np.linspace(0.5, 0.1, reps)
    params = torch.as_tensor(np.concatenate([g * sim.scale / 2, b]))  # QOKit: exp(-i gamma C / 2), exp(-i beta X)
    best = np.inf
    with torch.no_grad():
        for _ in range(repeat + 1):
            t = time.perf_counter()
            e = sim.energy(params).item()
            best = min(best, time.perf_counter() - t)
    return best, e * sim.scale + sim.offset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[12, 16, 20])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--qokit-python", default=None, help="python of an environment with qokit installed")
    parser.add_argument("--solve-events", type=int, default=3, help="events timed for the full solve per n")
    parser.add_argument("--out", default=str(RESULTS / "speed.json"), help="results JSON, with provenance "
                        "(default %(default)s)")
    args = parser.parse_args()
    import torch

    from qhep.data.events import generate_events
    from qhep.jets.ising import thrust_ising
    from qhep.jets.qaoa import transfer_init
    from qhep.jets.solve import precluster, solve_event
    from qhep.provenance import record

    ev = generate_events(10 + args.solve_events, "ee-z", seed=7)
    print(f"torch threads {torch.get_num_threads()}; QAOA depth p = {args.reps}; best of {args.repeat}")
    print(f"{'qubits':>6s}{'qhep energy s':>15s}{'QOKit energy s':>16s}{'qhep/QOKit':>12s}{'|dE|':>10s}"
          f"{'qhep solve s/event':>20s}")
    rows = []
    for n in args.qubits:
        diags = [thrust_ising(precluster(ev.particles(k), n + 1)[1]).diagonal() for k in range(3)]
        ours, e_ours = qhep_energy_time(diags[0], args.reps, args.repeat)
        peer, e_peer, name = float("nan"), float("nan"), "-"
        if args.qokit_python:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "diag.npy"
                np.save(path, diags[0])
                out = subprocess.run([args.qokit_python, "-c", QOKIT_SNIPPET, str(path), str(args.reps),
                                      str(args.repeat)], check=True, capture_output=True, text=True).stdout
                doc = json.loads(out.strip().splitlines()[-1])
                peer, e_peer, name = doc["seconds"], doc["energy"], doc["simulator"]
        init = transfer_init(diags, args.reps, max_iter=30)
        t = time.perf_counter()
        for k in range(10, 10 + args.solve_events):
            solve_event(ev.particles(k), "qaoa", reps=args.reps, max_qubits=n, init=init, max_iter=10, seed=k)
        solve = (time.perf_counter() - t) / args.solve_events
        print(f"{n:>6d}{ours:>15.4f}{peer:>16.4f}{ours / peer:>12.2f}{abs(e_ours - e_peer):>10.1e}{solve:>20.2f}"
              f"   (QOKit simulator: {name})", flush=True)
        rows.append({"qubits": n, "qhep_energy_s": ours, "qokit_energy_s": peer, "qokit_simulator": name,
                     "abs_energy_difference": abs(e_ours - e_peer), "qhep_solve_s_per_event": solve})
    record(args.out, {"torch_threads": torch.get_num_threads(), "rows": rows}, args)


if __name__ == "__main__":
    main()
