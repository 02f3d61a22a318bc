"""Pin each subpackage's public surface, so API changes show in review (pyhf's pattern)."""

import importlib

import pytest

API = {
    "qhep": ("__version__",),
    "qhep.execution": ("BackendSpec", "EstimateResult", "Ledger", "LedgerEntry", "QhepEstimator",
                       "QhepSampler", "Runner",
                       "fake_device_names", "get_runner", "is_exact", "parse_backend"),
    "qhep.transpile": ("TranspileCache", "TranspileOptions", "basis_only_pass_manager",
                       "build_pass_manager", "circuit_fingerprint"),
    "qhep.noise": ("custom_noise_model", "device_noise_model", "reduced_target"),
    "qhep.mitigation": ("MitigationConfig", "ReadoutCalibration", "calibration_circuits", "combine",
                        "execute_with_readout", "execute_with_zne", "expand", "extrapolate",
                        "fold", "parse_mitigation", "runtime_options", "runtime_plan", "twirl"),
    "qhep.circuits": ("generator_ansatz", "ghz", "grid_pairs", "iqp_circuit", "load_qasm", "mera_upsampling_ansatz",
                      "mirror"),
    "qhep.jets": ("ConeJetProblem", "KJetProblem", "ThrustProblem", "anneal_bits", "brute_force", "cluster_events",
                  "cone_jet_qubo", "evaluate_clustering", "exact_thrust", "kjet_ising", "simulated_annealing",
                  "thrust_ising"),
    "qhep.connectors": ("AngleCircuit", "QuantumModule", "angle_circuit", "parameter_shift_vjp", "spsa_vjp"),
    "qhep.models": ("MODELS", "ShowerData", "ShowerModel", "TrainedRun", "build_model", "load_run", "mmd2", "train"),
    "qhep.metrics": ("METRICS", "FloorComparison", "classifier_auc", "compare_with_floor", "evaluate", "features",
                     "fpd", "girth", "jet_report", "kpd", "qg_separation", "radial_profile", "separation_power"),
    "qhep.data": ("GEOMETRIES", "MATERIALS", "PROCESSES", "CaloFile", "EventSample", "JetClustering", "JetImages",
                  "PixelNormalizer", "Selection", "ShowerSample", "downsample", "energy_fractions", "file_kind",
                  "from_fractions", "generate_events", "generate_showers", "jet_images", "read_binning_xml",
                  "read_calo", "read_clustering", "read_events", "read_jet_images", "write_calo", "write_clustering",
                  "write_events", "write_jet_images"),
}


@pytest.mark.parametrize("module", sorted(API))
def test_public_api(module):
    mod = importlib.import_module(module)
    assert tuple(sorted(dir(mod))) == tuple(sorted(API[module]))
    for name in API[module]:
        assert hasattr(mod, name)
