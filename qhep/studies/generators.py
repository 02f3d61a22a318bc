"""Generator tasks: a shower model trained on statevector, then sampled on the task's backend.

- noise-study cell (``kind: generator`` or ``diffusion``): the model is trained once per
  study (:func:`prepare_generator`: ``model``, ``train_steps``, ``config``, ``data``) and
  sampled ``n`` times on each cell's backend; metric ``mean_image_error`` against the
  model's data (bootstrap error), extra ``w1_total_gev``;
- hardware job (``kind: sample``): a trained run directory (``run``) sampled at ``n``
  incident energies (uniform in its training range, seeded) or at those of an
  ``energies`` file; writes ``samples.h5`` (CaloChallenge layout).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qhep.studies.base import CellContext, JobLike, TaskError

__all__ = ["check_generator", "generator_cell", "prepare_generator", "sample_job"]


def check_generator(task: dict[str, Any]) -> None:
    """A generator task names its model."""
    if not task.get("model"):
        raise TaskError("a generator task needs 'model' (e.g. qag, qdiffusion)")


def prepare_generator(task: dict[str, Any], out: Path, seed: int) -> str:
    """Make the data and train the model of a generator task, once, into ``out/models/<task>``; its run directory."""
    run_dir = out / "models" / task["name"]
    if (run_dir / "losses.json").exists():
        return str(run_dir)
    from qhep.data.io import write_calo
    from qhep.data.showers import generate_showers
    from qhep.models.training import train

    spec = {"n": 2000, "geometry": "8px", "energy": [10.0, 100.0], **task.get("data", {})}
    sample = generate_showers(int(spec["n"]), tuple(spec["energy"]), geometry_name=spec["geometry"], seed=seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    data = run_dir / "data.h5"
    write_calo(data, sample.energies_gev, sample.showers_mev, {"geometry": spec["geometry"]})
    train(task["model"], str(data), str(run_dir), config=dict(task.get("config", {})), seed=seed,
          steps=int(task.get("train_steps", 100)), progress=False)
    return str(run_dir)


def generator_cell(task: dict[str, Any], runner: Any, ctx: CellContext) -> dict[str, Any]:
    """Mean-image error of ``n`` showers sampled on the cell's backend against the model's data."""
    from qhep.data.io import read_calo
    from qhep.metrics.showers import evaluate
    from qhep.models.training import load_run

    model_dir = Path(ctx.model_dir or "")
    model, run = load_run(str(model_dir))
    data = read_calo(model_dir / "data.h5")
    n = int(task.get("n", 200))
    rng = np.random.default_rng(ctx.seed)
    pick = rng.choice(len(data.energies_gev), size=min(n, len(data.energies_gev)), replace=False)
    energies = data.energies_gev[pick]
    gen = np.clip(model.generate(energies, runner=runner, seed=ctx.seed,
                                 shots=ctx.shots), 0, None)
    scores = evaluate(data.showers_mev, gen, data.energies_gev, energies, seed=ctx.seed, bootstrap=10,
                      metrics=("mean_image_rel_error", "w1_total_gev"))
    return {"metric": "mean_image_error", "value": scores["mean_image_rel_error"]["value"],
            "std": scores["mean_image_rel_error"]["std"], "w1_total_gev": scores["w1_total_gev"]["value"],
            "model": run["model"]}


def sample_job(job: JobLike, runner: Any, out: Path) -> dict[str, Any]:
    """Showers of a trained run sampled on the device, written to ``out/samples.h5``."""
    from qhep.data.io import read_calo, write_calo
    from qhep.models.training import load_run

    task = job.task
    if "run" not in task:
        raise TaskError(f"{job.path}: task 'sample' needs 'run' (a qhep train run directory)")
    model, run = load_run(job.resolve(task["run"]))
    if "energies" in task:
        energies = read_calo(job.resolve(task["energies"])).energies_gev[: task.get("n")]
    else:
        meta = run["data_meta"]
        energies = np.random.default_rng(job.seed).uniform(meta["e_min"], meta["e_max"], int(task.get("n", 10)))
    showers = model.generate(energies, runner=runner, seed=job.seed, shots=job.shots)
    path = out / "samples.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_calo(path, energies, np.clip(showers, 0, None),
               {"generator": run["model"], "backend": str(runner.spec), "shots": job.shots,
                "mitigation": job.mitigation or "", "seed": job.seed})
    return {"samples": str(path), "n": int(len(energies)), "mean_total_energy_mev": float(showers.sum(1).mean())}
