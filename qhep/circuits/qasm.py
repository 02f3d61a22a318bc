"""Read OpenQASM 2 or 3 files into Qiskit circuits with one-line errors."""

from __future__ import annotations

from pathlib import Path

from qiskit.circuit import QuantumCircuit

from qhep.errors import CircuitError

__all__ = ["load_qasm"]


def load_qasm(path: str | Path) -> QuantumCircuit:
    """Load ``path`` as OpenQASM 3 if its header says so, else as OpenQASM 2."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise CircuitError(f"{path}: cannot read file ({exc.strerror})") from exc
    head = text.lstrip()
    try:
        if head.startswith("OPENQASM 3"):
            from qiskit import qasm3

            return qasm3.loads(text)
        from qiskit import qasm2

        return qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    except Exception as exc:  # noqa: BLE001 - parser errors come in many types
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CircuitError(f"{path}: not a valid OpenQASM file: {msg}") from exc
