"""The 64-qubit (8x8 pixel) IQP Born machine: train on Z-words, validate, transpile for fake:torino.

64 qubits cannot be sampled on a simulator, so the trained model is checked through
its classically estimable Z-word expectations (all 64 <Z_i> and 2016 <Z_i Z_j>)
against the data's, and then transpiled for IBM Torino's target (the grid-pair
generators of an 8x8 image; all-pairs would need 2016 RZZ before routing).

Prints the results and writes them, with provenance, to ``benchmarks/results/generators/iqp64.json``.

    python benchmarks/generators/iqp64.py [--steps 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results" / "generators"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--out", default=str(RESULTS / "iqp64.json"), help="results JSON, with provenance "
                        "(default %(default)s)")
    args = parser.parse_args()
    from qhep.data import generate_showers, write_calo
    from qhep.execution.spec import fake_backend
    from qhep.models import ShowerData, build_model, load_run, train
    from qhep.provenance import record
    from qhep.transpile import TranspileOptions, build_pass_manager

    with tempfile.TemporaryDirectory() as tmp:
        s = generate_showers(args.n, (10, 100), geometry_name="8x8", seed=5)
        path = write_calo(Path(tmp) / "s64.h5", s.energies_gev, s.showers_mev, s.file_attributes())
        data = ShowerData.from_file(str(path))
        doc = {"qubits": 64, "validation": {}, "transpiled": {}}
        start = time.perf_counter()
        summary = train("iqp", str(path), str(Path(tmp) / "run"), steps=args.steps, seed=0, progress=False).summary
        model, _ = load_run(str(Path(tmp) / "run"))
        untrained = build_model("iqp", data.meta(), {"seed": 0})
        untrained.fit_stats(data)
        print(f"trained 64-qubit IQP ({model.parameter_count()} parameters, {args.steps} steps) in "
              f"{time.perf_counter() - start:.1f} s; Z-word MMD {summary['monitor_mmd_start']:.4f} -> "
              f"{summary['monitor_mmd_end']:.4f}")
        doc.update(parameters=model.parameter_count(), train_s=time.perf_counter() - start,
                   zword_mmd_start=summary["monitor_mmd_start"], zword_mmd_end=summary["monitor_mmd_end"])
        for label, m in (("untrained", untrained), ("trained", model)):
            v = m.zword_validation(data, n_z=4096)
            print(f"{label:>9s}: {v['words']} words, mean |<Z>_model - <Z>_data| = {v['mean_abs_diff']:.4f}, "
                  f"max {v['max_abs_diff']:.4f} (Monte-Carlo std {v['mc_std']:.4f})")
            doc["validation"][label] = v
        target = fake_backend("torino").target
        for level in (1, 3):
            start = time.perf_counter()
            out = build_pass_manager(target, TranspileOptions(optimization_level=level)).run(model._bound())
            ops = out.count_ops()
            two_q = sum(v for k, v in ops.items() if k in ("cz", "ecr", "cx"))
            print(f"fake:torino, optimization level {level}: depth {out.depth()}, two-qubit gates {two_q}, "
                  f"size {out.size()} ({time.perf_counter() - start:.1f} s to transpile)")
            doc["transpiled"][f"fake:torino, optimization level {level}"] = {
                "depth": out.depth(), "two_qubit_gates": two_q, "size": out.size(),
                "transpile_s": time.perf_counter() - start}
    record(args.out, doc, args)


if __name__ == "__main__":
    main()
