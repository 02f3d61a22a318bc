"""Gaussian diffusion: closed-form forward marginal, DDPM/DDIM samplers, the denoising models."""

import numpy as np
import pytest
import torch

from qhep.models.diffusion import Schedule, ddim_sample, ddim_timesteps, ddpm_sample


def test_forward_process_has_its_closed_form_marginal():
    sched = Schedule(50)
    gen = torch.Generator().manual_seed(0)
    x0 = torch.tensor([[2.0, -1.0]], dtype=torch.float64).repeat(20000, 1)
    x = x0.clone()
    for t in range(sched.steps):  # step by step: x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) z
        x = (1 - sched.betas[t]).sqrt() * x + sched.betas[t].sqrt() * torch.randn(x.shape, generator=gen,
                                                                                   dtype=torch.float64)
        if t in (5, 20, 49):
            ab = float(torch.prod(1 - sched.betas[: t + 1]))
            np.testing.assert_allclose(x.mean(0).numpy(), np.sqrt(ab) * x0[0].numpy(), atol=0.03)
            np.testing.assert_allclose(x.var(0).numpy(), 1 - ab, rtol=0.04)
            closed = sched.q_sample(x0, torch.full((x0.shape[0],), t), torch.randn(x0.shape, generator=gen,
                                                                                    dtype=torch.float64))
            np.testing.assert_allclose(closed.mean(0).numpy(), x.mean(0).numpy(), atol=0.04)
    assert float(sched.alpha_bar[-1]) < 1e-3  # the last step is (almost) pure noise


def _gaussian_eps(sched: Schedule, mu: torch.Tensor, cov: torch.Tensor):
    """The exact noise predictor for x_0 ~ N(mu, cov): E[eps | x_t]."""
    def eps(x, t):
        ab = sched.alpha_bar[t[0]]
        cov_t = ab * cov + (1 - ab) * torch.eye(cov.shape[0], dtype=torch.float64)
        return (1 - ab).sqrt() * torch.linalg.solve(cov_t, (x - ab.sqrt() * mu).T).T
    return eps


MU = torch.tensor([1.0, -0.5], dtype=torch.float64)
COV = torch.tensor([[0.5, 0.3], [0.3, 0.4]], dtype=torch.float64)


def test_ddim_eta1_with_all_steps_is_ddpm():
    sched = Schedule(40)
    eps = _gaussian_eps(sched, MU, COV)
    a = ddpm_sample(eps, (500, 2), sched, torch.Generator().manual_seed(3))
    b = ddim_sample(eps, (500, 2), sched, torch.Generator().manual_seed(3), eta=1.0)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-10)  # same noise draws: the same samples


def test_ddpm_and_deterministic_ddim_recover_a_gaussian_with_the_exact_denoiser():
    """DDIM (eta = 0) is a first-order solver of the probability-flow ODE: with all steps it returns
    the right mean and covariance; with few steps the covariance shrinks (measured: -10 % at 50 of
    200 steps), so the error must fall as steps are added."""
    sched = Schedule(400)
    eps = _gaussian_eps(sched, MU, COV)
    errors = []
    for x in (ddpm_sample(eps, (20000, 2), sched, torch.Generator().manual_seed(1)),
              ddim_sample(eps, (20000, 2), sched, torch.Generator().manual_seed(2), eta=0.0),
              ddim_sample(eps, (20000, 2), sched, torch.Generator().manual_seed(2), steps=25, eta=0.0)):
        np.testing.assert_allclose(x.mean(0).numpy(), MU.numpy(), atol=0.03)
        errors.append(np.abs(torch.cov(x.T).numpy() - COV.numpy()).max())
    assert errors[0] < 0.03 and errors[1] < 0.03
    assert errors[2] > errors[1]


def test_reverse_process_uses_every_step_it_is_given():
    sched = Schedule(30)
    seen: list[int] = []

    def eps(x, t):
        seen.append(int(t[0]))
        return torch.zeros_like(x)

    ddpm_sample(eps, (2, 3), sched, torch.Generator().manual_seed(0))
    assert seen == list(range(29, -1, -1))
    seen.clear()
    ddim_sample(eps, (2, 3), sched, torch.Generator().manual_seed(0), steps=7)
    assert seen == ddim_timesteps(30, 7) and len(seen) == 7 and seen[0] == 29 and seen[-1] == 0




@pytest.mark.parametrize("name", ["ddpm", "qdenoiser"])
def test_training_lowers_the_denoising_loss_in_every_timestep_bucket(showers, train_steps, name):
    from qhep.models.training import build_model

    model = build_model(name, showers.meta(), {"layers": 2, "diffusion_steps": 40, "lr": 0.02})
    model.fit_stats(showers)
    model.build_optimizers()
    batch = {"x": torch.as_tensor(showers.showers_mev[:512]), "energy": torch.as_tensor(showers.energies_gev[:512])}
    buckets = [range(0, 10), range(10, 20), range(20, 30), range(30, 40)]

    def per_bucket():
        out = []
        for b in buckets:
            t = torch.as_tensor(np.resize(np.array(b), 512))
            with torch.no_grad():
                out.append(float(model.denoising_loss(batch, torch.Generator().manual_seed(9), t=t)))
        return np.array(out)

    before = per_bucket()
    train_steps(model, 150)
    after = per_bucket()
    assert np.all(after < before), (before, after)
    fake = model.generate(showers.energies_gev[:100], seed=1)
    assert fake.shape == (100, 8) and np.all(fake >= 0) and np.isfinite(fake).all()


def test_matched_ddpm_has_the_qdenoisers_parameter_count(showers):
    from qhep.models.training import build_model

    q = build_model("qdenoiser", showers.meta(), {"layers": 3})
    c = build_model("ddpm", showers.meta(), {"layers": 3, "size": "matched"})
    big = build_model("ddpm", showers.meta(), {"size": "large"})
    nq, nc = q.parameter_count(), c.parameter_count()
    assert nq == 2 * 8 * 3 + 2 * 8
    assert abs(nc - nq) / nq < 0.35 and big.parameter_count() > 10 * nq
