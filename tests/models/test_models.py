"""Generators: training improves them, resume is bit-identical, IQP Z-words are exact, sampling on backends."""

import itertools
import json

import numpy as np
import pytest
import torch
from qiskit.quantum_info import SparsePauliOp, Statevector
from scipy.stats import wasserstein_distance

from qhep.data import generate_showers, write_calo
from qhep.models import ShowerData, build_model, load_run, train
from qhep.models.iqp import iqp_zword_expectations


@pytest.fixture(scope="module")
def showers(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    s = generate_showers(3000, (10, 100), geometry_name="8px", seed=7)
    return str(write_calo(d / "s8.h5", s.energies_gev, s.showers_mev, s.file_attributes()))


STEPS = {"qgan": 150, "qag": 80, "iqp": 80, "gan": 150}


@pytest.mark.parametrize("name", ["qgan", "qag", "iqp", "gan"])
def test_short_training_improves_mmd_and_total_energy(showers, tmp_path, name):
    data = ShowerData.from_file(showers)
    summary = train(name, showers, str(tmp_path / name), steps=STEPS[name], seed=1, progress=False).summary
    assert summary["monitor_mmd_end"] < 0.7 * summary["monitor_mmd_start"]
    trained, run = load_run(str(tmp_path / name))
    untrained = build_model(name, data.meta(), run["config"])
    untrained.fit_stats(data)
    e = data.energies_gev[:1000]
    real_total = data.showers_mev[:1000].sum(1)
    w1 = [wasserstein_distance(real_total, m.generate(e, seed=3).sum(1)) for m in (untrained, trained)]
    assert w1[1] < w1[0]
    assert (tmp_path / name / "losses.png").stat().st_size > 1000


@pytest.mark.parametrize("name", ["qgan", "iqp"])
def test_resume_is_bit_identical(showers, tmp_path, name):
    train(name, showers, str(tmp_path / "full"), steps=20, seed=2, progress=False, config={"checkpoint_every": 10})
    train(name, showers, str(tmp_path / "part"), steps=10, seed=2, progress=False, config={"checkpoint_every": 10})
    train(name, showers, str(tmp_path / "part"), steps=20, resume=True, progress=False)
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "part" / "checkpoint.pt", weights_only=False)["model"]
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_iqp_zword_formula_is_exact():
    from qhep.circuits.ansatz import iqp_circuit

    n = 4
    qc, theta_p, gens = iqp_circuit(n, measure=False)
    theta = np.random.default_rng(0).normal(0, 0.7, len(gens))
    state = Statevector(qc.assign_parameters(theta))
    gm = torch.zeros(len(gens), n, dtype=torch.float64)
    for i, g in enumerate(gens):
        gm[i, list(g)] = 1
    words = torch.as_tensor(list(itertools.product([0, 1], repeat=n))[1:], dtype=torch.float64)
    all_z = torch.as_tensor(list(itertools.product([0, 1], repeat=n)), dtype=torch.float64)  # exact average
    est = iqp_zword_expectations(torch.as_tensor(theta), gm, words, all_z).numpy()
    for a, value in zip(words.numpy().astype(int), est):
        label = "".join("Z" if a[q] else "I" for q in reversed(range(n)))
        assert value == pytest.approx(state.expectation_value(SparsePauliOp(label)).real, abs=1e-12)


def test_iqp_64_qubits_trains_through_zwords(tmp_path):
    s = generate_showers(2000, (10, 100), geometry_name="8x8", seed=3)
    path = write_calo(tmp_path / "s64.h5", s.energies_gev, s.showers_mev, s.file_attributes())
    summary = train("iqp", str(path), str(tmp_path / "iqp64"), steps=40, seed=0, progress=False).summary
    model, _ = load_run(str(tmp_path / "iqp64"))
    assert model.n_qubits == 64 and model.circuit.num_qubits == 64
    assert summary["monitor_mmd_end"] < summary["monitor_mmd_start"]
    check = model.zword_validation(ShowerData.from_file(str(path)), n_z=1024)
    assert check["words"] == 64 + 64 * 63 // 2
    with pytest.raises(ValueError, match="cannot be sampled"):
        model.generate(s.energies_gev[:3])


def test_classical_baseline_matches_parameter_count(showers):
    data = ShowerData.from_file(showers)
    q = build_model("qgan", data.meta(), {"layers": 3})
    c = build_model("gan", data.meta(), {"layers": 3})
    assert abs(c.parameter_count() - q.parameter_count()) <= 5
    assert build_model("gan", data.meta(), {"size": "large"}).parameter_count() > 20 * q.parameter_count()


@pytest.mark.slow  # ~35 s on fake:torino
def test_sample_on_fake_device_and_evaluate(showers, tmp_path, cli):
    train("qgan", showers, str(tmp_path / "run"), steps=5, seed=0, progress=False)
    out = tmp_path / "g.h5"
    proc = cli("sample", tmp_path / "run", "--n", "30", "--out", out, "--backend", "fake:torino", "--mitigation",
               "readout", "--shots", "300", "--json")
    assert proc.returncode == 0, proc.stderr
    from qhep.data import read_calo

    f = read_calo(out)
    assert f.showers_mev.shape == (30, 8) and f.attrs["mitigated_readout"].startswith("readout")
    ev = cli("evaluate", "--real", showers, "--generated", out, "--json", "--bootstrap", "2")
    assert ev.returncode == 0, ev.stderr
    doc = json.loads(ev.stdout)
    assert set(doc["metrics"]) == {"real-vs-real", "generated"}
    floor, gen = doc["metrics"]["real-vs-real"]["classifier_auc"], doc["metrics"]["generated"]["classifier_auc"]
    assert gen["value"] > floor["value"] + 3 * (gen["std"] + floor["std"])  # a 5-step qGAN is told apart
    assert doc["floor"].startswith("energy-matched")


def test_metrics_separate_a_distorted_sample():
    from qhep.metrics import evaluate

    a = generate_showers(3000, (10, 100), seed=1)
    b = generate_showers(3000, (10, 100), seed=2)
    c = generate_showers(3000, (10, 100), seed=3, stochastic=0.15)
    same = evaluate(a.showers_mev, b.showers_mev, a.energies_gev, b.energies_gev, bootstrap=2)
    off = evaluate(a.showers_mev, c.showers_mev, a.energies_gev, c.energies_gev, bootstrap=2)
    assert same["classifier_auc"]["value"] < 0.56 < 0.8 < off["classifier_auc"]["value"]
    assert off["fpd"]["value"] > 10 * max(same["fpd"]["value"], 0.01)


def test_train_returns_the_trained_model_and_its_run_directory(showers, tmp_path):
    run = train("gan", showers, str(tmp_path / "run"), steps=3, seed=4, progress=False,
                config={"checkpoint_every": 3, "batch": 16})
    assert run.run_dir == tmp_path / "run" and (run.run_dir / "checkpoint.pt").is_file()
    assert run.summary["run_dir"] == str(run.run_dir) and run.summary["steps"] == 3
    assert run.summary["generator_parameters"] == run.model.parameter_count()
    e = np.array([20.0, 50.0, 90.0])
    shower = run.model.generate(e, seed=5)
    assert shower.shape == (3, 8) and np.isfinite(shower).all()
    # the returned model is the one the checkpoint holds
    reloaded, _ = load_run(str(run.run_dir))
    np.testing.assert_array_equal(shower, reloaded.generate(e, seed=5))
    with pytest.raises(AttributeError):
        run.model = None  # frozen
