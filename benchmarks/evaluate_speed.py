"""Speed of ``qhep evaluate``'s metrics on 10,000 x 368-voxel showers: before and after, same run.

"Before" is :mod:`qhep.metrics.showers` as of git revision ``BEFORE`` (read with ``git show``
into a throw-away module, so the comparison needs no copy of old code); "after" is the
installed one. Both run :func:`evaluate` with the CLI's defaults (bootstrap 10) on the same
real and generated samples (``ds1-photon`` PbWO4 GFlash showers; the "generated" sample has
a 10 % larger stochastic term). The new AUC error (a bootstrap of the test halves) is checked
against the spread of the AUC over ``--refits`` independent train/test splits, which is what
the slow estimate measured.

    OMP_NUM_THREADS=1 python benchmarks/evaluate_speed.py [--n 10000] [--refits 5]
"""

from __future__ import annotations

import argparse
import subprocess
import time
import types
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BEFORE = "4425c1d"  # the last revision with the refit-per-bootstrap classifier


def _old_module() -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{BEFORE}:qhep/metrics/showers.py"], cwd=HERE, capture_output=True,
                            text=True, check=True).stdout
    module = types.ModuleType("qhep_metrics_before")
    exec(compile(source, f"{BEFORE}:qhep/metrics/showers.py", "exec"), module.__dict__)  # noqa: S102 - our own file
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--refits", type=int, default=5)
    args = parser.parse_args()
    from qhep.data import generate_showers
    from qhep.data.showers import MATERIALS
    from qhep.metrics import showers as new
    from qhep.provenance import record

    real = generate_showers(args.n, (10, 100), geometry_name="ds1-photon", seed=1)
    gen = generate_showers(args.n, (10, 100), geometry_name="ds1-photon", seed=2, energies_gev=real.energies_gev,
                           stochastic=1.1 * MATERIALS["pbwo4"].stochastic)
    layout = new.layout_from_attrs(real.file_attributes(), real.showers_mev.shape[1])
    x, y, e = real.showers_mev.astype(np.float64), gen.showers_mev.astype(np.float64), real.energies_gev
    old = _old_module()
    rows = {}
    for name, run in (("before", lambda: old.evaluate(x, y, e, e, seed=0, bootstrap=10)),
                      ("after", lambda: new.evaluate(x, y, e, e, seed=0, bootstrap=10, layout=layout))):
        start = time.perf_counter()
        out = run()
        rows[name] = {"seconds": round(time.perf_counter() - start, 1), "classifier_auc": out["classifier_auc"]}
        print(name, rows[name], flush=True)
    refits = [new.classifier_auc(x, y, e, e, np.random.default_rng(100 + k), layout) for k in range(args.refits)]
    rows["after"]["auc_std_over_refits"] = float(np.std(refits, ddof=1))
    rows["speed-up"] = round(rows["before"]["seconds"] / rows["after"]["seconds"], 2)
    print("AUC over independent splits:", np.round(refits, 4), "std", rows["after"]["auc_std_over_refits"])
    record(HERE / "results" / "evaluate_speed.json", rows, args)


if __name__ == "__main__":
    main()
