"""Generator step speed at equal precision: qhep's QuantumModule vs PennyLane (and qiskit-machine-learning).

The step: an n-qubit generator (latent angles re-uploaded as RY inputs, 4 layers of
RY + CZ ring, 4n weights: 32 at n = 8), batch 32, the output (all 2**n
probabilities, or <Z_q> of every qubit), a scalar loss sum(out**2) and
``backward()``. Contestants, each at the precision it is listed with:

- qhep ``QuantumModule`` on ``statevector`` (or ``--backend statevector:gpu``),
  ``gradient="adjoint"`` (the default) and ``"backprop"``, complex64 and complex128;
- PennyLane ``default.qubit``, ``diff_method="backprop"``, torch interface (complex128:
  its state is double whatever the parameters' dtype);
- PennyLane ``lightning.qubit``, ``diff_method="adjoint"``, expectation outputs only
  (its adjoint method does not differentiate probabilities), complex128 and complex64
  (``c_dtype``);
- qiskit-machine-learning ``TorchConnector(SamplerQNN)`` on ``StatevectorSampler``
  (parameter shift), probabilities at 8 qubits only (tens of seconds a step).

Timing: every contestant is warmed up, then the contestants take turns, one step
each, ``--repeats`` rounds, and the best round counts; on a shared machine turns
spread the load over all of them alike. Threads: ``--threads`` intra-op threads for
torch and ``OMP_NUM_THREADS`` for lightning (set it in the environment). A
contestant whose warm-up step exceeds ``--max-seconds`` is timed once at that size
and not run at larger ones; backprop contestants are skipped where one state per
gate would exceed ``--max-gb``. Writes ``benchmarks/results/connector_speed.json`` with provenance.

    OMP_NUM_THREADS=1 python benchmarks/connector_speed.py --qubits 8 12 16 20 --threads 1
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector

LAYERS = 4
OUT = Path(__file__).resolve().parent / "results" / "connector_speed.json"


def circuit(n: int, layers: int = LAYERS) -> tuple[QuantumCircuit, ParameterVector, ParameterVector]:
    x, w = ParameterVector("x", n), ParameterVector("w", n * layers)
    qc = QuantumCircuit(n)
    for layer in range(layers):
        for q in range(n):
            qc.ry(x[q], q)
            qc.ry(w[layer * n + q], q)
        for q in range(n):
            qc.cz(q, (q + 1) % n)
    return qc, x, w


def qhep_step(n: int, batch: int, output: str, precision: str, gradient: str, backend: str = "statevector"):
    from qhep.connectors import QuantumModule

    qc, x, _ = circuit(n)
    module = QuantumModule(qc, x, seed=0, precision=precision, runner=backend, output=output, gradient=gradient)
    z = torch.rand(batch, n) * np.pi
    sync = torch.cuda.synchronize if backend.endswith(":gpu") else (lambda: None)

    def step():
        module.weight.grad = None
        (module(z) ** 2).sum().backward()
        sync()  # GPU kernels run asynchronously: time them to completion
    return step


def pennylane_step(n: int, batch: int, output: str, device: str, diff_method: str, precision: str = "double"):
    import pennylane as qml

    kwargs = {"c_dtype": np.complex64 if precision == "single" else np.complex128} if device == "lightning.qubit" \
        else {}
    dev = qml.device(device, wires=n, **kwargs)
    dtype = torch.float32 if precision == "single" else torch.float64

    @qml.qnode(dev, interface="torch", diff_method=diff_method)
    def node(inputs, weights):
        for layer in range(LAYERS):
            for q in range(n):
                qml.RY(inputs[..., q], wires=q)
                qml.RY(weights[layer * n + q], wires=q)
            for q in range(n):
                qml.CZ(wires=[q, (q + 1) % n])
        if output == "probabilities":
            return qml.probs(wires=range(n))
        return [qml.expval(qml.PauliZ(q)) for q in range(n)]

    weights = torch.nn.Parameter((torch.rand(n * LAYERS) * np.pi).to(dtype))
    z = (torch.rand(batch, n) * np.pi).to(dtype)

    def step():
        weights.grad = None
        out = node(z, weights)
        out = torch.stack(out, -1) if isinstance(out, list | tuple) else out
        (out ** 2).sum().backward()
    return step


def qml_step(n: int, batch: int):
    from qiskit.primitives import StatevectorSampler
    from qiskit_machine_learning.connectors import TorchConnector
    from qiskit_machine_learning.neural_networks import SamplerQNN

    qc, x, w = circuit(n)
    qnn = SamplerQNN(circuit=qc, input_params=list(x), weight_params=list(w), sampler=StatevectorSampler(),
                     input_gradients=False)
    model = TorchConnector(qnn, initial_weights=np.random.default_rng(0).uniform(-np.pi, np.pi, len(w)))
    z = torch.rand(batch, n) * np.pi

    def step():
        model.zero_grad()
        (model(z) ** 2).sum().backward()
    return step


def _timed(step: Callable[[], None]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def backprop_gb(n: int, batch: int) -> float:
    """Memory (GB) a backprop step may hold: one double batched state per gate (3n per layer)."""
    return 3 * n * LAYERS * batch * 2**n * 16 / 1e9


def contestants(n: int, output: str, args) -> dict[str, Callable[[], Callable[[], None]]]:
    """Name -> factory of a step, for one size and output; backprop ones only where they fit ``--max-gb``."""
    out: dict[str, Callable[[], Callable[[], None]]] = {}
    fits = backprop_gb(n, args.batch) <= args.max_gb
    for precision in ("single", "double"):
        for gradient in ("adjoint", "backprop") if fits else ("adjoint",):
            out[f"qhep {gradient} {precision}"] = (
                lambda p=precision, g=gradient: qhep_step(n, args.batch, output, p, g, args.backend))
    if fits:
        out["default.qubit backprop double"] = (
            lambda: pennylane_step(n, args.batch, output, "default.qubit", "backprop"))
    else:
        print(f"# {n} qubits: backprop contestants skipped (up to {backprop_gb(n, args.batch):.0f} GB > --max-gb)")
    if output == "expectations":
        for precision in ("single", "double"):
            out[f"lightning.qubit adjoint {precision}"] = (
                lambda p=precision: pennylane_step(n, args.batch, output, "lightning.qubit", "adjoint", p))
    if output == "probabilities" and n <= 8 and not args.no_qml:
        out["qiskit-ml parameter-shift double"] = lambda: qml_step(n, args.batch)
    return out


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.3g}" if seconds < 100 else f"{seconds:.0f}"


def markdown(doc: dict) -> str:
    """Tables of a results file: seconds per step per contestant, and each peer's time over qhep adjoint's
    at the same precision."""
    rows = doc["rows"]
    best = {(r["qubits"], r["output"], r["contestant"]): r["seconds"] for r in rows}
    sizes = sorted({r["qubits"] for r in rows})
    qhep = ["qhep adjoint single", "qhep adjoint double", "qhep backprop single", "qhep backprop double"]
    peers = {"expectations": ["default.qubit backprop double", "lightning.qubit adjoint single",
                              "lightning.qubit adjoint double"],
             "probabilities": ["default.qubit backprop double", "qiskit-ml parameter-shift double"]}
    out = []
    for output, title in (("expectations", "per-qubit <Z> outputs"), ("probabilities", "all 2**n probabilities")):
        names = qhep + peers[output]
        out.append(f"Seconds per step, {title}:\n")
        out.append("| qubits | " + " | ".join(names) + " | " + " | ".join(
            f"{p.split()[0]} / qhep ({p.split()[-1]})" for p in peers[output]) + " |")
        out.append("| --- " * (1 + len(names) + len(peers[output])) + "|")
        for n in sizes:
            if not any((n, output, c) in best for c in names):
                continue
            cells = [_fmt(best.get((n, output, c))) for c in names]
            ratios = []
            for p in peers[output]:
                mine, theirs = best.get((n, output, f"qhep adjoint {p.split()[-1]}")), best.get((n, output, p))
                ratio = theirs / mine if mine and theirs else None
                ratios.append("—" if ratio is None else f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.1f}x")
            out.append(f"| {n} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[8, 12, 16])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--outputs", nargs="+", default=["probabilities", "expectations"],
                        choices=["probabilities", "expectations"])
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="drop a contestant at larger sizes once a step takes longer")
    parser.add_argument("--max-gb", type=float, default=8.0, help="skip backprop where it may need more memory")
    parser.add_argument("--no-qml", action="store_true", help="skip qiskit-machine-learning")
    parser.add_argument("--backend", default="statevector", help="qhep's backend: statevector or statevector:gpu")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--table", help="print the markdown tables of this results file and exit")
    args = parser.parse_args()
    if args.table:
        import json

        print(markdown(json.loads(Path(args.table).read_text())))
        return
    torch.set_num_threads(args.threads)
    rows: list[dict] = []
    dropped: set[tuple[str, str]] = set()
    for n in args.qubits:
        for output in args.outputs:
            steps: dict[str, Callable[[], None]] = {}
            for name, make in contestants(n, output, args).items():
                if (name, output) in dropped:
                    continue
                try:
                    step = make()
                    warm = _timed(step)  # compilation, caches
                except ImportError as exc:
                    print(f"# {name}: not installed ({exc.name})")
                    continue
                except (RuntimeError, MemoryError) as exc:
                    print(f"# {name} at {n} qubits: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}")
                    dropped.add((name, output))
                    continue
                if warm > args.max_seconds:
                    dropped.add((name, output))
                steps[name] = step
            rounds: dict[str, list[float]] = {name: [] for name in steps}
            for r in range(args.repeats):
                for name, step in steps.items():
                    if r and (name.startswith("qiskit-ml") or (name, output) in dropped):
                        continue  # one timed step for those over --max-seconds
                    rounds[name].append(_timed(step))
            for name, times in rounds.items():
                rows.append({"qubits": n, "output": output, "contestant": name, "seconds": min(times),
                             "rounds": times})
                print(f"{n:>3d} {output:<14s} {name:<34s} {min(times):9.4f} s", flush=True)
        _write(args, rows)  # after every size: a long run keeps what it measured


def _write(args, rows: list[dict]) -> None:
    from qhep.provenance import record, versions

    doc = {"step": f"{LAYERS} layers of RY(input) RY(weight) per qubit + CZ ring, batch {args.batch}, "
                   "loss sum(out**2), backward; best of the rounds",
           "threads": args.threads, "backend": args.backend, "rows": rows,
           "peer_versions": versions(("pennylane", "pennylane_lightning", "qiskit-machine-learning"))}
    shown = dict(vars(args))
    root = Path(__file__).resolve().parent.parent
    if Path(args.out).resolve().is_relative_to(root):  # no machine paths in a committed file
        shown["out"] = str(Path(args.out).resolve().relative_to(root))
    record(args.out, doc, shown)
    print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
