"""Transforms: down-sampling conserves energy block by block, normalisation inverts, fractions."""

import numpy as np
import pytest

from qhep.data.transforms import PixelNormalizer, downsample, energy_fractions, from_fractions


def test_downsample_sums_blocks():
    rng = np.random.default_rng(0)
    x = rng.gamma(1.0, size=(5, 8 * 8))
    y = downsample(x, (8, 8), (2, 4))
    assert y.shape == (5, 8)
    cube = x.reshape(5, 8, 8)
    assert y[2, 1 * 2 + 1] == pytest.approx(cube[2, 2:4, 4:8].sum())
    np.testing.assert_allclose(y.sum(1), x.sum(1))
    with pytest.raises(ValueError, match="not divisible"):
        downsample(x, (8, 8), (3, 1))


@pytest.mark.parametrize("log", [False, True])
def test_normalizer_inverse(log):
    rng = np.random.default_rng(1)
    x = rng.gamma(2.0, 10.0, size=(200, 8))
    x[:, 3] = 0.0  # a dead pixel keeps std 1 instead of dividing by zero
    norm = PixelNormalizer(log=log).fit(x)
    z = norm.transform(x)
    np.testing.assert_allclose(z[:, [0, 1, 2, 4]].mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(z[:, [0, 1, 2, 4]].std(0), 1, atol=1e-9)
    np.testing.assert_allclose(norm.inverse(z), x, atol=1e-9)
    again = PixelNormalizer.from_state(norm.state())
    np.testing.assert_allclose(again.transform(x), z)


def test_energy_fractions():
    x = np.array([[1.0, 3.0], [0.0, 0.0]])
    f, t = energy_fractions(x)
    np.testing.assert_allclose(f, [[0.25, 0.75], [0, 0]])
    np.testing.assert_allclose(from_fractions(f, t), x)
