"""The ``qhep`` command.

Every subcommand takes ``--seed``, writes one JSON document on stdout with
``--json`` (nothing else goes to stdout then), and exits non-zero with a
one-line ``qhep: error: ...`` message on bad input -- never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from qhep.cliutil import emit
from qhep.errors import QhepError

__all__ = ["main"]

EXIT_BAD_INPUT = 2


class _Help(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already says it or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"qhep: error: {message}\n")


# ---------------------------------------------------------------------- qhep run
def cmd_run(args: argparse.Namespace) -> int:
    """Run an OpenQASM circuit: counts, or expectation values with standard errors."""
    from qhep.circuits import load_qasm
    from qhep.execution import get_runner

    circuit = load_qasm(args.circuit)
    if circuit.num_parameters:
        raise QhepError(f"{args.circuit}: circuit has unbound parameters; qhep run needs a bound circuit")
    runner = get_runner(args.backend, shots=args.shots, seed=args.seed, mitigation=args.mitigation)
    doc: dict[str, Any] = {"circuit": str(args.circuit), "backend": str(runner.spec), "shots": args.shots,
                           "seed": args.seed, "mitigation": runner.mitigation.names()}
    if args.observable:
        res = runner.estimate(circuit, args.observable)
        doc["expectation_values"] = [
            {"observable": o, "value": float(v), "std": float(s)}
            for o, v, s in zip(args.observable, res.values[0], res.stds[0])
        ]
        doc["metadata"] = res.metadata
        lines = [f"{o:>20s}  {v: .5f} +- {s:.5f}" for o, v, s in zip(args.observable, res.values[0], res.stds[0])]
        if runner.mitigation.any and not runner.exact:
            lines.append(f"(mitigated: {', '.join(runner.mitigation.names())}; these are the mitigated values)")
        emit(args, doc, "\n".join(lines))
        return 0
    if runner.mitigation.zne:
        raise QhepError("zne applies to expectation values; add --observable PAULI (or drop zne)")
    result = runner.sample(circuit, shots=args.shots)
    counts = {name: getattr(result.data, name).get_counts() for name in result.data}
    doc["counts"] = counts
    doc["metadata"] = result.metadata
    if runner.mitigation.readout and not runner.exact:
        probs, meta = runner.probabilities_with_metadata(circuit)
        n_bits = max((len(k) for c in counts.values() for k in c), default=circuit.num_clbits)
        doc["quasi_probabilities"] = {
            format(i, f"0{n_bits}b"): round(float(p), 6) for i, p in enumerate(probs[0]) if abs(p) > 1e-9
        }
        doc["metadata"]["mitigation"] = meta["mitigation"]
    text = "\n".join(
        f"{name}: " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=lambda kv: -kv[1])[:16])
        for name, c in counts.items()
    )
    if "quasi_probabilities" in doc:
        top = sorted(doc["quasi_probabilities"].items(), key=lambda kv: -kv[1])[:16]
        text += "\nreadout-mitigated quasi-probabilities: " + ", ".join(f"{k}: {v:.4f}" for k, v in top)
    emit(args, doc, text)
    return 0


# ---------------------------------------------------------------------- qhep jobs
def cmd_jobs(args: argparse.Namespace) -> int:
    """List, show or retrieve ledger jobs."""
    from qhep.execution.ledger import Ledger

    ledger = Ledger(args.ledger)
    if args.action == "list":
        entries = ledger.entries()
        for problem in ledger.problems:
            print(f"qhep: warning: {problem}", file=sys.stderr)
        rows = [{"uuid": e.uuid, "status": e.status, "job_id": e.job_id,
                 "backend": e.info.get("backend"), "primitive": e.info.get("primitive")}
                for e in entries.values()]
        text = "\n".join(f"{r['uuid'][:12]}  {r['status']:<14s} {r['job_id'] or '-':<38s} "
                         f"{r['backend']} {r['primitive']}" for r in rows) or "no jobs"
        emit(args, {"jobs": rows, "problems": ledger.problems}, text)
        return 0
    if not args.id:
        raise QhepError(f"qhep jobs {args.action} needs a job id or uuid")
    if args.action == "show":
        entry = ledger.find(args.id)
        doc = {"uuid": entry.uuid, "status": entry.status, "job_id": entry.job_id,
               "info": entry.info, "events": entry.events}
        emit(args, doc, json.dumps(doc, indent=1, default=str))
        return 0
    ledger.find(args.id)  # an unknown id is reported before any credentials are looked for
    from qhep.execution.ibm import service_from_env

    path = ledger.retrieve(args.id, service_from_env(), args.out)
    emit(args, {"result": str(path)}, f"result written to {path}")
    return 0


# ---------------------------------------------------------------------- parser
def _add_common(p: argparse.ArgumentParser, backend: bool = False, seed: int | None = 1234,
                seed_help: str = "seed of every random draw (default %(default)s)") -> None:
    p.add_argument("--seed", type=int, default=seed, help=seed_help)
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    if backend:
        p.add_argument("--backend", default="statevector",
                       help="statevector | statevector:gpu | aer | aer:gpu | fake:NAME[@S] | ibm:NAME | "
                            "ibm:fake_NAME (default statevector)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``qhep`` command."""
    from qhep import __version__

    parser = _Parser(prog="qhep", description="Quantum machine learning for high-energy physics.")
    parser.add_argument("--version", action="version", version=f"qhep {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run an OpenQASM 2/3 circuit on any backend")
    run.add_argument("circuit", help="OpenQASM 2 or 3 file")
    _add_common(run, backend=True)
    run.add_argument("--shots", type=int, default=4000, help="shots on shot-based backends")
    run.add_argument("--observable", action="append", default=[],
                     help="Pauli string, qubit 0 rightmost (repeatable); gives expectation values")
    run.add_argument("--mitigation", default=None, help="comma list of zne, readout, dd, twirling")
    run.set_defaults(func=cmd_run)

    jobs = sub.add_parser("jobs", help="hardware job ledger: list | show ID | retrieve ID")
    jobs.add_argument("action", choices=["list", "show", "retrieve"])
    jobs.add_argument("id", nargs="?")
    jobs.add_argument("--ledger", default=None, help="ledger file (default $QHEP_HOME/jobs.jsonl)")
    jobs.add_argument("--out", default=None, help="directory for retrieved results")
    _add_common(jobs)
    jobs.set_defaults(func=cmd_jobs)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


_EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def _register_data(sub: Any) -> None:
    from qhep.data.cli import register

    register(sub, _add_common)


def _register_demo(sub: Any) -> None:
    from qhep.demo import register

    register(sub, _add_common)


def _register_models(sub: Any) -> None:
    from qhep.models.cli import register

    register(sub, _add_common)


def _register_metrics(sub: Any) -> None:
    from qhep.metrics.cli import register

    register(sub, _add_common)


def _register_jets(sub: Any) -> None:
    from qhep.jets.cli import register

    register(sub, _add_common)


def _register_reports(sub: Any) -> None:
    from qhep.reports.cli import register

    register(sub, _add_common)


_EXTRA_COMMANDS.extend([_register_data, _register_models, _register_metrics, _register_jets, _register_reports,
                        _register_demo])


def one_line(exc: BaseException) -> str:
    """An expected error as one line: ``FILE: reason`` for OS errors, else the message's first line."""
    if isinstance(exc, OSError) and exc.strerror:
        names = [n for n in (exc.filename, exc.filename2) if n is not None]
        where = " -> ".join(repr(str(n)) if str(n) == "" else str(n) for n in names)
        return f"{where}: {exc.strerror}" if where else exc.strerror
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(lines) <= 1 else f"{text} (...)"


#: Options that name an output path: an empty value is refused before anything runs.
_OUT_OPTIONS = ("out", "plot", "report")
#: Integer options and their least valid value, checked for every command that has them.
_LEAST = {"n": 1, "steps": 1, "sample_steps": 1, "shots": 1, "bootstrap": 2, "workers": 1, "max_cells": 0, "reps": 1,
          "n_events": 1, "max_qubits": 2, "pixels": 2, "n_jets": 1}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qhep`` console script.

    Expected failures (bad input, unreadable or unwritable files, validation) print one line
    ``qhep: error: ...`` and exit 2; anything else is a bug and keeps its traceback.
    """
    # OpenMP threads that wait by spinning (libgomp's default) take the cores from the Python thread
    # between Aer and torch calls: qhep sample of a qdenoiser on fake:torino (20 samples, 20 DDIM
    # steps) took 100 s with them and 17 s without on a loaded 2-core machine. Set before torch and
    # Aer are imported (they read it once); a user's own setting wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "shots", 1) is not None and getattr(args, "shots", 1) <= 0:
        parser.error("--shots must be a positive integer")
    for name in _OUT_OPTIONS:
        if isinstance(getattr(args, name, None), str) and not getattr(args, name).strip():
            parser.error(f"--{name} must not be empty")
    for name, least in _LEAST.items():
        value = getattr(args, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value < least:
            parser.error(f"--{name.replace('_', '-')} must be an integer >= {least}, got {value}")
    try:
        return int(args.func(args) or 0)
    except (QhepError, ValueError, OSError, ImportError) as exc:
        print(f"qhep: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("qhep: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
