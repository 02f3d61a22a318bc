"""The job ledger: every hardware job is on disk before anything can be lost.

Protocol of :meth:`Ledger.submit`:

1. a fresh UUID goes into the job's tags and, as a ``submitting`` event, into
   the ledger (fsynced) *before* the runtime is called;
2. when ``run()`` returns, a ``submitted`` event adds the job id;
3. after a crash between the two, :meth:`Ledger.reconcile` asks the service for
   jobs tagged with the UUID (``service.jobs(job_tags=[...])``) and records the id,
   or marks the entry ``not_submitted`` so a re-run may submit it again;
4. a transient error from the service (connection lost, timeout, HTTP 408/429/5xx)
   is retried with exponential back-off, but only after asking the service by tag
   whether the failed request was accepted after all: a retry never submits twice.

:meth:`Ledger.submit_once` adds a *key* (``hardware/`` job specs use
``<spec hash>/<call number>``): a key already on the ledger returns its job instead
of submitting, so re-running a spec, or retrieving it in a new process, replays the
same calls and submits only what was never submitted.

Concurrency: check-then-submit-then-record of one key (or of one unkeyed entry)
runs under an exclusive OS file lock (``fcntl.flock`` on a file in
``<ledger>.locks/``), which the kernel releases when its holder dies, even by
``kill -9``. Two processes running the same spec therefore submit each call once:
the second waits, then finds the first one's job. Each ``submitting`` event names
its owner (pid, host, process start time, for the record); :meth:`Ledger.reconcile`
judges only entries whose lock it can take, so it never marks a submission still in
flight as ``not_submitted``.

The file is JSON Lines, one event per line, appended with a single ``write`` on
an ``O_APPEND`` descriptor (atomic for lines under the pipe buffer size) and
fsynced. A corrupt line is reported (``Ledger.problems``, a warning) and skipped.
The ledger never stores credentials.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import threading
import time
import uuid as uuidlib
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qhep.errors import LedgerError
from qhep.provenance import atomic_write_json

__all__ = ["Ledger", "LedgerEntry", "default_ledger_path", "is_transient", "pubs_digest", "result_to_json"]

TAG_PREFIX = "qhep-"
TRANSIENT_HTTP = frozenset({408, 429, 500, 502, 503, 504})


def is_transient(exc: BaseException) -> bool:
    """Whether a submission error is worth retrying (network trouble, HTTP 408/429/5xx)."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and status in TRANSIENT_HTTP


def _describe(exc: BaseException) -> str:
    """Type and first line of an error, short (runtime messages carry no credentials)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}"


def pubs_digest(pubs: list) -> str:
    """Fingerprint of a list of PUBs (circuit shape, gate counts, parameter values, shots)."""
    h = hashlib.sha256()
    for pub in pubs:
        items = pub if isinstance(pub, tuple) else (pub,)
        for item in items:
            if hasattr(item, "count_ops"):
                h.update(repr((item.num_qubits, item.num_clbits, sorted(item.count_ops().items()))).encode())
            elif isinstance(item, (list, tuple)):
                h.update(repr([str(x) for x in np.ravel(np.asarray(item, dtype=object))]).encode())
            elif item is not None:
                arr = np.asarray(item)
                h.update(arr.astype(float).tobytes() if arr.dtype.kind in "fiub" else repr(arr.tolist()).encode())
    return h.hexdigest()[:16]


def _process_start(pid: int) -> str | None:
    """Start time of process ``pid`` in clock ticks since boot (``/proc``), None if it does not exist.

    Why: a pid alone can be reused by a later process; pid and start time name one process.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _owner() -> dict[str, Any]:
    """This process, as recorded in a ``submitting`` event."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "start": _process_start(pid)}


_HELD = threading.local()  # lock files this thread holds: a nested submit() re-enters its submit_once()'s lock


def default_ledger_path() -> Path:
    """``$QHEP_HOME/jobs.jsonl`` (default ``~/.qhep/jobs.jsonl``)."""
    home = Path(os.environ.get("QHEP_HOME", Path.home() / ".qhep"))
    return home / "jobs.jsonl"


@dataclass
class LedgerEntry:
    """What the ledger knows of one submission (events folded in order)."""

    uuid: str
    status: str = "submitting"
    job_id: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tag(self) -> str:
        """The job tag carrying this entry's UUID."""
        return TAG_PREFIX + self.uuid


class Ledger:
    """Append-only event log of hardware jobs at ``path``."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_ledger_path()
        self.problems: list[str] = []

    # ------------------------------------------------------------------ locking
    def _lock_file(self, name: str) -> Path:
        digest = hashlib.sha256(name.encode()).hexdigest()[:32]
        return self.path.parent / f"{self.path.name}.locks" / f"{digest}.lock"

    @contextlib.contextmanager
    def _locked(self, name: str, blocking: bool = True) -> Iterator[bool]:
        """Hold the exclusive lock of ``name`` (a key or an unkeyed entry's UUID); yields whether it is held.

        Blocking waits for the holder; non-blocking yields False when another holder (another
        process, or another descriptor of this one) has it. Re-entrant within one thread.
        """
        held: set[Path] = _HELD.__dict__.setdefault("files", set())
        path = self._lock_file(name)
        if path in held:
            yield True
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise LedgerError(f"cannot create the job ledger lock {path}: {exc.strerror}") from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            held.add(path)
            try:
                yield True
            finally:
                held.discard(path)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ writing
    def _append(self, event: dict[str, Any]) -> None:
        event = {"time": time.time(), **event}
        line = (json.dumps(event, sort_keys=True, default=str) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise LedgerError(f"cannot write job ledger {self.path}: {exc.strerror}") from exc

    def record(self, uuid: str, event: str, **fields: Any) -> None:
        """Append an event for entry ``uuid``."""
        self._append({"uuid": uuid, "event": event, **fields})

    def submit(self, run: Callable[[list[str]], Any], *, service: Any = None, retries: int = 4,
               backoff_s: float = 2.0, sleep: Callable[[float], None] | None = None,
               **info: Any) -> tuple[str, Any]:
        """Submit through ``run(tags) -> job`` with the ledger protocol above; (uuid, job).

        Transient errors are retried up to ``retries`` times after ``backoff_s * 2**k``
        seconds; with a ``service``, each retry first asks it by tag whether the failed
        request was accepted (and then records that job instead of submitting again).
        """
        uid = uuidlib.uuid4().hex
        with self._locked(str(info["key"]) if info.get("key") is not None else uid):
            return self._submit_locked(uid, run, service, retries, backoff_s, sleep, info)

    def _submit_locked(self, uid: str, run: Callable[[list[str]], Any], service: Any, retries: int,
                       backoff_s: float, sleep: Callable[[float], None] | None,
                       info: dict[str, Any]) -> tuple[str, Any]:
        tag = TAG_PREFIX + uid
        self.record(uid, "submitting", owner=_owner(), **info)
        job = None
        for attempt in range(retries + 1):
            try:
                job = run([tag])
                break
            except Exception as exc:
                if not is_transient(exc) or attempt == retries:
                    self.record(uid, "failed", error=_describe(exc), attempts=attempt + 1)
                    raise
                accepted = list(service.jobs(job_tags=[tag])) if service is not None else []
                if accepted:
                    job = accepted[0]
                    break
                self.record(uid, "retry", attempt=attempt + 1, error=_describe(exc))
                (sleep or time.sleep)(backoff_s * 2**attempt)
        self.record(uid, "submitted", job_id=str(job.job_id()))
        return uid, job

    def submit_once(self, key: str, run: Callable[[list[str]], Any], *, service: Any = None,
                    digest: str | None = None, **kwargs: Any) -> tuple[str, Any]:
        """The job already on the ledger under ``key``, or a new submission (see module doc).

        Raises:
            LedgerError: the entry under ``key`` was made from different PUBs (``digest``), or
                a crash left it undecided and no ``service`` can be asked.
        """
        with self._locked(key):
            for entry in sorted((e for e in self.entries().values() if e.info.get("key") == key),
                                key=lambda e: e.events[0]["time"], reverse=True):
                if entry.status == "submitting":
                    # we hold the key's lock, so whoever wrote this entry is gone
                    if service is None:
                        raise LedgerError(f"job {key} may have been submitted before a crash; retrieve it "
                                          "with the runtime service to find out")
                    entry = self._judge(entry, service)
                if entry.job_id is None:
                    continue  # not_submitted or failed: submit anew
                if digest is not None and entry.info.get("digest") not in (None, digest):
                    raise LedgerError(f"job {key} ({entry.job_id}) was submitted with other circuits or values "
                                      "than this run makes: the spec changed or the task is not reproducible")
                if service is None:
                    raise LedgerError(f"job {key} is on the ledger as {entry.job_id}; a service is needed to "
                                      "fetch it")
                return entry.uuid, service.job(entry.job_id)
            return self.submit(run, service=service, key=key, digest=digest, **kwargs)

    # ------------------------------------------------------------------ reading
    def entries(self) -> dict[str, LedgerEntry]:
        """All entries by UUID; corrupt lines are reported in ``problems`` and skipped."""
        self.problems = []
        out: dict[str, LedgerEntry] = {}
        if not self.path.exists():
            return out
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                    uid = event["uuid"]
                    kind = event["event"]
                    if not (isinstance(uid, str) and uid and isinstance(kind, str)):
                        raise TypeError("uuid and event must be strings")
                except (json.JSONDecodeError, KeyError, TypeError):
                    msg = f"{self.path}:{lineno}: corrupt ledger line skipped"
                    self.problems.append(msg)
                    warnings.warn(msg, stacklevel=2)
                    continue
                entry = out.setdefault(uid, LedgerEntry(uid))
                entry.events.append(event)
                if kind == "submitting":
                    entry.info.update({k: v for k, v in event.items()
                                       if k not in ("uuid", "event", "time")})
                    entry.status = "submitting"
                elif kind == "submitted":
                    entry.job_id = event.get("job_id")
                    entry.status = "submitted"
                elif kind == "retry":
                    pass  # still submitting
                else:
                    entry.status = kind
                    if event.get("job_id"):
                        entry.job_id = event["job_id"]
        return out

    def find(self, key: str) -> LedgerEntry:
        """Entry by UUID, UUID prefix or job id."""
        entries = self.entries()
        if key in entries:
            return entries[key]
        matches = [e for e in entries.values() if e.job_id == key or e.uuid.startswith(key)]
        if len(matches) != 1:
            raise LedgerError(
                f"no job {key!r} in {self.path}" if not matches else f"{key!r} is ambiguous"
            )
        return matches[0]

    def reconcile(self, service: Any) -> list[LedgerEntry]:
        """Resolve entries left ``submitting`` by a crash, asking ``service`` by tag.

        An entry whose submission is still in flight (its lock is held: its owner is alive
        and inside :meth:`submit`) is left alone: judging it ``not_submitted`` would let the
        call be submitted twice and its job id be lost. The lock, not the owner's pid, decides:
        a live process whose submission raised and unwound holds no lock and is judged.
        """
        fixed = []
        for entry in self.entries().values():
            if entry.status != "submitting":
                continue
            name = str(entry.info["key"]) if entry.info.get("key") is not None else entry.uuid
            if self._lock_file(name) in _HELD.__dict__.get("files", ()):
                continue  # this thread is submitting it, further up the stack
            with self._locked(name, blocking=False) as mine:
                if not mine:
                    continue
                current = self.entries().get(entry.uuid)
                if current is None or current.status != "submitting":
                    continue
                fixed.append(self._judge(current, service))
        return fixed

    def _judge(self, entry: LedgerEntry, service: Any) -> LedgerEntry:
        """Record what the service knows of an orphaned ``submitting`` entry (caller holds its lock)."""
        jobs = list(service.jobs(job_tags=[entry.tag]))
        if jobs:
            self.record(entry.uuid, "submitted", job_id=str(jobs[0].job_id()), reconciled=True)
        else:
            self.record(entry.uuid, "not_submitted")
        return self.entries()[entry.uuid]

    def retrieve(self, key: str, service: Any, out_dir: str | Path | None = None,
                 name: str | None = None) -> Path:
        """Fetch the result of a finished job and write it as JSON (``name``, default ``<uuid>.json``); the file."""
        entry = self.find(key)
        if entry.job_id is None:
            self.reconcile(service)
            entry = self.find(entry.uuid)
        if entry.job_id is None:
            raise LedgerError(f"job {entry.uuid} was never submitted; nothing to retrieve")
        job = service.job(entry.job_id)
        result = job.result()
        directory = Path(out_dir) if out_dir else self.path.parent / "results"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / (name or f"{entry.uuid}.json")
        atomic_write_json(path, {"uuid": entry.uuid, "job_id": entry.job_id, "info": entry.info,
                                 "result": result_to_json(result)})
        self.record(entry.uuid, "retrieved", job_id=entry.job_id, path=str(path))
        return path


def result_to_json(result: Any) -> list[dict[str, Any]]:
    """Plain-JSON form of a V2 ``PrimitiveResult``: counts per register, or evs/stds."""
    out = []
    for pub in result:
        data = pub.data
        item: dict[str, Any] = {}
        for name in data:
            value = getattr(data, name)
            if hasattr(value, "get_counts"):
                if value.ndim == 0:
                    item[name] = value.get_counts()
                else:
                    item[name] = [value[idx].get_counts() for idx in np.ndindex(*value.shape)]
            else:
                item[name] = np.asarray(value).tolist()
        out.append(item)
    return out
