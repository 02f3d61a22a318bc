"""GANs on jet-image files with all-zero images: the real fractions of an empty image are 0, not 0 / 0."""

import json

import numpy as np
import pytest

from qhep.data.io import write_jet_images
from qhep.data.jet_images import JetImages
from qhep.models import load_run, train


@pytest.fixture(scope="module")
def jets_with_empty_images(tmp_path_factory):
    rng = np.random.default_rng(0)
    n, p = 300, 4
    img = rng.gamma(0.3, 1.0, (n, p, p)) * (rng.random((n, p, p)) < 0.4)
    img = img / np.maximum(img.sum((1, 2), keepdims=True), 1e-12) * rng.uniform(0.7, 1.0, (n, 1, 1))
    img[::7] = 0.0  # 43 empty images, in both flavours
    labels = (np.arange(n) % 2).astype(np.int8)
    path = tmp_path_factory.mktemp("jets") / "jets.h5"
    return str(write_jet_images(path, JetImages(img.astype(np.float32), labels, rng.uniform(50, 150, n),
                                                {"pixels": p})))


@pytest.mark.parametrize("name", ["gan", "qgan"])
def test_gans_train_on_jet_images_with_empty_images_to_finite_losses_and_samples(jets_with_empty_images, tmp_path,
                                                                                 name):
    run = tmp_path / name
    train(name, jets_with_empty_images, str(run), steps=15, seed=0, progress=False,
          config={"label": "quark", "batch": 64})
    history = json.loads((run / "losses.json").read_text())
    for key in ("loss_d", "loss_g", "monitor"):
        assert len(history[key]) > 0 and np.isfinite(history[key]).all(), key
    model, _ = load_run(str(run))
    fake = model.generate(np.linspace(60, 140, 50), seed=1)
    assert fake.shape == (50, 16) and np.isfinite(fake).all()
