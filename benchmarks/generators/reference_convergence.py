"""Is the classical reference converged? The large DDPM at three training settings, one seed, 10-100 GeV.

Trains ``ddpm`` (``size: large``) per setting on the training file of ``run.py`` (made here
if missing, with the same seeds), samples 10,000 showers at the reference energies and
scores them with :func:`qhep.metrics.evaluate` against the reference showers; writes
``benchmarks/results/generators/reference_convergence.json`` with provenance.

    OMP_NUM_THREADS=1 python benchmarks/generators/reference_convergence.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SETTINGS = [(5000, 1e-3, 256), (20000, 1e-3, 256), (20000, 3e-4, 512)]  # (steps, lr, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--material", default="pbwo4", choices=["pbwo4", "siw"])
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from run import RESULTS, ensure_files

    from qhep.data import read_calo
    from qhep.metrics import evaluate
    from qhep.metrics.showers import layout_from_attrs
    from qhep.models import load_run, train
    from qhep.provenance import record

    files = ensure_files(HERE / "work" / args.material, "10-100GeV", args.material)
    ref = read_calo(files["reference"])
    layout = layout_from_attrs(ref.attrs, ref.showers_mev.shape[1])
    idx = np.random.default_rng(0).choice(len(ref.energies_gev), 10000, replace=False)
    e = ref.energies_gev[idx]
    rows = []
    for steps, lr, batch in SETTINGS:
        run_dir = Path(tempfile.mkdtemp(prefix="qhep-ref-"))
        start = time.perf_counter()
        train("ddpm", str(files["train"]), str(run_dir), config={"size": "large", "lr": lr, "batch": batch},
              seed=0, steps=steps, progress=False)
        seconds = time.perf_counter() - start
        model, _ = load_run(str(run_dir))
        scores = evaluate(ref.showers_mev[idx], model.generate(e, seed=0), e, e, seed=0, bootstrap=2, layout=layout)
        rows.append({"steps": steps, "lr": lr, "batch": batch, "train_seconds": round(seconds, 1), "metrics": scores})
        print(f"steps {steps} lr {lr:g} batch {batch}: train {seconds:.0f} s",
              {k: round(v["value"], 4) for k, v in scores.items()}, flush=True)
    record(RESULTS / "reference_convergence.json", {"rows": rows}, args)


if __name__ == "__main__":
    main()
