"""Transpile a parametric circuit once per (structure, target, options); bind many times.

Training loops call the Runner thousands of times with the same circuit and new
parameter values; re-transpiling each call would dominate run time. The cache
key is a fingerprint of the circuit's structure: gate names, operands and
parameter *names* (values are positional arrays bound later, so two circuits
built the same way share a transpilation even with new ``Parameter`` objects).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable

from qiskit.circuit import QuantumCircuit

__all__ = ["TranspileCache", "circuit_fingerprint"]


def circuit_fingerprint(circuit: QuantumCircuit) -> str:
    """Stable SHA-256 of a circuit's structure: registers, gates, operands, parameter names."""
    h = hashlib.sha256()
    h.update(repr((circuit.num_qubits, [(r.name, r.size) for r in circuit.cregs],
                   str(circuit.global_phase))).encode())
    for inst in circuit.data:
        op = inst.operation
        params = ",".join(str(p) for p in op.params)
        qubits = ",".join(str(circuit.find_bit(q).index) for q in inst.qubits)
        clbits = ",".join(str(circuit.find_bit(c).index) for c in inst.clbits)
        h.update(f"{op.name}|{op.num_qubits}|{params}|{qubits}|{clbits};".encode())
        if op.name not in _STANDARD and getattr(op, "definition", None) is not None:
            h.update(circuit_fingerprint(op.definition).encode())
    return h.hexdigest()


_STANDARD = set(QuantumCircuit().__class__.__dict__) | {"measure", "barrier", "delay", "reset"}


class TranspileCache:
    """Least-recently-used cache of transpiled circuits.

    Attributes:
        hits / misses: counters, so tests and benchmarks can prove a second bind
            did not transpile.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._store: OrderedDict[tuple[str, Hashable], object] = OrderedDict()
        self._fingerprints: dict[int, tuple[QuantumCircuit, str]] = {}

    def fingerprint(self, circuit: QuantumCircuit) -> str:
        """Fingerprint, memoised per circuit object (the object is kept alive with it)."""
        key = id(circuit)
        cached = self._fingerprints.get(key)
        if cached is not None and cached[0] is circuit:
            return cached[1]
        fp = circuit_fingerprint(circuit)
        if len(self._fingerprints) > 4 * self.maxsize:
            self._fingerprints.clear()
        self._fingerprints[key] = (circuit, fp)
        return fp

    def get(self, circuit: QuantumCircuit, context: Hashable, build: Callable[[], object]):
        """Return the cached value for (circuit structure, context), building it on a miss."""
        key = (self.fingerprint(circuit), context)
        if key in self._store:
            self.hits += 1
            self._store.move_to_end(key)
            return self._store[key]
        self.misses += 1
        value = build()
        self._store[key] = value
        if len(self._store) > self.maxsize:
            self._store.popitem(last=False)
        return value
