"""Shared fixtures: a runner over every local backend kind (GPU ones skip without CUDA)."""

from __future__ import annotations

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
