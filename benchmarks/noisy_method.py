"""Noisy Aer simulation: density matrix against trajectories, on routed QAOA thrust circuits.

Aer's ``automatic`` method runs one noisy statevector trajectory per shot whenever
shots <= 2^n. ``FakeDeviceRunner`` picks ``density_matrix`` instead for n <= 12 and
2^n <= 6 x shots (``qhep.execution.aer.noisy_method``); this script measures why, on
the circuits that motivated it: p = 1 QAOA for the thrust Ising of one ``ee-z`` event
pre-clustered to n + 1 proto-jets, transpiled for ``fake:torino``, run under the noise
model of the qubits it uses. Prints seconds per run of each method and their ratio, and writes
them, with provenance, to ``benchmarks/results/noisy_method.json``.

    OMP_NUM_THREADS=1 python benchmarks/noisy_method.py [--qubits 4 8 10 11 12] [--shots 1000 4000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 8, 10, 11, 12])
    parser.add_argument("--shots", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--out", default=str(RESULTS / "noisy_method.json"), help="results JSON, with provenance "
                        "(default %(default)s)")
    args = parser.parse_args()
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit_aer import AerSimulator

    from qhep.data.events import generate_events
    from qhep.execution import get_runner
    from qhep.execution.aer import noisy_method
    from qhep.jets.ising import thrust_ising
    from qhep.jets.solve import precluster
    from qhep.provenance import record

    events = generate_events(1, "ee-z", seed=11)
    runner = get_runner("fake:torino", seed=3)
    rows = []
    print(f"{'qubits':>6s} {'2q gates':>8s} {'shots':>6s} {'trajectories s':>15s} {'density matrix s':>17s} "
          f"{'ratio':>6s}  qhep picks")
    for n in args.qubits:
        problem = thrust_ising(precluster(events.particles(0), n + 1)[1])
        circuit = qaoa_ansatz(problem.operator, reps=1).measure_all(inplace=False)
        prep = runner.prepare(circuit)
        bound = prep.circuit.assign_parameters(np.full(prep.circuit.num_parameters, 0.4))
        noise = runner.noise_model(prep)
        active = len(prep.stats["physical_qubits"])  # routing may use more qubits than n
        for shots in args.shots:
            times = []
            for method in ("statevector", "density_matrix"):
                sim = AerSimulator(method=method, noise_model=noise, seed_simulator=1)
                start = time.perf_counter()
                sim.run(bound, shots=shots).result()
                times.append(time.perf_counter() - start)
            print(f"{active:>6d} {prep.stats['two_qubit_gates']:>8d} {shots:>6d} {times[0]:>15.2f} {times[1]:>17.2f} "
                  f"{times[0] / times[1]:>6.1f}  {noisy_method(active, [bound], shots)}", flush=True)
            rows.append({"qubits": active, "two_qubit_gates": prep.stats["two_qubit_gates"], "shots": shots,
                         "trajectories_s": times[0], "density_matrix_s": times[1],
                         "qhep_picks": noisy_method(active, [bound], shots)})
    record(args.out, {"backend": "fake:torino", "rows": rows}, args)


if __name__ == "__main__":
    main()
