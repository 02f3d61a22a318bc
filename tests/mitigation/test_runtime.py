"""Runtime resilience settings cannot run offline (local mode ignores them): test the mapping."""

import pytest
from qiskit_ibm_runtime.options_models.estimator import EstimatorOptions
from qiskit_ibm_runtime.options_models.sampler import SamplerOptions

from qhep.mitigation import parse_mitigation, runtime_options, runtime_plan


def test_estimator_options_are_valid_runtime_options():
    cfg = parse_mitigation("zne:exponential,readout,dd:XY4,twirling")
    opts = EstimatorOptions(**runtime_options(cfg, "estimator", shots=2000, tags=["qhep-x"]))
    assert opts.resilience.zne_mitigation is True
    assert list(opts.resilience.zne.noise_factors) == [1.0, 3.0, 5.0]
    assert opts.resilience.zne.extrapolator == "exponential"
    assert opts.resilience.measure_mitigation is True
    assert opts.dynamical_decoupling.enable and opts.dynamical_decoupling.sequence_type == "XY4"
    assert opts.twirling.enable_gates is True
    assert opts.environment.job_tags == ["qhep-x"]
    assert opts.default_shots == 2000


def test_sampler_gets_dd_and_twirling_and_readout_stays_client_side():
    cfg = parse_mitigation("readout,dd,twirling")
    opts = SamplerOptions(**runtime_options(cfg, "sampler", shots=100))
    assert opts.dynamical_decoupling.enable and opts.twirling.enable_gates
    assert runtime_plan(cfg, "sampler") == {"dd": "runtime", "twirling": "runtime", "readout": "client"}
    assert runtime_plan(cfg, "estimator")["readout"] == "runtime"


def test_sampler_has_no_zne():
    with pytest.raises(ValueError, match="Sampler has no ZNE"):
        runtime_plan(parse_mitigation("zne"), "sampler")


def test_nothing_on_means_resilience_off():
    opts = EstimatorOptions(**runtime_options(parse_mitigation(None), "estimator"))
    assert opts.resilience_level == 0
    assert not opts.resilience.zne_mitigation and not opts.dynamical_decoupling.enable
