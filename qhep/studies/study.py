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

Each cell (:mod:`qhep.studies.cells`; what each task kind computes is in
:mod:`qhep.studies.registry`) is written to ``DIR/cells/<cell>.json`` the moment
it finishes; a re-run skips cells already there, so an interrupted study
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
import difflib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qhep.errors import QhepError
from qhep.provenance import atomic_write_text, finite_json, read_yaml
from qhep.studies.base import TaskError
from qhep.studies.cells import cell_id, run_cell
from qhep.studies.registry import TASKS, kinds, task_kind

__all__ = ["Study", "StudyError", "load_study", "prepare_task", "run_study"]

KINDS = kinds("study")
STUDY_KEYS = ("name", "seed", "shots", "device", "noise_scales", "backends", "mitigation", "tasks")
TASK_KEYS = ("name", "kind", "circuit", "qubits", "reps", "events", "train", "event_seed", "model", "config",
             "data", "n", "train_steps")
DATA_KEYS = ("n", "geometry", "energy")
POSITIVE_TASK_KEYS = ("qubits", "reps", "events", "n", "train_steps")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")  # a plain file name: no '/', not '.' or '..'


class StudyError(QhepError, ValueError):
    """A study file that cannot be read or names something unknown."""


def _unknown(path: Path, where: str, keys: Any, known: tuple[str, ...]) -> None:
    """Refuse the first key not in ``known``, naming the nearest valid one."""
    for key in keys:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else f"; known: {', '.join(known)}"
            raise StudyError(f"{path}: {where}unknown key '{key}'{hint}")


def _check_task(path: Path, task: dict[str, Any]) -> None:
    """Keys, name and values of one task (the name becomes a file name under --out)."""
    name = str(task["name"])
    if not _NAME.fullmatch(name) or name.strip(".") == "":
        raise StudyError(f"{path}: task name {name!r} must be a plain name (letters, digits, _ . -; no '/' "
                         "or '..'): it names files under --out")
    _unknown(path, f"task {name!r}: ", task, TASK_KEYS)
    for key in POSITIVE_TASK_KEYS:
        if key in task and (isinstance(task[key], bool) or not isinstance(task[key], int) or task[key] < 1):
            raise StudyError(f"{path}: task {name!r}: {key} must be a positive integer, got {task[key]!r}")
    try:
        TASKS[task["kind"]].check(task)
    except TaskError as exc:
        raise StudyError(f"{path}: task {name!r}: {exc}") from None
    data = task.get("data", {})
    if not isinstance(data, dict):
        raise StudyError(f"{path}: task {name!r}: data must be a mapping of {', '.join(DATA_KEYS)}")
    _unknown(path, f"task {name!r} data: ", data, DATA_KEYS)
    if "config" in task:
        from qhep.models.config import ConfigError, check_config

        if not isinstance(task["config"], dict):
            raise StudyError(f"{path}: task {name!r}: config must be a mapping of model options")
        try:
            check_config(str(task.get("model", "")), task["config"])
        except ConfigError as exc:
            raise StudyError(f"{path}: task {name!r}: {exc}") from None


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
    doc = read_yaml(path, StudyError, "study file")
    if not isinstance(doc, dict) or not doc.get("tasks"):
        raise StudyError(f"{path}: a study needs 'tasks' (and backends or device + noise_scales)")
    _unknown(path, "", doc, STUDY_KEYS)
    for key, least in (("seed", 0), ("shots", 1)):
        value = doc.get(key, least)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise StudyError(f"{path}: {key} must be an integer >= {least}, got {value!r}")
    if not isinstance(doc["tasks"], list):
        raise StudyError(f"{path}: tasks must be a list")
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
        try:  # the registry's nearest kind, if the kind is misspelt
            task_kind(task.get("kind") if isinstance(task, dict) else None, "study")
            hint = None if isinstance(task, dict) and task.get("name") else ""
        except TaskError as exc:
            hint = exc.hint
        if hint is not None:
            raise StudyError(f"{path}: every task needs a name and a kind in {', '.join(KINDS)}; got {task!r}{hint}")
        if task["name"] in names:
            raise StudyError(f"{path}: task name {task['name']!r} is used twice")
        names.add(task["name"])
        _check_task(path, task)
    return Study(name=str(doc.get("name", path.stem)), seed=int(doc.get("seed", 0)), shots=int(doc.get("shots", 2000)),
                 tasks=list(doc["tasks"]), backends=backends, mitigation=mitigation, source=doc)


def prepare_task(task: dict[str, Any], out: Path, seed: int) -> str | None:
    """The task kind's once-per-study step (a generator's data and training); its model directory, or None."""
    prepare = TASKS[task["kind"]].prepare
    return prepare(task, out, seed) if prepare is not None else None


def _write_cell(out: Path, record: dict[str, Any]) -> None:
    path = out / "cells" / f"{record['cell']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(finite_json(record), indent=1, default=float, allow_nan=False))


def _safe_cell(task, backend, mit, shots, seed, model_dir, study_key=None) -> dict[str, Any]:
    try:
        return run_cell(task, backend, mit, shots=shots, study_seed=seed, model_dir=model_dir, study_key=study_key)
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
    """Run the cells not yet in ``out`` (at most ``max_cells``); the report is :func:`qhep.reports.run_and_report`'s."""
    from tqdm import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "study-config.yaml").write_text(yaml.safe_dump(study.source, sort_keys=False))
    model_dirs = {t["name"]: prepare_task(t, out, study.seed) for t in study.tasks}
    done = finished_cells(out)
    todo = [(t, b, m) for t, b, m in study.cells() if cell_id(t["name"], b, m) not in done]
    skipped = len(study.cells()) - len(todo)
    if max_cells is not None:
        todo = todo[:max_cells]
    # ledger keys of ibm: cells name this output directory: another study directory never replays its jobs
    study_key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:12]
    args = [(t, b, m, study.shots, study.seed, model_dirs[t["name"]], study_key) for t, b, m in todo]
    with tqdm(total=len(args), disable=not progress, desc=f"noise study {study.name}", unit="cell") as bar:
        if ray_address:
            _run_ray(args, out, ray_address, bar)
        elif workers > 1 and len(args) > 1:
            import multiprocessing

            # One thread per worker: N workers each running all-core OpenMP/torch threads
            # oversubscribe the machine (measured here: small torch training ran ~10x slower).
            with _env(OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1")), \
                    ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
                for fut in as_completed([pool.submit(_safe_cell, *a) for a in args]):
                    _write_cell(out, fut.result())
                    bar.update(1)
        else:
            for a in args:
                _write_cell(out, _safe_cell(*a))
                bar.update(1)
    cells = finished_cells(out)
    return {"out": str(out), "cells": len(study.cells()), "finished": len(cells),
            "ran": len(args), "skipped": skipped,
            "failed": sorted(set(p.stem for p in (out / "cells").glob("*.json")) - set(cells))}


def die_with_parent(parent: int) -> None:
    """Pool-worker initializer: the worker exits when the study process dies, even by ``kill -9``.

    Why: a killed ``qhep noise-study`` otherwise leaves its workers running (hundreds of MB
    each, for minutes). Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; everywhere: a daemon
    thread that exits the worker once its parent process id changes (checked every second).
    """
    import signal
    import threading
    import time

    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="qhep-parent-watch", daemon=True).start()


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
