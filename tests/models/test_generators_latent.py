"""Generators in the PCA latent: the latent itself, qlatent, the conditional Gaussian, the sized MLP, qborn."""

import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from qhep.data import generate_showers, write_calo
from qhep.models import ShowerData, build_model, load_run, train
from qhep.models.baselines import mlp_shape
from qhep.models.latent import PCALatent


@pytest.fixture(scope="module")
def heldout():
    s = generate_showers(1000, (10, 100), geometry_name="8px", seed=11)
    return s.showers_mev.astype(np.float64), s.energies_gev


def _batch(x, e):
    return {"x": torch.as_tensor(x), "energy": torch.as_tensor(e)}


def test_latent_with_all_components_reconstructs_showers_exactly(showers):
    lat = PCALatent(8, k=8)
    lat.fit(showers.showers_mev, showers.energies_gev)
    x, e = torch.as_tensor(showers.showers_mev[:200]), torch.as_tensor(showers.energies_gev[:200])
    back = lat.decode(lat.encode(x, e), e)
    assert torch.allclose(back, x, rtol=1e-6, atol=1e-6)


def test_latent_is_whitened_and_truncation_keeps_most_variance(showers):
    lat = PCALatent(8, k=4)
    lat.fit(showers.showers_mev, showers.energies_gev)
    z = lat.encode(torch.as_tensor(showers.showers_mev), torch.as_tensor(showers.energies_gev)).numpy()
    assert np.allclose(np.cov(z, rowvar=False), np.eye(5), atol=1e-6)
    assert np.allclose(z.mean(0), 0, atol=1e-9)
    # the explained share, recomputed independently from the log fractions
    f = showers.showers_mev / showers.showers_mev.sum(1, keepdims=True)
    lf = np.log(f + 1e-6)
    ev = np.sort(np.linalg.eigvalsh(np.cov((lf - lf.mean(0)) / lf.std(0), rowvar=False)))[::-1]
    assert float(lat.explained) == pytest.approx(ev[:4].sum() / ev.sum(), rel=1e-9)
    assert float(lat.explained) > 0.99


def test_latent_rejects_more_components_than_pixels():
    with pytest.raises(ValueError, match="latent components k must be in 1..8"):
        PCALatent(8, k=9)


@pytest.mark.parametrize("target", [30, 45, 55, 100, 150, 400, 2000])
def test_mlpgen_parameter_count_matches_target(showers, target):
    m, h = mlp_shape(5, target)
    model = build_model("mlpgen", showers.meta(), {"params": target})
    assert model.parameter_count() == (m + 2) * h + (h + 1) * 5
    assert abs(model.parameter_count() - target) <= 0.05 * target


def test_mlpgen_rejects_a_nonpositive_count(showers):
    with pytest.raises(ValueError, match="params must be a positive parameter count"):
        build_model("mlpgen", showers.meta(), {"params": 0})


def test_gauss_reproduces_conditional_latent_means(showers, heldout):
    model = build_model("gauss", showers.meta(), {"steps": 100})
    model.fit_stats(showers)
    x, e = heldout
    z_real = model.latent.encode(torch.as_tensor(x), torch.as_tensor(e)).numpy()
    with torch.no_grad():
        z_gen = model.sample_latent(torch.as_tensor(e), torch.Generator().manual_seed(0)).numpy()
    for sel in (e < 40, e > 70):  # low and high incident energies, means compared with their standard errors
        diff = z_gen[sel].mean(0) - z_real[sel].mean(0)
        se = np.sqrt(z_gen[sel].var(0) / sel.sum() + z_real[sel].var(0) / sel.sum())
        assert np.all(np.abs(diff) < 5 * se), (diff, se)
    # the shower maximum moves with energy: the conditional mean of some coordinate must differ between bins
    assert np.abs(z_gen[e < 40].mean(0) - z_gen[e > 70].mean(0)).max() > 0.5


def test_gauss_likelihood_training_does_not_lose_heldout_likelihood(showers, heldout, train_steps):
    model = build_model("gauss", showers.meta(), {"steps": 60, "lr": 0.01})
    model.fit_stats(showers)
    model.build_optimizers()
    with torch.no_grad():
        start = float(model.nll(_batch(*heldout)))
    train_steps(model, 60)
    with torch.no_grad():
        end = float(model.nll(_batch(*heldout)))
    assert end < start + 0.02
    assert model.parameter_count() == 3 * 5 + 2 * 15


@pytest.mark.parametrize("name,steps", [("qlatent", 150), ("mlpgen", 150)])
def test_latent_training_lowers_mmd_and_total_energy_w1(showers, heldout, train_steps, name, steps):
    cfg = {"steps": steps, "batch": 128, "lr": 0.03, "seed": 0, "layers": 4, "params": 55}
    trained = build_model(name, showers.meta(), cfg)
    trained.fit_stats(showers)
    untrained = build_model(name, showers.meta(), cfg)
    untrained.load_state_dict(trained.state_dict())
    trained.build_optimizers()
    train_steps(trained, steps)
    x, e = heldout
    mmd = [m.loss_for_monitoring(_batch(x, e), torch.Generator().manual_seed(4)) for m in (untrained, trained)]
    assert mmd[1] < 0.5 * mmd[0]
    real_total = x.sum(1)
    totals = [m.generate(e, seed=3).sum(1) for m in (untrained, trained)]
    w1 = [wasserstein_distance(real_total, t) for t in totals]
    assert w1[1] < w1[0]
    # the total energy is mostly E_inc x response: the response E_tot / E_inc improves by more than 2x
    w1_response = [wasserstein_distance(real_total / e, t / e) for t in totals]
    assert w1_response[1] < 0.5 * w1_response[0]


def test_qlatent_is_small_and_reuploads_energy(showers):
    model = build_model("qlatent", showers.meta(), {"layers": 4, "components": 4})
    n, layers = 5, 4
    assert model.parameter_count() == 2 * n * layers + n + 2 * n <= 150
    ops = model.circuit.count_ops()
    assert ops["rz"] >= 2 * n * layers  # condition upload + trainable RZ, on every qubit of every layer
    # the condition is an input of every layer: changing c alone changes <Z> (fixed noise)
    z = torch.full((1, n), 0.7, dtype=torch.float64)
    outs = [model.gen(torch.cat([z, torch.tensor([[c]], dtype=torch.float64)], dim=1)) for c in (0.0, 1.0)]
    assert (outs[0] - outs[1]).abs().max() > 1e-3


def test_qlatent_run_reloads_to_identical_samples(showers, tmp_path):
    path = str(write_calo(tmp_path / "s.h5", showers.energies_gev, showers.showers_mev, {}))
    train("qlatent", path, str(tmp_path / "run"), steps=5, seed=1, progress=False, config={"batch": 32})
    model, run = load_run(str(tmp_path / "run"))
    data = ShowerData.from_file(path)
    fresh = build_model("qlatent", data.meta(), run["config"])
    fresh.fit_stats(data)
    assert torch.allclose(model.latent.basis, fresh.latent.basis)
    e = showers.energies_gev[:50]
    assert np.allclose(model.generate(e, seed=2), load_run(str(tmp_path / "run"))[0].generate(e, seed=2))


def test_qborn_probabilities_match_qiskit_statevector(showers):
    from qiskit.quantum_info import Statevector

    model = build_model("qborn", showers.meta(), {"components": 1, "bits": 2, "pairs": "all", "seed": 3})
    with torch.no_grad():
        model.beta.copy_(torch.linspace(-0.4, 0.6, model.beta.numel(), dtype=torch.float64))
    energy = torch.tensor([12.0, 80.0], dtype=torch.float64)
    circuit, theta = model.qiskit_circuit()
    mine = model.probabilities(energy).detach().numpy()
    angles = model.theta(energy).detach().numpy()
    for row, values in enumerate(angles):
        bound = circuit.remove_final_measurements(inplace=False).assign_parameters(dict(zip(theta, values)))
        assert np.allclose(mine[row], Statevector(bound).probabilities(), atol=1e-12)
    # the exact log-likelihood of single states agrees with the full distribution
    index = torch.tensor([5, 9])
    assert np.allclose(model.log_likelihood(index, energy).detach().numpy(), np.log(mine[[0, 1], [5, 9]]))


def test_qborn_bits_roundtrip_to_their_quantile_bins(showers):
    model = build_model("qborn", showers.meta(), {"components": 4, "bits": 3})
    model.fit_stats(showers)
    x, e = torch.as_tensor(showers.showers_mev), torch.as_tensor(showers.energies_gev)
    index = model.encode_bits(x, e)
    z = model.decode_bits(index, torch.Generator().manual_seed(0))
    assert torch.equal(model.index_of(z), index)
    # sampling within the bins restores each coordinate's marginal distribution (tails included)
    from scipy.stats import ks_2samp

    z_real = model.latent.encode(x, e).numpy()
    for i in range(model.dim):
        assert ks_2samp(z[:, i].numpy(), z_real[:, i]).statistic < 0.03
    # equal-count bins: each coordinate's bins hold 1/8 of the training showers
    bins = (index[:, None] >> torch.arange(model.n_qubits)[None, :]) & 1
    assert np.allclose(bins.double().mean(0).numpy(), 0.5, atol=0.03)


def test_qborn_energy_changes_the_distribution_after_training(showers, train_steps):
    assert build_model("qborn", showers.meta(), {"components": 4, "bits": 3}).parameter_count() == 2 * (15 + 15 + 40)
    model = build_model("qborn", showers.meta(), {"components": 2, "bits": 3, "steps": 60, "lr": 0.05})
    model.fit_stats(showers)
    model.build_optimizers()
    x, e = torch.as_tensor(showers.showers_mev), torch.as_tensor(showers.energies_gev)
    with torch.no_grad():
        start = -float(model.log_likelihood(model.encode_bits(x, e), e).mean())
    train_steps(model, 60)
    with torch.no_grad():
        end = -float(model.log_likelihood(model.encode_bits(x, e), e).mean())
        p = model.probabilities(torch.tensor([10.0, 100.0], dtype=torch.float64))
    assert start == pytest.approx(9 * np.log(2), abs=0.05)  # starts uniform over the 9 qubits' states
    assert end < start - 0.15
    tv = 0.5 * float((p[0] - p[1]).abs().sum())
    assert tv > 0.3  # distribution at 10 GeV differs from that at 100 GeV
    # ... and the data agree: the mean latent of low- and high-energy showers generated differs like the real one
    z_real = model.latent.encode(x, e).numpy()
    lo, hi = torch.full((2000,), 15.0, dtype=torch.float64), torch.full((2000,), 90.0, dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    shift_gen = (model.sample_latent(hi, gen) - model.sample_latent(lo, gen)).mean(0).numpy()
    shift_real = z_real[e.numpy() > 75].mean(0) - z_real[e.numpy() < 25].mean(0)
    big = np.argmax(np.abs(shift_real))
    assert np.sign(shift_gen[big]) == np.sign(shift_real[big]) and abs(shift_gen[big]) > 0.3 * abs(shift_real[big])


def test_qag_reupload_makes_the_condition_act_after_upsampling(showers):
    base = build_model("qag", showers.meta(), {"latent_qubits": 4})
    model = build_model("qag", showers.meta(), {"latent_qubits": 4, "reupload": 2})
    assert model.parameter_count() == base.parameter_count() + 16 == 38
    # c uploads: once per latent qubit in the MERA, plus once per pixel qubit per block
    uploads = sum(1 for inst in model.circuit.data if inst.operation.name == "rz")
    assert uploads == 4 + 2 * 8
    z = torch.full((1, 4), 0.4, dtype=torch.float64)
    outs = [model.gen(torch.cat([z, torch.tensor([[c]], dtype=torch.float64)], dim=1)) for c in (0.2, 0.8)]
    assert (outs[0] - outs[1]).abs().max() > 1e-3
    with pytest.raises(ValueError, match="reupload must be >= 0"):
        build_model("qag", showers.meta(), {"reupload": -1})


@pytest.mark.parametrize("name", ["qlatent", "qborn"])
def test_shot_based_sampling_agrees_with_statevector(showers, name):
    from qhep.execution import get_runner

    cfg = {"components": 2, "bits": 2, "layers": 2} if name == "qborn" else {"components": 2, "layers": 2}
    model = build_model(name, showers.meta(), cfg)
    model.fit_stats(showers)
    if name == "qborn":  # a lopsided distribution, so a wrong bit order or angle convention shows
        with torch.no_grad():
            model.alpha.copy_(torch.linspace(0.1, 1.2, model.alpha.numel(), dtype=torch.float64))
    e = np.full(400 if name == "qborn" else 20, 50.0)
    exact = model.generate(e, seed=1)
    noisy = model.generate(e, runner=get_runner("aer", shots=4000, seed=2), seed=1)
    assert noisy.shape == exact.shape
    # same mean shower within a few percent (shot noise of <Z> or of the sampled bitstrings)
    assert np.allclose(noisy.mean(0), exact.mean(0), rtol=0.1, atol=0.02 * exact.mean(0).max())


def test_qlatent_resume_after_a_crash_continues_the_schedule_bit_identically(showers, tmp_path, monkeypatch):
    from qhep.models.qlatent import QuantumLatentGenerator

    path = str(write_calo(tmp_path / "s.h5", showers.energies_gev[:300], showers.showers_mev[:300], {}))
    cfg = {"batch": 32, "layers": 2, "checkpoint_every": 3}
    train("qlatent", path, str(tmp_path / "full"), steps=6, seed=2, progress=False, config=cfg)
    step = QuantumLatentGenerator.training_step
    calls = []

    def crash_after_three(self, batch, generator):
        calls.append(1)
        if len(calls) > 3:
            raise RuntimeError("node lost")
        return step(self, batch, generator)

    monkeypatch.setattr(QuantumLatentGenerator, "training_step", crash_after_three)
    with pytest.raises(RuntimeError, match="node lost"):
        train("qlatent", path, str(tmp_path / "cut"), steps=6, seed=2, progress=False, config=cfg)
    monkeypatch.setattr(QuantumLatentGenerator, "training_step", step)
    train("qlatent", path, str(tmp_path / "cut"), resume=True, progress=False)
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "cut" / "checkpoint.pt", weights_only=False)["model"]
    assert int(b["step_count"]) == 6
    for key in a:
        assert torch.equal(a[key], b[key]), key
