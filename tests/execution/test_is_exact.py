"""is_exact: the one decision that None or a runner without shot noise takes the fast exact path."""

import numpy as np
import pytest

from qhep.execution import get_runner, is_exact


@pytest.mark.parametrize("spec, exact", [("statevector", True), ("aer", False), ("fake:torino", False)])
def test_is_exact_follows_the_runners_exact_flag(spec, exact):
    runner = get_runner(spec, shots=100, seed=0)
    assert is_exact(runner) is exact is runner.exact


def test_none_is_the_exact_path():
    assert is_exact(None) is True


@pytest.mark.parametrize("name", ["iqp", "qag"])
def test_an_exact_runner_samples_exactly_as_none(name):
    from qhep.data.showers import generate_showers
    from qhep.models.base import ShowerData
    from qhep.models.training import build_model

    s = generate_showers(200, (10, 100), geometry_name="8px", seed=1)
    data = ShowerData(s.showers_mev.astype(np.float64), s.energies_gev, 10.0, 100.0, (8,))
    model = build_model(name, data.meta(), {"seed": 0})
    model.fit_stats(data)
    e = np.array([15.0, 40.0, 80.0, 95.0])
    np.testing.assert_array_equal(model.generate(e, runner=get_runner("statevector", seed=9), seed=3),
                                  model.generate(e, seed=3))
