"""Pass managers: target basis and unitary kept, DD inserted only where there are durations, folds kept."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator, Statevector
from qiskit.transpiler import CouplingMap, Target

from qhep.circuits import ghz
from qhep.mitigation.zne import fold_parametric
from qhep.transpile import TranspileOptions, basis_only_pass_manager, build_pass_manager


def _same_state(physical: QuantumCircuit, logical: QuantumCircuit) -> None:
    """The routed circuit prepares the logical state on the qubits its final layout names."""
    where = physical.layout.final_index_layout()
    routed = Statevector(physical.remove_final_measurements(inplace=False)).probabilities(where)
    np.testing.assert_allclose(routed, Statevector(logical).probabilities(), atol=1e-9)


@pytest.fixture(scope="module")
def torino():
    """A 5-qubit line with IBM's basis and gate durations (small enough for exact states)."""
    from qiskit.providers.fake_provider import GenericBackendV2

    return GenericBackendV2(5, basis_gates=["cz", "rz", "sx", "x", "id"], coupling_map=CouplingMap.from_line(5),
                            seed=3).target


def test_transpiled_circuit_uses_the_target_basis_and_keeps_the_unitary(torino):
    qc = ghz(3, measure=False)
    qc.ry(0.3, 2)
    out = build_pass_manager(torino, TranspileOptions(optimization_level=1, seed=5)).run(qc)
    assert set(out.count_ops()) <= set(torino.operation_names)
    _same_state(out, qc)
    again = build_pass_manager(torino, TranspileOptions(optimization_level=1, seed=5)).run(qc)
    assert again == out  # the transpiler seed makes layouts reproducible


def test_dd_fills_idle_windows_without_changing_the_unitary(torino):
    qc = QuantumCircuit(2)
    qc.h(1)
    qc.cz(0, 1)
    qc.x(0)
    for _ in range(20):  # between the CZs qubit 1 idles while qubit 0 works (level 0 keeps the gates)
        qc.sx(0)
    qc.cz(0, 1)
    plain = build_pass_manager(torino, TranspileOptions(optimization_level=0, seed=5)).run(qc)
    dd = build_pass_manager(torino, TranspileOptions(optimization_level=0, seed=5, dd=True)).run(qc)
    assert dd.count_ops().get("x", 0) == plain.count_ops().get("x", 0) + 2  # one XX pair on the idle qubit
    assert "delay" in dd.count_ops() and "delay" not in plain.count_ops()
    _same_state(dd, qc)


def test_dd_on_a_target_without_durations_is_refused():
    target = Target.from_configuration(basis_gates=["cx", "rz", "sx", "x"], num_qubits=3,
                                       coupling_map=CouplingMap.from_line(3))
    with pytest.raises(ValueError, match="needs gate durations"):
        build_pass_manager(target, TranspileOptions(dd=True))


def test_basis_only_keeps_folds_that_an_optimiser_would_cancel(torino):
    qc = QuantumCircuit(2)
    qc.sx(0)
    qc.cz(0, 1)
    isa = build_pass_manager(torino, TranspileOptions(seed=5)).run(qc)
    folded = fold_parametric(isa, 3.0)  # U U^dagger U: brings in sxdg
    assert "sxdg" in folded.count_ops()
    basis = [n for n in torino.operation_names if n not in ("measure", "delay", "reset", "if_else", "for_loop",
                                                            "switch_case", "while_loop")]
    out = basis_only_pass_manager(basis).run(folded)
    assert set(out.count_ops()) <= set(basis)
    assert out.count_ops()["cz"] == 3 * isa.count_ops()["cz"]  # nothing cancelled
    np.testing.assert_allclose(Operator(out).data, Operator(folded).data, atol=1e-9)
