"""``qhep noise-study STUDY.yaml --out DIR``: tasks x backends x mitigation configs, resumable.

Study file::

    name: torino-noise-scan
    seed: 1
    shots: 2000
    device: torino                 # with noise_scales: adds fake:torino@S for each S
    noise_scales: [0, 0.5, 1, 2]
    backends: [statevector]        # any further SPECs (ibm:NAME goes through the ledger)
    mitigation: [none, readout, "zne,readout"]
    tasks:
      - {name: ghz4, kind: circuit, circuit: "ghz:4"}
      - {name: thrust-4q, kind: qaoa, qubits: 4, events: 10}
      - {name: qag, kind: generator, model: qag, train_steps: 60, data: {n: 2000, geometry: 8px}, n: 200}

Each cell (:mod:`qhep.reports.cells`) is written to ``DIR/cells/<cell>.json`` the
moment it finishes; a re-run skips cells already there, so an interrupted study
resumes where it stopped. Cells that raised are recorded with their error and
retried by the next run. Exact backends (``statevector``) run only without
mitigation. ``generator``/``diffusion`` tasks first make their data and train
their model on statevector, once, into ``DIR/models/<task>/``.

Cells run in a local process pool (``workers``, one OpenMP/torch thread each), or as Ray tasks with
``ray_address`` (``"auto"``, ``"ray://host:port"``, or ``"local"`` to start a Ray
instance in this process); results are the same either way.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qhep.errors import QhepError
from qhep.reports.cells import cell_id, run_cell

__all__ = ["Study", "StudyError", "load_study", "prepare_task", "run_study"]

KINDS = ("circuit", "qaoa", "generator", "diffusion")


class StudyError(QhepError, ValueError):
    """A study file that cannot be read or names something unknown."""


@dataclass(frozen=True)
class Study:
    """A parsed study: its tasks, backends, mitigation configs and the cells they make."""

    name: str
    seed: int
    shots: int
    tasks: list[dict[str, Any]]
    backends: list[str]
    mitigation: list[str]
    source: dict[str, Any] = field(default_factory=dict)

    def cells(self) -> list[tuple[dict[str, Any], str, str]]:
        """(task, backend, mitigation) of every cell, in a fixed order."""
        from qhep.execution.spec import parse_backend

        out = []
        for task in self.tasks:
            for backend in self.backends:
                exact = parse_backend(backend).kind == "statevector"
                for mit in self.mitigation:
                    if exact and mit != "none":
                        continue
                    out.append((task, backend, mit))
        return out


def load_study(path: str | Path) -> Study:
    """Read and check a study file; :class:`StudyError` names the problem."""
    from qhep.execution.spec import parse_backend
    from qhep.mitigation.config import parse_mitigation

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise StudyError(f"no study file at {path}") from None
    except yaml.YAMLError as exc:
        raise StudyError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict) or not doc.get("tasks"):
        raise StudyError(f"{path}: a study needs 'tasks' (and backends or device + noise_scales)")
    backends = [str(b) for b in doc.get("backends", [])]
    if doc.get("device"):
        backends += [f"fake:{doc['device']}@{float(s):g}" for s in doc.get("noise_scales", [1])]
    if not backends:
        raise StudyError(f"{path}: no backends (give 'backends' or 'device' with 'noise_scales')")
    for b in backends:
        parse_backend(b)
    mitigation = [str(m) for m in doc.get("mitigation", ["none"])]
    for m in mitigation:
        if m != "none":
            parse_mitigation(m)
    names = set()
    for task in doc["tasks"]:
        if not isinstance(task, dict) or task.get("kind") not in KINDS or not task.get("name"):
            raise StudyError(f"{path}: every task needs a name and a kind in {', '.join(KINDS)}; got {task!r}")
        if task["name"] in names:
            raise StudyError(f"{path}: task name {task['name']!r} is used twice")
        names.add(task["name"])
        if task["kind"] == "circuit" and str(task.get("circuit", "")).partition(":")[0] not in ("ghz", "mirror"):
            raise StudyError(f"{path}: task {task['name']!r}: circuit must be ghz:N or mirror:N")
        if task["kind"] in ("generator", "diffusion") and not task.get("model"):
            raise StudyError(f"{path}: task {task['name']!r} needs 'model' (e.g. qag, qdiffusion)")
    return Study(name=str(doc.get("name", path.stem)), seed=int(doc.get("seed", 0)), shots=int(doc.get("shots", 2000)),
                 tasks=list(doc["tasks"]), backends=backends, mitigation=mitigation, source=doc)


def prepare_task(task: dict[str, Any], out: Path, seed: int) -> str | None:
    """Make the data and train the model of a generator/diffusion task, once; its run directory."""
    if task["kind"] not in ("generator", "diffusion"):
        return None
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


def _write_cell(out: Path, record: dict[str, Any]) -> None:
    path = out / "cells" / f"{record['cell']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, default=float))
    os.replace(tmp, path)


def _safe_cell(task, backend, mit, shots, seed, model_dir) -> dict[str, Any]:
    try:
        return run_cell(task, backend, mit, shots=shots, study_seed=seed, model_dir=model_dir)
    except Exception as exc:  # noqa: BLE001 - a failed cell is recorded, the study goes on
        return {"cell": cell_id(task["name"], backend, mit), "task": task["name"], "kind": task["kind"],
                "backend": backend, "mitigation": mit, "error": f"{type(exc).__name__}: {exc}"[:300]}


def finished_cells(out: Path) -> dict[str, dict[str, Any]]:
    """Cells already on disk without an error, by name."""
    done = {}
    for path in sorted((out / "cells").glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue  # half-written by a crash before os.replace cannot happen; be safe anyway
        if "error" not in record:
            done[record["cell"]] = record
    return done


def run_study(study: Study, out: str | Path, *, workers: int = 1, ray_address: str | None = None,
              max_cells: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Run the cells not yet in ``out`` (at most ``max_cells``), then write the report."""
    from tqdm import tqdm

    from qhep.reports.html import write_report

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "study-config.yaml").write_text(yaml.safe_dump(study.source, sort_keys=False))
    model_dirs = {t["name"]: prepare_task(t, out, study.seed) for t in study.tasks}
    done = finished_cells(out)
    todo = [(t, b, m) for t, b, m in study.cells() if cell_id(t["name"], b, m) not in done]
    skipped = len(study.cells()) - len(todo)
    if max_cells is not None:
        todo = todo[:max_cells]
    args = [(t, b, m, study.shots, study.seed, model_dirs[t["name"]]) for t, b, m in todo]
    with tqdm(total=len(args), disable=not progress, desc=f"noise study {study.name}", unit="cell") as bar:
        if ray_address:
            _run_ray(args, out, ray_address, bar)
        elif workers > 1 and len(args) > 1:
            import multiprocessing

            # One thread per worker: N workers each running all-core OpenMP/torch threads
            # oversubscribe the machine (measured here: small torch training ran ~10x slower).
            with _env(OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1")), \
                    ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                for fut in as_completed([pool.submit(_safe_cell, *a) for a in args]):
                    _write_cell(out, fut.result())
                    bar.update(1)
        else:
            for a in args:
                _write_cell(out, _safe_cell(*a))
                bar.update(1)
    report = write_report(study, out)
    cells = finished_cells(out)
    return {"out": str(out), "report": str(report), "cells": len(study.cells()), "finished": len(cells),
            "ran": len(args), "skipped": skipped,
            "failed": sorted(set(p.stem for p in (out / "cells").glob("*.json")) - set(cells))}


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    """Set environment variables while worker processes are spawned (they inherit them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def default_workers() -> int:
    """Usable CPU cores: the default size of the local process pool."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _run_ray(args: list[tuple], out: Path, address: str, bar: Any) -> None:
    """Run cells as Ray tasks; each result is written as it arrives."""
    try:
        import ray
    except ImportError:
        from qhep.errors import MissingExtraError

        raise MissingExtraError("ray", "dist", "--ray") from None
    started = False
    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, include_dashboard=False,
                 log_to_driver=False, ignore_reinit_error=True)
        started = True
    try:
        remote = ray.remote(_safe_cell)
        pending = [remote.remote(*a) for a in args]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            _write_cell(out, ray.get(ready[0]))
            bar.update(1)
    finally:
        if started:
            ray.shutdown()
