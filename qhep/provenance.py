"""Provenance and safe file writing shared by the library, the CLI and the benchmarks.

- :func:`versions`: the package versions that decide a number (qhep, Qiskit, Aer, torch, numpy);
- :func:`machine`: cores, CPU, GPU, platform, git revision of the working tree;
- :func:`provenance`: both, plus the command line, arguments and a UTC time stamp;
- :func:`atomic_write_text` / :func:`atomic_write_json`: write to a temporary file in the
  same folder, then ``os.replace`` (a crash leaves the old file or the new one, never half
  of one, and no ``.tmp`` file behind);
- :func:`record`: a benchmark's JSON document with its provenance, written atomically;
- :func:`read_yaml`: a user's YAML file with the safe loader (no Python objects), one-line errors.

Why by hand: these are a few lines of the standard library; a dependency would cost more.
JSON is written with ``allow_nan=False`` after mapping non-finite floats to ``null``, so
every file is valid JSON (``NaN`` is not).
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["atomic_write_json", "atomic_write_text", "finite_json", "machine", "provenance", "read_yaml", "record",
           "versions"]

PACKAGES = ("qhep", "qiskit", "qiskit-aer", "qiskit-ibm-runtime", "torch", "numpy", "scipy", "mitiq")


def versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` where absent)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in packages:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _git_revision(where: Path) -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True, text=True,
                             timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (rev + ("+dirty" if dirty else "")) if rev else "unknown"


def machine() -> dict[str, Any]:
    """Cores usable by this process, CPU model, GPU (if torch sees one), OS and git revision."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = "none"
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cores": cores, "cpu": cpu, "gpu": gpu, "platform": platform.platform(),
            "python": platform.python_version(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
            "git": _git_revision(Path(__file__).resolve().parent)}


def provenance(args: Any = None) -> dict[str, Any]:
    """What a result needs to be made again: command, arguments, versions, machine, time (UTC)."""
    arguments = vars(args) if args is not None and hasattr(args, "__dict__") else args
    return {"command": " ".join([Path(sys.argv[0]).name if sys.argv[0].endswith("qhep") else sys.argv[0],
                                 *sys.argv[1:]]),
            "arguments": arguments, "versions": versions(), "machine": machine(),
            "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def finite_json(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by ``None`` (valid JSON), numpy scalars as Python."""
    if isinstance(obj, dict):
        return {str(k): finite_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite_json(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, str):
        return finite_json(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    The file gets the usual permissions (umask applied), not ``mkstemp``'s 0600, so a group on
    a shared cluster can read results.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_json(path: str | Path, doc: Any) -> None:
    """:func:`atomic_write_text` of ``doc`` as indented, strictly valid JSON."""
    atomic_write_text(path, json.dumps(finite_json(doc), indent=1, allow_nan=False) + "\n")


def record(path: str | Path, doc: dict[str, Any], args: Any = None) -> dict[str, Any]:
    """Write a benchmark's ``doc`` with a ``provenance`` block beside its numbers; returns what was written."""
    full = {**doc, "provenance": provenance(args)}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, full)
    return full


def read_yaml(path: str | Path, error: type[Exception], what: str) -> Any:
    """The parsed YAML of ``path`` (``yaml.safe_load``); else ``error`` with one line naming the file.

    ``what`` names the file for the message ("study file", "job spec", "config").
    """
    import yaml

    path = Path(path)
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise error(f"no {what} at {path}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: {what} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
