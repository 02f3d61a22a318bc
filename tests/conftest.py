"""Shared fixtures: a runner over every local backend kind (GPU ones skip without CUDA), and ``cli``.

``cli(*args)`` runs ``qhep ARGS`` in this process through :func:`qhep.cli.main` (milliseconds
instead of a fresh interpreter's seconds of imports) and returns its exit code and output.
Whatever a command may change in the process is put back afterwards (environment, working
directory, ``sys.argv``, warning hooks, logging handlers, torch's thread count and global random state,
numpy's global random state, the matplotlib backend and open figures), so one test's command
cannot change the next test. ``tests/test_cli.py`` keeps one real ``python -m qhep.cli`` run,
the proof that the entry point itself works.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings
from dataclasses import dataclass

import pytest

LOCAL_SPECS = ["statevector", "aer", "fake:torino"]


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.fixture(params=LOCAL_SPECS)
def runner(request):
    from qhep.execution import get_runner

    return get_runner(request.param, shots=4000, seed=7)


@pytest.fixture
def gpu_runner():
    if not _cuda():
        pytest.skip("no CUDA device")
    from qhep.execution import get_runner

    return get_runner("statevector:gpu", seed=7)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Keep ledgers and results of every test in its own temporary QHEP_HOME."""
    monkeypatch.setenv("QHEP_HOME", str(tmp_path / "qhep_home"))


@dataclass(frozen=True)
class CliResult:
    """What one ``qhep`` command did: exit status and everything it wrote to stdout and stderr."""

    code: int
    stdout: str
    stderr: str

    # the names of subprocess.CompletedProcess, so a test reads the same either way
    @property
    def returncode(self) -> int:
        return self.code


@contextlib.contextmanager
def _process_state_restored():
    """Put back what a command may change in the process (see the module docstring)."""
    import numpy as np
    import torch

    env, cwd, argv = dict(os.environ), os.getcwd(), list(sys.argv)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    threads, torch_rng, np_rng = torch.get_num_threads(), torch.random.get_rng_state(), np.random.get_state()
    mpl = sys.modules.get("matplotlib")
    backend = mpl.get_backend() if mpl is not None else None
    try:
        yield
    finally:
        os.chdir(cwd)
        if dict(os.environ) != env:
            os.environ.clear()
            os.environ.update(env)
        sys.argv[:] = argv
        root.handlers[:] = handlers
        root.setLevel(level)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        torch.random.set_rng_state(torch_rng)
        np.random.set_state(np_rng)
        mpl = sys.modules.get("matplotlib")
        if mpl is not None:
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
            if backend is not None and mpl.get_backend() != backend:
                mpl.use(backend)


def run_main(main, *args: object, prog: str = "qhep") -> CliResult:
    """``main(ARGS)`` of a command-line script in this process: exit code (argparse's SystemExit
    included), stdout, stderr, with the process state put back afterwards."""
    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    with _process_state_restored(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        # a warning goes to the command's stderr, as in its own process (the filters stay pytest's)
        warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: err.write(
            warnings.formatwarning(message, category, filename, lineno, line))
        sys.argv[:] = [prog, *argv]  # what provenance records, as from the console script
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help, --version, a refused option
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                err.write(exc.code + "\n")
    return CliResult(int(code or 0), out.getvalue(), err.getvalue())


def run_cli(*args: object) -> CliResult:
    """``qhep ARGS`` in this process (:func:`run_main` of :func:`qhep.cli.main`)."""
    from qhep.cli import main

    return run_main(main, *args)


@pytest.fixture
def cli():
    """``cli("run", "c.qasm", "--json") -> CliResult(code, stdout, stderr)``, run in-process."""
    return run_cli


@pytest.fixture
def in_process():
    """``in_process(main, *args, prog=NAME) -> CliResult``: any script's ``main(argv)``, run in-process."""
    return run_main
