"""Noisy simulation of a 4-qubit GHZ circuit on fake:torino: qhep vs the runtime's local mode.

qhep: ``get_runner("fake:torino").sample`` (transpile once, noise model of the 4 used
qubits). Peer: ``qiskit_ibm_runtime.executor_sampler.Sampler(mode=FakeTorino())`` in
local mode, the current (non-deprecated) sampler, on the same transpiled circuit.
Both: 4000 shots, first call (cold) and warm call, same process.

Prints the table and writes it, with provenance, to ``benchmarks/results/noise_sim.json``.

    python benchmarks/noise_sim.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="warm calls to average")
    parser.add_argument("--shots", type=int, default=4000)
    parser.add_argument("--out", default=str(RESULTS / "noise_sim.json"), help="results JSON, with provenance "
                        "(default %(default)s)")
    args = parser.parse_args()

    from qiskit import transpile
    from qiskit_ibm_runtime.executor_sampler import Sampler
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    from qhep.circuits import ghz
    from qhep.execution import get_runner
    from qhep.provenance import record

    circuit = ghz(4)

    start = time.perf_counter()
    runner = get_runner("fake:torino", shots=args.shots, seed=1)
    runner.sample(circuit)
    qhep_first = time.perf_counter() - start
    warm = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        counts = runner.sample(circuit).data.meas.get_counts()
        warm.append(time.perf_counter() - start)
    qhep_warm = sum(warm) / len(warm)
    qhep_ghz = (counts.get("0000", 0) + counts.get("1111", 0)) / args.shots

    start = time.perf_counter()
    backend = FakeTorino()
    isa = transpile(circuit, backend, optimization_level=1, seed_transpiler=1)
    sampler = Sampler(mode=backend)
    sampler.run([isa], shots=args.shots).result()
    peer_first = time.perf_counter() - start
    warm = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        res = sampler.run([isa], shots=args.shots).result()
        warm.append(time.perf_counter() - start)
    peer_warm = sum(warm) / len(warm)
    pc = res[0].data.meas.get_counts()
    peer_ghz = (pc.get("0000", 0) + pc.get("1111", 0)) / args.shots

    print(f"4-qubit GHZ, {args.shots} shots, fake:torino (same machine, same run)")
    print(f"{'':<12s}{'qhep':>10s}{'runtime':>10s}{'ratio':>9s}")
    print(f"{'first /s':<12s}{qhep_first:>10.3f}{peer_first:>10.3f}{peer_first / qhep_first:>8.1f}x")
    print(f"{'warm /s':<12s}{qhep_warm:>10.3f}{peer_warm:>10.3f}{peer_warm / qhep_warm:>8.1f}x")
    print(f"{'P(GHZ)':<12s}{qhep_ghz:>10.3f}{peer_ghz:>10.3f}")
    print(f"targets: warm >= 30x: {'met' if peer_warm / qhep_warm >= 30 else 'MISSED'}; "
          f"first >= 5x: {'met' if peer_first / qhep_first >= 5 else 'MISSED'}")
    record(args.out, {"circuit": "ghz:4", "backend": "fake:torino",
                      "qhep": {"first_s": qhep_first, "warm_s": qhep_warm, "p_ghz": qhep_ghz},
                      "runtime_local_mode": {"first_s": peer_first, "warm_s": peer_warm, "p_ghz": peer_ghz}}, args)


if __name__ == "__main__":
    main()
