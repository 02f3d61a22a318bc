"""Qiskit V2 primitives backed by a qhep Runner: ``QhepSampler`` and ``QhepEstimator``.

Code written for Qiskit's primitives (qiskit-machine-learning's QNNs, qiskit
algorithms, a user's own loop) runs on any qhep backend through these adapters,
with qhep's transpile-once cache, device noise and mitigation behind them::

    estimator = QhepEstimator(get_runner("fake:torino", mitigation="readout"))
    qnn = EstimatorQNN(circuit=qc, estimator=estimator, ...)

Circuits are *logical* (no ISA transpilation by the caller: the Runner transpiles
once per structure and maps observables itself). The estimator's ``precision``
becomes shots as ``ceil(1 / precision**2)`` (the shot-noise bound of a Pauli
expectation value); without one the Runner's default shots apply. Pubs that share
a circuit object go to the Runner in one batched call.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from qiskit.primitives import (
    BaseEstimatorV2,
    BaseSamplerV2,
    DataBin,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.estimator_pub import EstimatorPub, EstimatorPubLike
from qiskit.primitives.containers.sampler_pub import SamplerPub, SamplerPubLike
from qiskit.primitives.primitive_job import PrimitiveJob
from qiskit.quantum_info import SparsePauliOp

from qhep.execution.base import Runner

__all__ = ["QhepEstimator", "QhepSampler"]


def _flat_values(pub: SamplerPub | EstimatorPub) -> np.ndarray:
    """(N, P) parameter values in ``circuit.parameters`` order, N = size of the bindings' shape."""
    circuit = pub.circuit
    bindings = pub.parameter_values
    if not circuit.num_parameters:
        return np.zeros((max(1, int(np.prod(bindings.shape, dtype=int))), 0))
    return bindings.as_array(circuit.parameters).reshape(-1, circuit.num_parameters)


class QhepSampler(BaseSamplerV2):
    """``BaseSamplerV2`` over a qhep Runner: raw shots (no mitigation applies to single shots)."""

    def __init__(self, runner: Runner, *, default_shots: int | None = None) -> None:
        self.runner = runner
        self.default_shots = int(default_shots or runner.shots)

    def run(self, pubs: Iterable[SamplerPubLike], *, shots: int | None = None) -> PrimitiveJob:
        coerced = [SamplerPub.coerce(pub, shots or self.default_shots) for pub in pubs]
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _run(self, pubs: list[SamplerPub]) -> PrimitiveResult:
        results = []
        for pub in pubs:
            res = self.runner.sample(pub.circuit, _flat_values(pub), shots=pub.shots)
            arrays = {name: getattr(res.data, name).reshape(pub.shape) for name in res.data}
            results.append(SamplerPubResult(DataBin(**arrays, shape=pub.shape),
                                            metadata={**res.metadata, "shots": pub.shots}))
        return PrimitiveResult(results, metadata={"version": 2, "backend": str(self.runner.spec)})


class QhepEstimator(BaseEstimatorV2):
    """``BaseEstimatorV2`` over a qhep Runner: mitigated expectation values with standard errors."""

    def __init__(self, runner: Runner, *, default_precision: float | None = None) -> None:
        self.runner = runner
        self.default_precision = default_precision

    def run(self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None) -> PrimitiveJob:
        precision = self.default_precision if precision is None else precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _shots(self, precision: float | None) -> int:
        if not precision:
            return int(self.runner.shots)
        return max(1, math.ceil(1.0 / precision**2))

    def _run(self, pubs: list[EstimatorPub]) -> PrimitiveResult:
        results: list[PubResult | None] = [None] * len(pubs)
        batches: dict[tuple[int, float | None], list[int]] = defaultdict(list)
        for k, pub in enumerate(pubs):  # one Runner call per circuit object and precision
            batches[(id(pub.circuit), pub.precision)].append(k)
        for (_, precision), members in batches.items():
            circuit = pubs[members[0]].circuit
            ops: dict[tuple, int] = {}
            op_list: list[SparsePauliOp] = []
            plans, rows = [], []
            for k in members:
                pub = pubs[k]
                values = _flat_values(pub)
                shape = pub.shape
                pv_index = np.arange(values.shape[0]).reshape(pub.parameter_values.shape or ())
                obs_index = np.empty(pub.observables.shape, dtype=int)
                for idx in np.ndindex(*pub.observables.shape):
                    paulis, coeffs = zip(*pub.observables[idx].items())
                    op = SparsePauliOp(list(paulis), np.asarray(coeffs, dtype=complex))
                    key = (tuple(op.paulis.to_labels()), tuple(np.round(op.coeffs, 15)))
                    if key not in ops:
                        ops[key] = len(op_list)
                        op_list.append(op)
                    obs_index[idx] = ops[key]
                offset = sum(r.shape[0] for r in rows)
                rows.append(values)
                plans.append((k, shape, np.broadcast_to(pv_index, shape) + offset, np.broadcast_to(obs_index, shape)))
            res = self.runner.estimate(circuit, op_list, np.concatenate(rows), shots=self._shots(precision))
            for k, shape, p_idx, o_idx in plans:
                evs = res.values[p_idx, o_idx].reshape(shape)
                stds = res.stds[p_idx, o_idx].reshape(shape)
                meta = {**res.metadata, "target_precision": precision, "shots": self._shots(precision)}
                results[k] = PubResult(DataBin(evs=evs, stds=stds, shape=shape), metadata=meta)
        return PrimitiveResult(results, metadata={"version": 2, "backend": str(self.runner.spec)})
