"""The fully quantum diffusion model: forward channel, reverse circuits, encodings, training, sampling."""

import numpy as np
import pytest
import torch
from qiskit.quantum_info import Statevector, partial_trace

from qhep.models.qdiffusion import QuantumDiffusion, ScrambleChannel, bloch_vectors


def _random_product_state(n: int, rng) -> np.ndarray:
    state = np.ones(1, dtype=complex)
    for _ in range(n):
        v = rng.normal(size=2) + 1j * rng.normal(size=2)
        state = np.kron(v / np.linalg.norm(v), state)  # qubit q is bit q
    return state


def test_forward_channel_shrinks_the_mean_bloch_vector_by_exp_minus_sigma2_per_step():
    ch = ScrambleChannel(2, 5, scramble=3.0, entangle=False)
    rng = np.random.default_rng(0)
    psi0 = _random_product_state(2, rng)
    r0 = bloch_vectors(torch.as_tensor(psi0)[None], 2)[0].numpy()
    states = torch.as_tensor(psi0).repeat(40000, 1)
    gen = torch.Generator().manual_seed(1)
    for t in range(1, 6):
        states = ch.step(states, t, gen)
        mean = bloch_vectors(states, 2).mean(0).numpy()
        # Monte Carlo error of a mean of 40000 numbers in [-1, 1]: < 0.005
        np.testing.assert_allclose(mean, ch.bloch_shrink(t) * r0, atol=0.02)
    assert ch.bloch_shrink(5) == pytest.approx(np.exp(-3.0))


def test_forward_channel_with_entanglers_drives_any_ensemble_to_the_maximally_mixed_state():
    n = 3
    ch = ScrambleChannel(n, 8, scramble=6.0, entangle=True)
    rng = np.random.default_rng(2)
    ensemble = np.stack([_random_product_state(n, rng) for _ in range(4)] * 1000)  # 4 states, 1000 copies each
    states = torch.as_tensor(ensemble)
    gen = torch.Generator().manual_seed(3)
    rho0 = torch.einsum("bi,bj->ij", states, states.conj()).numpy() / states.shape[0]
    purity = [float(np.real(np.trace(rho0 @ rho0)))]  # about 1/4: four distinct states
    for t in range(1, 9):
        states = ch.step(states, t, gen)
        rho = torch.einsum("bi,bj->ij", states, states.conj()).numpy() / states.shape[0]
        purity.append(float(np.real(np.trace(rho @ rho))))
        # the RZZ couplings damp transverse components on top of the rotations: at least the analytic rate
        assert np.abs(bloch_vectors(states, n).mean(0).numpy()).max() <= ch.bloch_shrink(t) + 0.03
    assert np.all(np.diff(purity) < 0.01)
    assert purity[-1] == pytest.approx(1 / 2**n, abs=0.01)  # 1/8 plus the 1/4000 sampling floor
    assert purity[0] > 0.25


def test_reverse_step_matches_qiskit_and_its_outcomes_are_the_measured_data_marginals(showers):
    model = QuantumDiffusion(showers.meta(), {"layers": 2, "ancillas": 2, "diffusion_steps": 4})
    model.fit_stats(showers)
    rng = np.random.default_rng(5)
    psi = _random_product_state(8, rng)
    c = torch.tensor([0.3], dtype=torch.float64)
    with torch.no_grad():
        model.weights.normal_(0, 0.7)
        full = model.reverse(torch.as_tensor(psi)[None], 3, c)[0].numpy()
        out = model.outcomes(torch.as_tensor(full)[None])[0].numpy()
        angles = model.angles(3, c)[0].numpy()
    bound = model.circuit.assign_parameters(dict(zip(model.theta, angles)))
    expect = Statevector(np.kron(np.eye(4)[0], psi)).evolve(bound)  # ancillas (bits 8, 9) in |0>
    assert abs(np.vdot(expect.data, full)) == pytest.approx(1.0, abs=1e-10)
    reduced = partial_trace(expect, [8, 9])  # measuring and discarding the ancillas
    for q in range(8):
        p1 = reduced.probabilities([q])[1]
        assert out[q] == pytest.approx(1 - 2 * p1, abs=1e-10)


@pytest.mark.parametrize("encoding", ["angle", "amplitude"])
def test_encoding_then_readout_returns_the_showers(showers, encoding):
    model = QuantumDiffusion(showers.meta(), {"encoding": encoding, "layers": 1})
    model.fit_stats(showers)
    x, e = torch.as_tensor(showers.showers_mev[:50]), torch.as_tensor(showers.energies_gev[:50])
    states = model.encode(x, e)
    assert states.shape == (50, 2**model.n)
    np.testing.assert_allclose(states.abs().pow(2).sum(1).numpy(), 1.0, atol=1e-12)
    np.testing.assert_allclose(model.decode(model.outcomes(states), e).numpy(), x.numpy(), rtol=1e-9, atol=1e-9)
    assert model.n == (8 if encoding == "angle" else 4)


@pytest.mark.slow  # ~50 s of training; the other tests here cover the model fast
def test_training_lowers_the_step_loss_at_every_step_and_sampling_uses_every_step(showers, train_steps, monkeypatch):
    model = QuantumDiffusion(showers.meta(), {"layers": 2, "ancillas": 2, "diffusion_steps": 4, "lr": 0.03})
    model.fit_stats(showers)
    model.build_optimizers()
    batch = {"x": torch.as_tensor(showers.showers_mev[:256]), "energy": torch.as_tensor(showers.energies_gev[:256])}

    def per_step():
        with torch.no_grad():
            return np.array([float(model.step_loss(batch, torch.Generator().manual_seed(9), t)) for t in range(1, 5)])

    before = per_step()
    train_steps(model, 120)
    after = per_step()
    assert np.all(after < before), (before, after)

    seen = []
    original = model.reverse

    def spy(states, t, c, sim=None):
        seen.append(t)
        return original(states, t, c, sim)

    monkeypatch.setattr(model, "reverse", spy)
    fake = model.generate(showers.energies_gev[:30], seed=1)
    assert seen == [4, 3, 2, 1]
    assert fake.shape == (30, 8) and np.all(fake >= 0) and np.isfinite(fake).all()


@pytest.mark.parametrize("encoding", [pytest.param("angle", marks=pytest.mark.slow), "amplitude"])  # angle: ~45 s
def test_shot_sampling_on_aer_reads_out_what_the_statevector_path_gives(showers, encoding):
    from qhep.execution import get_runner

    model = QuantumDiffusion(showers.meta(), {"layers": 1, "ancillas": 1, "diffusion_steps": 2,
                                              "trajectories": 200, "encoding": encoding, "scramble": 1e-4})
    model.fit_stats(showers)
    with torch.no_grad():  # a nearly fixed prior and O(1) angles: a lopsided output that tells outcomes apart
        model.weights.copy_(torch.randn(model.weights.shape, generator=torch.Generator().manual_seed(0),
                                        dtype=torch.float64))
    qc = model.device_circuit()
    ops = qc.count_ops()
    assert ops["measure"] == 1 * 2 + model.n and ops["reset"] == 1
    e = np.full(60, 50.0)
    exact = model.generate(e, seed=1) / 50e3
    shots = model.generate(e, runner=get_runner("aer", seed=2), seed=4, shots=200) / 50e3
    # different prior draws and trajectories: compare the mean images, 60 samples each
    se = np.sqrt(exact.var(0) / 60 + shots.var(0) / 60)
    assert np.all(np.abs(exact.mean(0) - shots.mean(0)) < 4 * se + 1e-3)


def test_zne_is_refused_with_a_clear_message(showers):
    from qhep.execution import get_runner

    model = QuantumDiffusion(showers.meta(), {"layers": 1, "diffusion_steps": 2})
    model.fit_stats(showers)
    with pytest.raises(ValueError, match="ZNE is not implemented"):
        model.generate(np.full(3, 50.0), runner=get_runner("aer", mitigation="zne"), shots=10)


class _FlippingRunner:
    """Ideal Aer shots with known readout flips on the ``out`` register, and their exact calibration."""

    exact = False

    def __init__(self, p01, p10, seed):
        from qhep.execution import get_runner
        from qhep.mitigation.config import parse_mitigation

        self.inner = get_runner("aer", seed=seed)
        self.p01, self.p10 = np.asarray(p01), np.asarray(p10)
        self.rng = np.random.default_rng(seed)
        self.mitigation = parse_mitigation("readout")
        self.true_bits = None

    def sample(self, qc, values, shots):
        from qiskit.primitives import BitArray, DataBin, SamplerPubResult

        res = self.inner.sample(qc, values, shots=shots)
        self.true_bits = res.data.out
        bits = res.data.out.to_bool_array(order="little")  # (B, shots, n)
        flip = self.rng.random(bits.shape) < np.where(bits, self.p10, self.p01)
        out = BitArray.from_bool_array(bits ^ flip, order="little")
        return SamplerPubResult(DataBin(out=out, anc=res.data.anc, shape=out.shape))

    def readout_calibration(self, qc):
        from qhep.mitigation.readout import ReadoutCalibration

        n_anc = qc.num_clbits - len(self.p01)
        return ReadoutCalibration(self.p01, self.p10), [0] * n_anc + list(range(len(self.p01)))


@pytest.mark.parametrize("encoding", ["angle", "amplitude"])
def test_readout_mitigation_undoes_known_assignment_errors_of_the_final_register(showers, encoding):
    model = QuantumDiffusion(showers.meta(), {"layers": 1, "ancillas": 1, "diffusion_steps": 1,
                                              "encoding": encoding})
    model.fit_stats(showers)
    rng = np.random.default_rng(5)
    p01, p10 = rng.uniform(0.1, 0.2, model.n), rng.uniform(0.25, 0.35, model.n)
    runner = _FlippingRunner(p01, p10, seed=6)
    b, shots = 40, 500
    raw, fixed = model.device_outcomes(np.full(b, 50.0), runner, seed=4, shots=shots)
    if encoding == "angle":  # per-qubit <Z> the unflipped shots give
        truth = 1 - 2 * runner.true_bits.to_bool_array(order="little").mean(1)
    else:
        ints = (runner.true_bits.to_bool_array(order="little") << np.arange(model.n)).sum(-1)
        truth = np.stack([np.bincount(row, minlength=2**model.n) for row in ints]) / shots
    # unbiased: the corrected-minus-true difference averages to zero within its own spread over samples
    d = fixed - truth
    se = d.std(0) / np.sqrt(b) + 1e-4
    chi2_fixed = np.mean((d.mean(0) / se) ** 2)  # per degree of freedom
    chi2_raw = np.mean(((raw - truth).mean(0) / se) ** 2)
    assert np.all(np.abs(d.mean(0)) < 4 * se) and chi2_fixed < 3
    assert chi2_raw > 4 * max(chi2_fixed, 1)  # the errors were large enough to matter
    shower = model.generate(np.full(5, 50.0), runner=_FlippingRunner(p01, p10, seed=6), seed=4, shots=50)
    assert shower.shape == (5, 8) and np.all(shower >= 0)


def test_readout_mitigated_sampling_runs_on_a_fake_device(showers):
    from qhep.execution import get_runner

    model = QuantumDiffusion(showers.meta(), {"layers": 1, "ancillas": 1, "diffusion_steps": 1})
    model.fit_stats(showers)
    runner = get_runner("fake:torino", seed=3, mitigation="readout")
    raw, fixed = model.device_outcomes(np.full(2, 50.0), runner, seed=1, shots=64)
    cal, idx = runner.readout_calibration(model.device_circuit())
    assert raw.shape == fixed.shape == (2, 8) and len(idx) == 1 + 8
    assert 0 < cal.p01.mean() < 0.1 and not np.allclose(raw, fixed)
