"""Hardware *training* cost of the quantum and hybrid diffusion rows: parameter shift, state preparation, shots.

One training step (batch B) on a device needs, per sample, the circuit that produces the loss's
measured outcomes, run at each parameter-shifted point: 2 P circuits for P trainable gate angles
(parameter-shift rule; the angles' dependence on the weights, theta_t = A_t + C_t c or the
qdenoiser's weights, is classical chain rule). With S shots each, the stated device-time model
of :mod:`qhep.hardware.cost` (shots x (circuit duration + 250 us repetition delay) + 2 s per job,
one job per training step) gives

    device s per step = 2 + B * 2P * S * (d + 250e-6),      total = steps * that

with d the critical-path duration of the transpiled circuit on ``fake:torino`` (its target's
gate, measure and reset durations). The circuits:

- ``qdiffusion``: state preparation (angle: one RY per pixel; amplitude: Qiskit's
  ``StatePreparation`` of a random real state on log2 V + 1 qubits, what a generic image needs),
  the forward channel up to step t (random RX RY RZ on every qubit and RZZ on the ring per
  step), reverse step t, measurement of the data register; d is averaged over t = 1..T
  (computed at t = 1 and t = T, linear in between);
- ``qdenoiser``: its re-uploading circuit (inputs are angles: no separate state preparation).

Writes ``benchmarks/results/diffusion/traincost.json`` (with provenance) and prints a table.

    python benchmarks/diffusion/traincost.py [--shots 1000] [--batch 64] [--steps 400]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "benchmarks" / "results" / "diffusion" / "traincost.json"
REP_DELAY_S, JOB_S = 250e-6, 2.0


def qdiffusion_training_circuit(pixels: int, encoding: str, t: int, seed: int = 0):
    """(circuit, P): state preparation, t forward steps, reverse step t, data-register measurement."""
    from qiskit import ClassicalRegister, QuantumCircuit
    from qiskit.circuit.library import StatePreparation

    from qhep.models.qdiffusion import QuantumDiffusion

    meta = {"n_pixels": pixels, "e_min": 10.0, "e_max": 100.0, "image_shape": [pixels]}
    model = QuantumDiffusion(meta, {"encoding": encoding, "layers": 4, "ancillas": 2, "diffusion_steps": 10})
    n, a = model.n, model.ancillas
    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(n + a)
    if encoding == "angle":
        for q in range(n):
            qc.ry(float(rng.uniform(0, math.pi)), q)
    else:
        amp = rng.uniform(0, 1, 2**n)
        qc.append(StatePreparation(amp / np.linalg.norm(amp)), range(n))
    for _ in range(t):
        for q in range(n):
            qc.rx(float(rng.normal(0, 0.5)), q)
            qc.ry(float(rng.normal(0, 0.5)), q)
            qc.rz(float(rng.normal(0, 0.5)), q)
        for q1, q2 in model.channel.pairs():
            qc.rzz(float(rng.normal(0, 0.5)), q1, q2)
    qc.compose(model.circuit.assign_parameters(rng.uniform(-0.3, 0.3, len(model.theta))), inplace=True)
    creg = ClassicalRegister(n, "out")
    qc.add_register(creg)
    qc.measure(range(n), creg)
    return qc, len(model.theta), model.steps, model.parameter_count()


def qdenoiser_training_circuit(qubits: int, layers: int = 3):
    from qhep.models.denoisers import QuantumDenoiser, denoiser_circuit

    qc, inputs = denoiser_circuit(qubits, layers, "ring")
    rng = np.random.default_rng(0)
    bound = qc.assign_parameters(rng.uniform(-1, 1, qc.num_parameters))
    bound.measure_all()
    return bound, 2 * qubits * layers, QuantumDenoiser.weight_count(qubits, layers)


def duration(runner, circuit) -> tuple[float, int]:
    """(critical-path seconds, two-qubit gates) of ``circuit`` transpiled for the runner's device."""
    from qhep.hardware.cost import circuit_duration

    prep = runner.prepare(circuit)
    return circuit_duration(prep.circuit, runner.target, prep.physical_qubits), int(prep.stats["two_qubit_gates"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=1000, help="shots per circuit")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=400, help="training steps")
    parser.add_argument("--device", default="fake:torino")
    args = parser.parse_args()
    from qhep.execution import get_runner
    from qhep.provenance import record

    runner = get_runner(args.device, seed=0)
    rows = []
    for label, pixels, enc in (("qdiffusion angle, 8-pixel showers", 8, "angle"),
                               ("qdiffusion amplitude, 8x8 showers / jets", 64, "amplitude")):
        ds, twoq = [], []
        for t in (1, 10):
            qc, p, steps_t, weights = qdiffusion_training_circuit(pixels, enc, t)
            d, g = duration(runner, qc)
            ds.append(d)
            twoq.append(g)
        rows.append({"row": label, "weights": weights, "shifted_angles": p, "duration_s": float(np.mean(ds)),
                     "two_qubit_gates": f"{twoq[0]}-{twoq[1]}"})
    for label, qubits in (("qdenoiser, 8-pixel showers", 8), ("qdenoiser latent 8, 8x8 showers / jets", 8)):
        qc, p, weights = qdenoiser_training_circuit(qubits)
        d, g = duration(runner, qc)
        rows.append({"row": label, "weights": weights, "shifted_angles": p, "duration_s": d,
                     "two_qubit_gates": str(g)})
    for r in rows:
        circuits = args.batch * 2 * r["shifted_angles"]
        r["circuits_per_step"] = circuits
        r["device_s_per_step"] = JOB_S + circuits * args.shots * (r["duration_s"] + REP_DELAY_S)
        r["device_h_total"] = args.steps * r["device_s_per_step"] / 3600
        print(r, flush=True)
    record(OUT, {"shots": args.shots, "batch": args.batch, "steps": args.steps, "device": args.device,
                 "rep_delay_s": REP_DELAY_S, "job_overhead_s": JOB_S, "rows": rows}, args)
    print("| row | weights | shifted angles P | 2q gates (transpiled) | circuit us | circuits/step (B 2P) | "
          "device s/step | device h for all steps |")
    print("|" + " --- |" * 8)
    for r in rows:
        print(f"| {r['row']} | {r['weights']} | {r['shifted_angles']} | {r['two_qubit_gates']} | "
              f"{1e6 * r['duration_s']:.0f} | {r['circuits_per_step']} | {r['device_s_per_step']:.3g} | "
              f"{r['device_h_total']:.3g} |")


if __name__ == "__main__":
    main()
