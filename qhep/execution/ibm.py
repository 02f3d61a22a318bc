"""``ibm:NAME`` (IBM Quantum hardware) and ``ibm:fake_NAME`` (the same code, local mode).

The only module that talks to qiskit-ibm-runtime's primitives. It uses the
runtime's current client-side primitives (``executor_sampler.Sampler``,
``executor_estimator.Estimator``), in Batch mode by default or Session mode on
request. Mitigation settings map onto runtime options
(:mod:`qhep.mitigation.runtime`); readout for sampled distributions is applied
client-side. Every submission goes through the job ledger; with ``job_key`` set
(the ``hardware/`` scripts set it to the job spec's hash) each call is keyed
``<job_key>/<n>`` and replayed from the ledger instead of submitted again, and with
``wait=False`` a job still queued raises :class:`qhep.errors.JobPending` instead of
blocking, so a submission script can exit and a retrieval in a new process resume.

A ``service`` object that has ``qhep_run(primitive, backend, pubs, options)`` runs
the PUBs itself (the test suite's stand-in for the runtime service does, since
local-mode jobs die with their process); otherwise the runtime primitives do.

Credentials come from Qiskit's account store (``QiskitRuntimeService.save_account``)
or the environment (``QISKIT_IBM_TOKEN``, ``QISKIT_IBM_INSTANCE``, optional
``QISKIT_IBM_CHANNEL``); they are never logged or written anywhere else.

Local mode ignores every runtime option but shots, so resilience settings only
take effect on hardware; tests check their mapping instead.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np
from qiskit.circuit import QuantumCircuit

from qhep.errors import BackendSpecError, JobPending, QhepError
from qhep.execution.base import coerce_observables, coerce_values
from qhep.execution.ledger import Ledger, pubs_digest
from qhep.execution.results import EstimateResult
from qhep.execution.shots import Prepared, ShotRunner, circuit_stats
from qhep.execution.spec import BackendSpec, fake_backend
from qhep.mitigation.runtime import runtime_options, runtime_plan
from qhep.transpile.passes import TranspileOptions, build_pass_manager

__all__ = ["IBMRunner", "runtime_service", "service_from_env"]


def runtime_service() -> Any:
    """``QiskitRuntimeService`` from the environment if set, else from the account store."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    token = os.environ.get("QISKIT_IBM_TOKEN")
    try:
        if token:
            return QiskitRuntimeService(
                channel=os.environ.get("QISKIT_IBM_CHANNEL", "ibm_quantum_platform"),
                token=token, instance=os.environ.get("QISKIT_IBM_INSTANCE"),
            )
        return QiskitRuntimeService()
    except Exception as exc:  # noqa: BLE001 - never echo the token
        if token:  # a token was given: say it was refused, not that there is no account
            raise BackendSpecError(
                "IBM Quantum did not accept QISKIT_IBM_TOKEN (with QISKIT_IBM_INSTANCE and QISKIT_IBM_CHANNEL): "
                f"check the token, instance and channel ({type(exc).__name__})"
            ) from None
        raise BackendSpecError(
            "no IBM Quantum account: save one with QiskitRuntimeService.save_account(...) or set "
            f"QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE ({type(exc).__name__})"
        ) from None


def service_from_env() -> Any:
    """The runtime service, or a stand-in named by ``QHEP_SERVICE_FACTORY=module:callable`` (tests)."""
    import importlib

    factory = os.environ.get("QHEP_SERVICE_FACTORY")
    if factory:
        module, _, name = factory.partition(":")
        return getattr(importlib.import_module(module), name)()
    return runtime_service()


class IBMRunner(ShotRunner):
    """IBM Runtime execution; ``spec.local`` uses the device's fake twin in local mode."""

    def __init__(self, spec: BackendSpec, *, mode: Literal["batch", "session"] = "batch",
                 service: Any = None, ledger: Ledger | None = None, job_key: str | None = None,
                 wait: bool = True, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self.job_key = job_key
        self.wait = wait
        self._calls = 0
        if self.transpile_options.dd:
            # the runtime inserts DD itself; keep the ISA circuit unscheduled
            self.transpile_options = TranspileOptions(**{**self.transpile_options.__dict__, "dd": False})
        self.mode_name = mode
        self.ledger = ledger or Ledger()
        if spec.local:
            self.service = service
            self.backend = fake_backend(spec.device or "")
        else:
            self.service = service or service_from_env()
            name = spec.device if (spec.device or "").startswith("ibm_") else f"ibm_{spec.device}"
            self.backend = self.service.backend(name)
        self._mode: Any = None

    def _client_side_circuit_mitigation(self) -> bool:
        return False

    @property
    def submitted_calls(self) -> int:
        """Keyed submissions made so far (``job_key`` set): the next call is ``<job_key>/<n>``."""
        return self._calls

    @property
    def mode(self) -> Any:
        """The open Batch or Session (created on first use)."""
        if self._mode is None:
            from qiskit_ibm_runtime import Batch, Session

            cls = Session if self.mode_name == "session" else Batch
            self._mode = cls(backend=self.backend)
        return self._mode

    def close(self) -> None:
        """Close the Batch/Session."""
        if self._mode is not None:
            self._mode.close()
            self._mode = None

    def _prepare(self, circuit: QuantumCircuit) -> Prepared:
        isa = build_pass_manager(self.backend.target, self.transpile_options).run(circuit)
        index = {p: i for i, p in enumerate(circuit.parameters)}
        cols = np.array([index[p] for p in isa.parameters], dtype=int)
        layout = isa.layout.final_index_layout() if isa.layout is not None else list(range(circuit.num_qubits))
        return Prepared(isa, cols, "device", tuple(layout), list(self.backend.target.operation_names),
                        circuit_stats(isa))

    def _submit(self, primitive: str, run, pubs: list, shots: int | None):
        """Submit (or replay, with ``job_key``) through the ledger; the job's result."""
        info = {"backend": str(self.spec), "primitive": primitive, "pubs": len(pubs), "shots": shots,
                "mode": self.mode_name, "mitigation": self.mitigation.names()}
        if self.job_key is None:
            job = self.ledger.submit(run, service=self.service, **info)[1]
        else:
            key = f"{self.job_key}/{self._calls}"
            self._calls += 1
            job = self.ledger.submit_once(key, run, service=self.service,
                                          digest=pubs_digest([*pubs, shots]), **info)[1]
        return self._result(job)

    def _result(self, job: Any):
        """The job's result, or :class:`JobPending` when not waiting and it has not finished."""
        status = str(job.status()).split(".")[-1].upper() if hasattr(job, "status") else "DONE"
        if status in ("ERROR", "CANCELLED", "FAILED"):
            message = job.error_message() if hasattr(job, "error_message") else ""
            raise QhepError(f"job {job.job_id()} ended {status}: {message}")
        if not self.wait and status != "DONE":
            raise JobPending(self.job_key or "", str(job.job_id()), status)
        return job.result()

    def _run(self, primitive: str, pubs: list, options: Any, shots: int | None):
        """Start ``pubs`` on the primitive (or on the service's own ``qhep_run``).

        Local mode (``ibm:fake_NAME``) simulates with Aer: its seed comes from the runner's seed,
        so the same ``--seed`` gives the same counts.
        """
        if self.spec.local:
            options = {**options, "simulator": {"seed_simulator": self._next_seed()}}
        if hasattr(self.service, "qhep_run"):
            return self.service.qhep_run(primitive, self.backend, pubs, options)
        if primitive == "sampler":
            from qiskit_ibm_runtime.executor_sampler import Sampler

            return Sampler(mode=self.mode, options=options).run(pubs, shots=shots)
        from qiskit_ibm_runtime.executor_estimator import Estimator

        return Estimator(mode=self.mode, options=options).run(pubs)

    def _execute(self, group, pubs, shots):
        def run(tags: list[str]):
            opts = runtime_options(self.mitigation_for_sampler(), "sampler", shots=shots, tags=tags)
            return self._run("sampler", pubs, opts, shots)

        return list(self._submit("sampler", run, pubs, shots))

    def mitigation_for_sampler(self):
        """Sampler-side config: ZNE and readout are not runtime Sampler features."""
        from dataclasses import replace

        return replace(self.mitigation, zne=False, readout=False)

    def estimate(self, circuit: QuantumCircuit, observables, parameter_values=None, *, shots=None) -> EstimateResult:
        """Expectation values from the runtime Estimator with mapped resilience options."""
        base = circuit.remove_final_measurements(inplace=False)
        ops = coerce_observables(base, observables)
        values = coerce_values(base, parameter_values)
        prep = self.prepare(base)
        isa_ops = [[op.apply_layout(prep.circuit.layout) for op in ops]]  # shape (1, n_obs)
        vals = values[:, None, prep.cols] if prep.circuit.num_parameters else None
        pub = (prep.circuit, isa_ops) if vals is None else (prep.circuit, isa_ops, vals)
        shots = shots or self.shots
        plan = runtime_plan(self.mitigation, "estimator")

        def run(tags: list[str]):
            opts = runtime_options(self.mitigation, "estimator", shots=shots, tags=tags)
            return self._run("estimator", [pub], opts, shots)

        res = self._submit("estimator", run, [pub], shots)[0]
        evs = np.broadcast_to(np.asarray(res.data.evs, dtype=float), (values.shape[0], len(ops)))
        stds = np.broadcast_to(np.asarray(res.data.stds, dtype=float), evs.shape)
        meta = {"backend": str(self.spec), "shots": shots, "mitigation": plan,
                "transpiled": [prep.stats], "local_mode_ignores_options": self.spec.local}
        return EstimateResult(np.array(evs), np.array(stds), meta)
