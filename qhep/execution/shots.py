"""Shot-based execution shared by ``aer``, ``fake:`` and ``ibm:`` runners.

Subclasses say how to prepare a circuit for their backend (transpile once,
cached) and how to execute a list of PUBs; this module does the rest the same
way for all of them:

- ``estimate`` measures each observable in qubit-wise-commuting groups (a
  Z-only observable such as an Ising cost is one group: one circuit, evaluated
  from the samples by one sign-matrix product, not term by term);
- mitigation is :mod:`qhep.mitigation`'s executor-agnostic halves applied to
  this backend: :mod:`~qhep.mitigation.expand` makes the circuits (folds for
  ZNE, readout calibration, Pauli-twirled copies over which the shots are
  split), :mod:`~qhep.mitigation.combine` turns counts back into values
  (readout inversion, extrapolation, bootstrap);
- error bars: exact shot-noise variance without mitigation, bootstrap over the
  shots with it.

Why by hand: Aer's and the runtime's Estimators do not expose readout
calibration, folding and bootstrapping as one pipeline over a parameter batch,
and qhep needs identical semantics on every backend to compare them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import SamplerPubResult
from qiskit.quantum_info import SparsePauliOp

from qhep.circuits.layout import circuit_stats
from qhep.execution.base import (
    BaseRunner,
    ExecutedJob,
    JobObserver,
    Prepared,
    ReadoutInfo,
    coerce_circuit_values,
    coerce_observables,
    coerce_values,
    ensure_measured,
)
from qhep.execution.results import EstimateResult, counts_matrix, measured_layout
from qhep.execution.spec import BackendSpec
from qhep.execution.torch_statevector import popcount_parity
from qhep.mitigation import combine, expand
from qhep.mitigation.config import MitigationConfig
from qhep.mitigation.readout import ReadoutCalibration
from qhep.mitigation.zne import is_odd_scale
from qhep.transpile.cache import TranspileCache
from qhep.transpile.passes import TranspileOptions

__all__ = ["Prepared", "ShotRunner", "circuit_stats", "measurement_groups"]  # circuit_stats: qhep.circuits.layout


def measurement_groups(ops: Sequence[SparsePauliOp]) -> list[tuple[str, list[tuple[int, int]]]]:
    """Greedy qubit-wise-commuting groups over the terms of all ``ops``.

    Returns (basis per qubit as a little-endian string, members as (operator index,
    term index)). Identity terms need no measurement and are left out.
    """
    groups: list[tuple[list[str], list[tuple[int, int]]]] = []
    for k, op in enumerate(ops):
        for t, label in enumerate(op.paulis.to_labels()):
            label = label[::-1]  # index by qubit
            if set(label) <= {"I"}:
                continue
            for basis, members in groups:
                if all(p == "I" or b in ("I", p) for p, b in zip(label, basis)):
                    for q, p in enumerate(label):
                        if p != "I":
                            basis[q] = p
                    members.append((k, t))
                    break
            else:
                groups.append(([p for p in label], [(k, t)]))
    return [("".join(b), m) for b, m in groups]


def _basis_circuit(base: QuantumCircuit, basis: str) -> QuantumCircuit:
    circ = base.copy()
    for q, p in enumerate(basis):
        if p == "X":
            circ.h(q)
        elif p == "Y":
            circ.sdg(q)
            circ.h(q)
    circ.measure_all()
    return circ


def _signs(op: SparsePauliOp, terms: list[int], num_qubits: int) -> np.ndarray:
    """(n_terms, 2**n) eigenvalue signs of each term's Z-support in the measured basis."""
    idx = np.arange(2**num_qubits, dtype=np.int64)
    rows = []
    support = op.paulis.x | op.paulis.z
    for t in terms:
        mask = int(np.dot(support[t].astype(np.int64), 1 << np.arange(num_qubits, dtype=np.int64)))
        rows.append(1 - 2 * popcount_parity(idx & mask))
    return np.array(rows, dtype=float)


class ShotRunner(BaseRunner):
    """Base class of runners that return samples (Aer, fake devices, IBM hardware)."""

    exact = False

    def __init__(self, spec: BackendSpec, *, shots: int = 4000, seed: int | None = None,
                 mitigation: MitigationConfig | None = None,
                 transpile_options: TranspileOptions | None = None, on_execute: JobObserver | None = None) -> None:
        self.spec = spec
        self.on_execute = on_execute
        self.shots = int(shots)
        self.seed = seed
        self.mitigation = mitigation or MitigationConfig()
        opts = transpile_options or TranspileOptions()
        if self.mitigation.dd and not opts.dd:
            opts = TranspileOptions(**{**opts.__dict__, "dd": True, "dd_sequence": self.mitigation.dd_sequence})
        self.transpile_options = opts
        self.cache = TranspileCache()
        self._rng = np.random.default_rng(seed)
        self._calibrations: dict[Hashable, tuple[ReadoutCalibration, list[int]]] = {}

    # ---------------------------------------------------------------- backend hooks
    def _prepare(self, circuit: QuantumCircuit) -> Prepared:  # pragma: no cover - abstract
        raise NotImplementedError

    def _execute(self, group: Hashable, pubs: list[tuple], shots: int) -> list[SamplerPubResult]:  # pragma: no cover
        raise NotImplementedError

    def _call_backend(self, group: Hashable, pubs: list[tuple], shots: int,
                      physical_qubits: tuple[int, ...]) -> list[SamplerPubResult]:
        """Every backend call goes through here: the observer sees it, then ``_execute`` runs it."""
        if self.on_execute is not None:
            self.on_execute(ExecutedJob(pubs, shots, tuple(physical_qubits)))
        return self._execute(group, pubs, shots)

    def _client_side_circuit_mitigation(self) -> bool:
        """Whether folding and twirling are done here (False where the runtime does them)."""
        return True

    # ---------------------------------------------------------------- pipeline
    def prepare(self, circuit: QuantumCircuit) -> Prepared:
        """Transpile (once per structure) and map parameters; cached."""
        return self.cache.get(circuit, ("prepare", self.transpile_options), lambda: self._prepare(circuit))  # type: ignore[return-value]

    def _next_seed(self) -> int:
        return int(self._rng.integers(2**31 - 1))

    def _counts(self, circuits: list[QuantumCircuit], values: np.ndarray, shots: int,
                use_zne: bool) -> tuple[list[np.ndarray], list[Prepared]]:
        """Counts per circuit, shape (n_scales, B, 2**n_clbits), all in as few calls as possible."""
        preps = [self.prepare(c) for c in circuits]
        cfg = self.mitigation
        client = self._client_side_circuit_mitigation()
        scales = tuple(cfg.zne_scales) if (use_zne and client) else (1.0,)
        n_twirl = cfg.twirl_randomizations if (cfg.twirling and client) else 1
        batch = values.shape[0]
        out = [np.zeros((len(scales), batch, 2**c.num_clbits), dtype=np.int64) for c in circuits]
        by_group: dict[Hashable, list[tuple[tuple, tuple]]] = defaultdict(list)
        parametric = n_twirl == 1 and all(is_odd_scale(s) for s in scales)
        if parametric:  # fold each transpiled circuit once per scale, bind the whole batch
            for i, p in enumerate(preps):
                folds = expand.zne_circuits_parametric(p.circuit, scales, p.basis_gates)
                if folds is None:
                    parametric = False
                    break
                for s, folded in enumerate(folds):
                    pub = (folded, values[:, p.cols]) if folded.num_parameters else (folded,)
                    by_group[p.group].append(((i, s, None), pub))
            if not parametric:
                by_group.clear()
        if not parametric:
            per_twirl = max(1, shots // n_twirl)
            for i, p in enumerate(preps):
                for b in range(batch):
                    bound = p.circuit.assign_parameters(values[b, p.cols]) if p.circuit.num_parameters else p.circuit
                    variants = (expand.twirled_circuits(bound, n_twirl, self._next_seed()) if n_twirl > 1
                                else [bound])
                    folds = [expand.zne_circuits(v, scales, p.basis_gates) for v in variants]
                    for s in range(len(scales)):
                        for v in range(len(variants)):
                            by_group[p.group].append(((i, s, b), (folds[v][s], None, per_twirl)))
        physical = {p.group: p.physical_qubits for p in reversed(preps)}  # a group's qubits: its first circuit's
        for group, items in by_group.items():  # one call per device group
            results = self._call_backend(group, [pub for _, pub in items], shots, physical[group])
            for (i, s, b), res in zip((k for k, _ in items), results):
                counts = counts_matrix(_joined_bits(res, circuits[i]))
                if b is None:
                    out[i][s] += counts
                else:
                    out[i][s, b] += counts[0]
        return out, preps

    def counts(self, circuits: Sequence[QuantumCircuit], parameter_values=None, *, shots=None) -> list[np.ndarray]:
        """Raw (B, 2**m) counts per circuit; circuits of one noise group go in one backend call."""
        circuits = [ensure_measured(c) for c in circuits]
        values = coerce_circuit_values(circuits, parameter_values)
        out, _ = self._counts(circuits, values, int(shots or self.shots), use_zne=False)
        return [c[0] for c in out]

    def calibration(self, prep: Prepared) -> tuple[ReadoutCalibration, list[int]]:
        """Readout calibration of the qubits ``prep`` measures, on this backend; cached.

        Returns the calibration and the circuit qubits it covers (calibration index order).
        """
        qubits = sorted(set(measured_layout(prep.circuit).values()))
        key = (prep.group, prep.circuit.num_qubits, tuple(qubits))
        if key not in self._calibrations:
            cal_shots = max(self.shots, 4000)
            circuits = expand.readout_circuits(prep.circuit.num_qubits, qubits)
            res = self._call_backend(prep.group, [(c,) for c in circuits], cal_shots, prep.physical_qubits)
            c0, c1 = (counts_matrix(_joined_bits(r, circ))[0] for r, circ in zip(res, circuits))
            self._calibrations[key] = (combine.calibrate_readout(c0, c1, len(qubits)), qubits)
        return self._calibrations[key]  # type: ignore[return-value]

    def _readout(self, prep: Prepared, circuit: QuantumCircuit) -> tuple[ReadoutCalibration, list[int]]:
        """Calibration and, per clbit of ``circuit``, the calibration index it was read from."""
        cal, qubits = self.calibration(prep)
        layout = measured_layout(prep.circuit)
        return cal, [qubits.index(layout[c]) for c in range(circuit.num_clbits)]

    # ---------------------------------------------------------------- public API
    def readout_calibration(self, circuit: QuantumCircuit) -> ReadoutInfo:
        """Readout calibration for ``circuit``'s measurements and, per clbit, its calibration index.

        For circuits whose raw shots (:meth:`sample`) are corrected by the caller, e.g. one register
        of a dynamic circuit: ``cal.p01[idx[c]]`` is the assignment error of the qubit read into clbit c.
        """
        circuit = ensure_measured(circuit)
        return self._readout(self.prepare(circuit), circuit)

    def sample(self, circuit: QuantumCircuit, parameter_values=None, *, shots=None) -> SamplerPubResult:
        """Raw measured bitstrings (no mitigation can apply to single shots), shape (B,)."""
        circuit = ensure_measured(circuit)
        values = coerce_values(circuit, parameter_values)
        shots = int(shots or self.shots)
        prep = self.prepare(circuit)
        pub = (prep.circuit, values[:, prep.cols]) if prep.circuit.num_parameters else (prep.circuit,)
        res = self._call_backend(prep.group, [pub], shots, prep.physical_qubits)[0]
        meta = {"shots": shots, "backend": str(self.spec), "transpiled": prep.stats,
                "physical_qubits": list(prep.physical_qubits)}
        squeeze = parameter_values is None or np.asarray(parameter_values).ndim == 1
        arrays = {name: getattr(res.data, name) for name in res.data}
        if squeeze or not prep.circuit.num_parameters:
            arrays = {k: (v[0] if v.ndim and squeeze else v) for k, v in arrays.items()}
        from qiskit.primitives import DataBin
        shape = next(iter(arrays.values())).shape
        return SamplerPubResult(DataBin(**arrays, shape=shape), metadata=meta)

    def probabilities(self, circuit: QuantumCircuit, parameter_values=None, *, shots=None) -> np.ndarray:
        """(B, 2**m) empirical probabilities; readout-corrected quasi-probabilities with ``readout``."""
        probs, _ = self.probabilities_with_metadata(circuit, parameter_values, shots=shots)
        return probs

    def probabilities_with_metadata(self, circuit, parameter_values=None, *, shots=None):
        """As :meth:`probabilities`, plus metadata saying what mitigation was applied."""
        circuit = ensure_measured(circuit)
        values = coerce_values(circuit, parameter_values)
        shots = int(shots or self.shots)
        counts, preps = self._counts([circuit], values, shots, use_zne=False)
        probs = counts[0][0] / counts[0][0].sum(-1, keepdims=True)
        applied = self._applied(zne=False)
        if self.mitigation.readout:
            cal, bits = self._readout(preps[0], circuit)
            probs = combine.correct_readout(probs, cal, bits)
        return probs, {"backend": str(self.spec), "shots": shots, "mitigation": applied}

    def _applied(self, zne: bool) -> dict[str, str]:
        cfg = self.mitigation
        applied = {}
        if cfg.readout:
            applied["readout"] = "client"
        if cfg.zne and zne:
            applied["zne"] = f"client:{cfg.zne_extrapolator}:{list(cfg.zne_scales)}"
        if cfg.dd:
            applied["dd"] = f"transpiler:{cfg.dd_sequence}"
        if cfg.twirling:
            applied["twirling"] = f"client:{cfg.twirl_randomizations}"
        return applied

    def estimate(self, circuit: QuantumCircuit, observables, parameter_values=None, *, shots=None) -> EstimateResult:
        """Expectation values from samples in qubit-wise-commuting bases, mitigated per config."""
        base = circuit.remove_final_measurements(inplace=False)
        ops = coerce_observables(base, observables)
        values = coerce_values(base, parameter_values)
        shots = int(shots or self.shots)
        n = base.num_qubits
        offsets = np.zeros(len(ops))  # identity terms: constants, never measured
        for k, op in enumerate(ops):
            identity = [t for t, lab in enumerate(op.paulis.to_labels()) if set(lab) <= {"I"}]
            offsets[k] = float(np.real(op.coeffs[identity].sum())) if identity else 0.0
        # one circuit per qubit-wise-commuting basis, shared by all observables
        groups = measurement_groups(ops)
        circuits = [_basis_circuit(base, basis) for basis, _ in groups]
        plan: list[tuple[int, int, np.ndarray, np.ndarray]] = []  # (circuit, obs index, coeffs, signs)
        for c, (_, members) in enumerate(groups):
            by_op: dict[int, list[int]] = defaultdict(list)
            for k, t in members:
                by_op[k].append(t)
            for k, terms in by_op.items():
                plan.append((c, k, np.real(ops[k].coeffs[terms]), _signs(ops[k], terms, n)))
        zne = self.mitigation.zne
        if not circuits:
            vals = np.tile(offsets, (values.shape[0], 1))
            return EstimateResult(vals, np.zeros_like(vals), {"backend": str(self.spec)})
        counts, preps = self._counts(circuits, values, shots, use_zne=zne)
        cals = None
        if self.mitigation.readout:
            cals = [self._readout(p, c) for p, c in zip(preps, circuits)]
        point = self._evaluate(counts, plan, cals, len(ops), offsets)
        if self.mitigation.readout or zne:
            stds = combine.bootstrap_std(counts, lambda c: self._evaluate(c, plan, cals, len(ops), offsets),
                                         self.mitigation.bootstrap, self._rng)
        else:
            stds = self._shot_stds(counts, plan, len(ops))
        meta = {"backend": str(self.spec), "shots": shots, "circuits": len(circuits),
                "mitigation": self._applied(zne=zne),
                "transpiled": [p.stats for p in preps]}
        return EstimateResult(point, stds, meta)

    def _evaluate(self, counts, plan, cals, n_obs: int, offsets: np.ndarray) -> np.ndarray:
        n_scales, batch = counts[0].shape[:2]
        per_scale = np.tile(offsets, (n_scales, batch, 1))
        probs_of = {}
        for c, k, coeffs, signs in plan:
            if c not in probs_of:
                probs = counts[c] / counts[c].sum(-1, keepdims=True)
                if cals is not None:
                    cal, qubits = cals[c]
                    probs = combine.correct_readout(probs, cal, qubits)
                probs_of[c] = probs
            per_scale[:, :, k] += (probs_of[c] @ signs.T) @ coeffs
        if n_scales == 1:
            return per_scale[0]
        return combine.extrapolate_zero_noise(self.mitigation.zne_scales, per_scale, self.mitigation.zne_extrapolator)

    def _shot_stds(self, counts, plan, n_obs: int) -> np.ndarray:
        batch = counts[0].shape[1]
        var = np.zeros((batch, n_obs))
        for c, k, coeffs, signs in plan:
            cnt = counts[c][0]
            total = cnt.sum(-1, keepdims=True)
            probs = cnt / total
            f = coeffs @ signs  # per-outcome estimator value
            mean = probs @ f
            var[:, k] += (probs @ f**2 - mean**2) / total[:, 0]
        return np.sqrt(np.clip(var, 0, None))


def _joined_bits(result: SamplerPubResult, circuit: QuantumCircuit):
    """One BitArray over all clbits (registers concatenated in circuit order)."""
    from qiskit.primitives import BitArray

    names = [reg.name for reg in circuit.cregs]
    arrays = [getattr(result.data, n) for n in names if hasattr(result.data, n)]
    if len(arrays) == 1:
        return arrays[0]
    return BitArray.concatenate_bits(arrays)

