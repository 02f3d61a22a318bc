"""``aer`` / ``aer:gpu`` (noiseless, shot-based) and ``fake:NAME[@S]`` (device noise) on Aer.

Both execute through ``qiskit_aer.primitives.SamplerV2``, which binds a whole
parameter array inside one simulator call. For fake devices the circuit is
transpiled once for the device's target, cut down to the physical qubits it
uses, and run with a noise model of just those qubits (:mod:`qhep.noise`),
cached per (qubit set, scale).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import SamplerPubResult
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel
from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

from qhep.errors import BackendSpecError, CircuitError
from qhep.execution.shots import Prepared, ShotRunner, circuit_stats
from qhep.execution.spec import BackendSpec, fake_backend
from qhep.noise.device import device_noise_model
from qhep.transpile.passes import build_pass_manager

__all__ = ["AerRunner", "FakeDeviceRunner", "reduce_to_active"]


def _param_cols(logical: QuantumCircuit, executable: QuantumCircuit) -> np.ndarray:
    index = {p: i for i, p in enumerate(logical.parameters)}
    return np.array([index[p] for p in executable.parameters], dtype=int)


def reduce_to_active(circuit: QuantumCircuit) -> tuple[QuantumCircuit, tuple[int, ...]]:
    """Drop idle qubits of a transpiled circuit: (circuit on k qubits, their physical indices)."""
    active = sorted({circuit.find_bit(q).index for inst in circuit.data
                     if inst.operation.name not in ("barrier", "delay") for q in inst.qubits})
    index = {p: i for i, p in enumerate(active)}
    small = QuantumCircuit(len(active), global_phase=circuit.global_phase, name=circuit.name)
    for creg in circuit.cregs:
        small.add_register(creg)
    if not circuit.cregs and circuit.num_clbits:
        small.add_bits(circuit.clbits)
    for inst in circuit.data:
        qubits = [circuit.find_bit(q).index for q in inst.qubits]
        if inst.operation.name in ("barrier", "delay"):
            if inst.operation.name == "delay" and not all(q in index for q in qubits):
                continue
            if inst.operation.name == "delay":
                small.append(inst.operation, [index[q] for q in qubits])
                continue
            qubits = [q for q in qubits if q in index]
            if not qubits:
                continue
            small.barrier([index[q] for q in qubits])
            continue
        small.append(inst.operation, [index[q] for q in qubits], inst.clbits)
    small.metadata = dict(circuit.metadata or {})
    return small, tuple(active)


DENSITY_MATRIX_MAX_QUBITS = 12  # 4^12 complex128 = 268 MB; 13 qubits (1 GB) was not measured


def _mid_circuit(circuit: QuantumCircuit) -> bool:
    """Whether a circuit measures or resets before its end (or branches on a result)."""
    measured: set = set()
    for inst in circuit.data:
        name = inst.operation.name
        if name in ("reset", "if_else", "for_loop", "while_loop", "switch_case"):
            return True
        if name == "measure":
            measured.update(inst.qubits)
        elif name != "barrier" and measured.intersection(inst.qubits):
            return True
    return False


def noisy_method(n_qubits: int, circuits: list[QuantumCircuit], shots: int) -> str:
    """Aer simulation method for a noisy run: density matrix where it was measured faster.

    Aer's ``automatic`` picks ``density_matrix`` only when shots > 2^n, and runs one noisy
    trajectory per shot otherwise. Measured here (``benchmarks/noisy_method.py``, one core,
    QAOA thrust circuits routed on fake:torino): the density matrix was 7.3x faster at 10 qubits
    and 1000 shots, 2.6x at 11 and 2.2x at 12 (4096 > 4 x shots). Circuits that measure or
    reset mid-way are left to Aer, which branches shots there.
    """
    if n_qubits > DENSITY_MATRIX_MAX_QUBITS or 2**n_qubits > 6 * shots:
        return "automatic"
    return "automatic" if any(_mid_circuit(c) for c in circuits) else "density_matrix"


class _AerExecutor:
    """Aer SamplerV2 instances per noise-model group."""

    def __init__(self, gpu: bool, seed_source) -> None:
        self.gpu = gpu
        self._samplers: dict[Hashable, AerSamplerV2] = {}
        self._seed = seed_source
        if gpu and "GPU" not in AerSimulator().available_devices():
            raise BackendSpecError(
                "aer:gpu needs qiskit-aer-gpu (pip install 'qhep[gpu]') and an NVIDIA GPU with a "
                "matching CUDA 12 runtime; none was found (use 'aer' or 'statevector:gpu')"
            )

    def sampler(self, group: Hashable, noise_model: NoiseModel | None, method: str = "automatic") -> AerSamplerV2:
        if (group, method) not in self._samplers:
            backend_options = {"device": "GPU" if self.gpu else "CPU", "method": method}
            if noise_model is not None:
                backend_options["noise_model"] = noise_model
            self._samplers[(group, method)] = AerSamplerV2(options={"backend_options": backend_options})
        return self._samplers[(group, method)]

    def run(self, sampler: AerSamplerV2, pubs: list[tuple], shots: int) -> list[SamplerPubResult]:
        from qiskit.exceptions import QiskitError

        sampler._seed = self._seed()  # a fresh, reproducible seed per call
        try:
            return list(sampler.run(pubs, shots=shots).result())
        except QiskitError as exc:  # e.g. a 40-qubit circuit: Aer refuses for memory, in one line here
            width = max(pub[0].num_qubits for pub in pubs)
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            raise CircuitError(f"Aer cannot simulate this {width}-qubit circuit: {first}") from None


class AerRunner(ShotRunner):
    """Noiseless shot-based Aer simulation (``aer``, ``aer:gpu``)."""

    def __init__(self, spec: BackendSpec, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self._sim = AerSimulator()
        self._exec = _AerExecutor(spec.gpu, self._next_seed)
        self._target = self._sim.target

    def _prepare(self, circuit: QuantumCircuit) -> Prepared:
        if self._target.num_qubits is not None and circuit.num_qubits > self._target.num_qubits:
            raise CircuitError(f"circuit needs {circuit.num_qubits} qubits; aer simulates at most "
                               f"{self._target.num_qubits} on this machine (its memory)")
        opts = self.transpile_options
        if opts.dd:
            opts = type(opts)(**{**opts.__dict__, "dd": False})  # no durations: DD is meaningless
        out = build_pass_manager(self._target, opts).run(circuit)
        basis = [n for n in self._target.operation_names if n not in ("measure", "delay", "reset")]
        return Prepared(out, _param_cols(circuit, out), "ideal", tuple(range(out.num_qubits)),
                        basis, circuit_stats(out))

    def _execute(self, group, pubs, shots):
        return self._exec.run(self._exec.sampler(group, None), pubs, shots)


class FakeDeviceRunner(ShotRunner):
    """Aer with the calibrated noise of an IBM device, on the qubits used (``fake:NAME[@S]``)."""

    def __init__(self, spec: BackendSpec, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self.backend = fake_backend(spec.device or "")
        self.target = self.backend.target
        self._exec = _AerExecutor(spec.gpu, self._next_seed)
        self._models: dict[Hashable, NoiseModel] = {}

    def _prepare(self, circuit: QuantumCircuit) -> Prepared:
        if circuit.num_qubits > self.target.num_qubits:
            raise BackendSpecError(
                f"circuit needs {circuit.num_qubits} qubits; {self.spec.device} has "
                f"{self.target.num_qubits}"
            )
        physical = build_pass_manager(self.target, self.transpile_options).run(circuit)
        stats = circuit_stats(physical)
        small, active = reduce_to_active(physical)
        limit = AerSimulator().target.num_qubits  # statevector qubits that fit this machine's memory
        if limit is not None and small.num_qubits > limit:
            raise CircuitError(f"circuit uses {small.num_qubits} qubits of {self.spec.device}; a noisy simulation "
                               f"fits at most {limit} on this machine (its memory)")
        key = (active, self.spec.noise_scale)
        if key not in self._models:
            self._models[key] = device_noise_model(self.target, active, self.spec.noise_scale)
        basis = [n for n in self.target.operation_names
                 if n not in ("measure", "delay", "reset", "if_else", "for_loop", "switch_case", "while_loop")]
        stats["physical_qubits"] = list(active)
        return Prepared(small, _param_cols(circuit, small), key, active, basis, stats)

    def noise_model(self, prep: Prepared) -> NoiseModel:
        """The noise model a prepared circuit runs under."""
        return self._models[prep.group]  # type: ignore[index]

    def _execute(self, group, pubs, shots):
        fewest = min(int(p[2]) if len(p) > 2 and p[2] is not None else int(shots) for p in pubs)
        method = noisy_method(len(group[0]), [p[0] for p in pubs], fewest)
        return self._exec.run(self._exec.sampler(group, self._models[group], method), pubs, shots)
