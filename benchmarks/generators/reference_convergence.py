"""Is the classical reference converged? The large DDPM at three training settings, one seed, 10-100 GeV.

Uses the training and reference files that ``run.py`` writes into ``work/`` (run it first),
trains ``ddpm`` (``size: large``) per setting, samples 10,000 showers at reference energies
and prints every metric of :func:`qhep.metrics.evaluate`.

    OMP_NUM_THREADS=1 python benchmarks/generators/reference_convergence.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

SETTINGS = [(5000, 1e-3, 256), (20000, 1e-3, 256), (20000, 3e-4, 512)]  # (steps, lr, batch)


def main() -> None:
    from qhep.data import read_calo
    from qhep.metrics import evaluate
    from qhep.models import load_run, train

    work = Path(__file__).parent / "work"
    ref = read_calo(work / "10-100GeV_reference.h5")
    idx = np.random.default_rng(0).choice(len(ref.energies_gev), 10000, replace=False)
    e = ref.energies_gev[idx]
    for steps, lr, batch in SETTINGS:
        run_dir = Path(tempfile.mkdtemp(prefix="qhep-ref-"))
        start = time.perf_counter()
        train("ddpm", str(work / "10-100GeV_train.h5"), str(run_dir),
              config={"size": "large", "lr": lr, "batch": batch}, seed=0, steps=steps, progress=False)
        seconds = time.perf_counter() - start
        model, _ = load_run(str(run_dir))
        scores = evaluate(ref.showers_mev[idx], model.generate(e, seed=0), e, e, seed=0, bootstrap=2)
        print(f"steps {steps} lr {lr:g} batch {batch}: train {seconds:.0f} s",
              {k: round(v["value"], 4) for k, v in scores.items() if isinstance(v, dict)}, flush=True)


if __name__ == "__main__":
    main()
