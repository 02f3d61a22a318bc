import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qhep.circuits import mirror
from qhep.execution import get_runner
from qhep.mitigation import extrapolate, fold, parse_mitigation
from qhep.transpile import basis_only_pass_manager


def _two_q(circuit):
    return sum(1 for inst in circuit.data if inst.operation.num_qubits == 2 and inst.operation.name != "barrier")


def test_scale_three_fold_triples_two_qubit_gates_on_the_device_path():
    runner = get_runner("fake:torino", seed=1)
    circ = mirror(4, 10, seed=2)
    circ.measure_all()
    prep = runner.prepare(circ)
    base = _two_q(prep.circuit)
    assert base >= 20
    folded = basis_only_pass_manager(prep.basis_gates).run(fold(prep.circuit, 3.0))
    assert _two_q(folded) == 3 * base
    assert set(folded.count_ops()) <= set(prep.basis_gates) | {"measure", "barrier"}


@settings(deadline=None, max_examples=30)
@given(value=st.floats(-1, 1), method=st.sampled_from(["linear", "richardson", "poly2"]))
def test_zne_of_noiseless_data_returns_it(value, method):
    assert extrapolate([1, 3, 5], [value] * 3, method) == pytest.approx(value, abs=1e-9)


def test_linear_decay_is_extrapolated_exactly():
    scales = [1, 3, 5]
    assert extrapolate(scales, [0.9 - 0.1 * (s - 1) for s in scales], "linear") == pytest.approx(1.0)
    assert extrapolate(scales, [0.8 * np.exp(-0.1 * s) for s in scales], "exponential") == pytest.approx(0.8, rel=1e-6)


def test_zne_and_readout_recover_mirror_value():
    circ = mirror(3, 6, seed=4)
    raw = get_runner("fake:torino", seed=5).estimate(circ, "ZZZ")
    mit = get_runner("fake:torino", seed=5, mitigation="zne,readout").estimate(circ, "ZZZ")
    assert abs(1 - mit.values[0, 0]) < abs(1 - raw.values[0, 0]) / 2
    assert mit.stds[0, 0] > 0
    assert mit.metadata["mitigation"]["zne"].startswith("client")


def test_dd_keeps_the_ideal_result():
    circ = mirror(3, 6, seed=4)
    ideal = get_runner("fake:torino@0", seed=5, mitigation="dd").estimate(circ, ["ZZZ", "ZII"])
    np.testing.assert_allclose(ideal.values, 1.0, atol=1e-12)
    prep = get_runner("fake:torino@0", mitigation="dd").prepare(circ)
    assert "delay" in prep.circuit.count_ops() or "x" in prep.circuit.count_ops()


def test_twirling_keeps_the_ideal_result():
    circ = mirror(3, 6, seed=4)
    res = get_runner("fake:torino@0", seed=5, mitigation="twirling").estimate(circ, "ZZZ")
    assert res.values[0, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("bad, msg", [("zne,foo", "unknown mitigation"), ("pec", "not available"),
                                      ("zne:cubic", "extrapolator"), ("dd:XZ", "DD sequence")])
def test_bad_mitigation(bad, msg):
    with pytest.raises(ValueError, match=msg):
        parse_mitigation(bad)
