"""Device noise models restricted to the physical qubits a circuit uses, with scaling.

Why not ``NoiseModel.from_backend``: for a 133-qubit device it builds errors for
every qubit and pair, and qiskit-ibm-runtime's local mode does that on every call
(7-35 s for a 3-qubit circuit on FakeTorino). qhep copies the calibration of just
the used qubits into a small ``Target`` (renumbered 0..k-1), scales it, and lets
Aer's own ``basic_device_gate_errors`` / ``basic_device_readout_errors`` turn it
into errors, so the physics (depolarising + thermal relaxation matched to the
reported gate error) is Aer's.

Scaling by S (``fake:NAME@S``): gate and readout error probabilities are
multiplied by S and clamped to [0, 1]; T1 and T2 are divided by S (relaxation
rates times S) with T2 <= 2 T1 kept. S = 0 gives an ideal model.
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit.providers import QubitProperties
from qiskit.transpiler import InstructionProperties, Target
from qiskit_aer.noise import NoiseModel
from qiskit_aer.noise.device.models import basic_device_gate_errors, basic_device_readout_errors

__all__ = ["reduced_target", "device_noise_model"]


def _scaled_qubit(props: QubitProperties | None, scale: float) -> QubitProperties:
    if props is None:
        return QubitProperties()
    t1, t2 = props.t1, props.t2
    if scale > 0:
        t1 = t1 / scale if t1 else t1
        t2 = t2 / scale if t2 else t2
    else:
        t1 = t2 = None
    if t1 and t2:
        t2 = min(t2, 2 * t1)
    return QubitProperties(t1=t1, t2=t2, frequency=props.frequency)


def reduced_target(target: Target, physical_qubits: Sequence[int], scale: float = 1.0) -> Target:
    """A Target over ``physical_qubits`` only (renumbered 0..k-1), error rates scaled by S."""
    index = {p: i for i, p in enumerate(physical_qubits)}
    qprops = [
        _scaled_qubit(target.qubit_properties[p] if target.qubit_properties else None, scale)
        for p in physical_qubits
    ]
    small = Target(num_qubits=len(physical_qubits), qubit_properties=qprops, dt=target.dt)
    for name, by_qargs in target.items():
        if by_qargs is None or name in small.operation_names:
            continue
        op = target.operation_from_name(name)
        if not hasattr(op, "num_qubits"):
            continue
        props: dict = {}
        for qargs, inst in by_qargs.items():
            if qargs is None or not all(q in index for q in qargs):
                continue
            new = tuple(index[q] for q in qargs)
            if inst is None:
                props[new] = None
                continue
            error = inst.error
            if error is not None:
                error = min(max(error * scale, 0.0), 1.0)
            props[new] = InstructionProperties(duration=inst.duration, error=error)
        if props:
            small.add_instruction(op, props, name=name)
    return small


def device_noise_model(target: Target, physical_qubits: Sequence[int], scale: float = 1.0) -> NoiseModel:
    """Aer noise model of ``target`` restricted to ``physical_qubits`` (as qubits 0..k-1)."""
    small = reduced_target(target, physical_qubits, scale)
    basis = [n for n in small.operation_names if n not in ("measure", "delay", "reset")]
    model = NoiseModel(basis_gates=basis)
    if scale == 0:
        return model
    for name, qubits, error in basic_device_gate_errors(target=small):
        model.add_quantum_error(error, name, qubits, warnings=False)
    for qubits, error in basic_device_readout_errors(target=small):
        model.add_readout_error(error, qubits, warnings=False)
    return model
