"""Circuit builders against amplitudes worked out by hand, and OpenQASM reading with one-line errors."""

import numpy as np
import pytest
from qiskit.quantum_info import Operator, Statevector

from qhep.circuits import generator_ansatz, ghz, grid_pairs, iqp_circuit, load_qasm, mera_upsampling_ansatz, mirror
from qhep.errors import CircuitError


def test_ghz_is_half_all_zero_half_all_one():
    probs = Statevector(ghz(4, measure=False)).probabilities()
    expected = np.zeros(16)
    expected[[0, 15]] = 0.5
    np.testing.assert_allclose(probs, expected, atol=1e-12)
    assert ghz(3).count_ops()["measure"] == 3


@pytest.mark.parametrize("seed", [0, 1])
def test_mirror_is_the_identity_with_at_least_the_asked_two_qubit_gates(seed):
    qc = mirror(4, 10, seed=seed)
    assert qc.count_ops()["cx"] >= 2 * 10  # the layer and its inverse
    np.testing.assert_allclose(Operator(qc.remove_final_measurements(inplace=False)).data, np.eye(16), atol=1e-9)
    assert mirror(4, 10, seed=seed) == qc and mirror(4, 10, seed=seed + 7) != qc  # seeded


def test_generator_ansatz_parameter_counts():
    qc, x, w = generator_ansatz(4, 3)
    assert len(x) == 4 + 1 and len(w) == 2 * 4 * 3 + 4
    assert set(qc.parameters) == set(x) | set(w)
    assert qc.count_ops()["cz"] == 3 * 4  # a CZ ring per layer


def test_mera_ansatz_doubles_active_qubits_and_refuses_other_sizes():
    qc, x, w = mera_upsampling_ansatz(8, 2)
    assert len(x) == 3 and qc.num_qubits == 8
    # per latent qubit 1 weight; per step 1 per new qubit + 2 per neighbour pair of the doubled set
    assert len(w) == 2 + (2 + 2 * 3) + (4 + 2 * 7)
    with pytest.raises(ValueError, match="power of two"):
        mera_upsampling_ansatz(6, 4)


def test_grid_pairs_are_the_nearest_neighbours():
    assert sorted(grid_pairs(2, 3)) == sorted([(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)])
    assert len(grid_pairs(4, 4)) == 2 * 4 * 3


def test_iqp_single_and_pair_generators_rotate_as_worked_out():
    theta = 0.37
    qc, params, gens = iqp_circuit(1, pairs=[], measure=False)
    assert gens == [(0,)]
    # H RZ(2 theta) H |0> = cos(theta)|0> - i sin(theta)|1>
    probs = Statevector(qc.assign_parameters([theta])).probabilities()
    np.testing.assert_allclose(probs, [np.cos(theta) ** 2, np.sin(theta) ** 2], atol=1e-12)
    qc, params, gens = iqp_circuit(2, pairs=[(0, 1)], measure=False)
    assert gens == [(0,), (1,), (0, 1)]
    # singles off: exp(-i theta XX)|00> = cos|00> - i sin|11>
    probs = Statevector(qc.assign_parameters([0.0, 0.0, theta])).probabilities()
    np.testing.assert_allclose(probs, [np.cos(theta) ** 2, 0, 0, np.sin(theta) ** 2], atol=1e-12)
    assert len(iqp_circuit(4)[2]) == 4 + 6  # default: all pairs


def test_load_qasm_reads_both_versions(tmp_path):
    (tmp_path / "a.qasm").write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\n'
                                     "h q[0];\ncx q[0],q[1];\nmeasure q -> c;\n")
    (tmp_path / "b.qasm").write_text('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\n'
                                     "h q[0];\ncx q[0], q[1];\nc = measure q;\n")
    for name in ("a.qasm", "b.qasm"):
        qc = load_qasm(tmp_path / name)
        assert qc.count_ops() == {"h": 1, "cx": 1, "measure": 2}


def test_load_qasm_errors_are_one_line(tmp_path):
    with pytest.raises(CircuitError, match="cannot read file") as missing:
        load_qasm(tmp_path / "absent.qasm")
    (tmp_path / "bad.qasm").write_text("OPENQASM 2.0;\nqreg q[2];\nfoo q[0];\n")
    with pytest.raises(CircuitError, match="not a valid OpenQASM file") as bad:
        load_qasm(tmp_path / "bad.qasm")
    for err in (missing, bad):
        assert "\n" not in str(err.value)
