"""Jet-image metrics against values computed by hand, and the jet-image path through train/sample/evaluate."""

import json

import numpy as np
import pytest

from qhep.metrics.jets import girth, pixel_radii, qg_separation, radial_profile, radial_profile_error, separation_power

R = 0.4


def _image(pixels: int, hits: dict[tuple[int, int], float]) -> np.ndarray:
    img = np.zeros((pixels, pixels))
    for (iy, ix), f in hits.items():
        img[iy, ix] = f
    return img


def test_pixel_radii_are_the_pixel_centres_distances():
    r = pixel_radii(4, R).reshape(4, 4)
    half = 2 * R / 4 / 2  # a pixel is 2R/P wide; the centre pixels sit half a pixel off the axis
    assert r[1, 1] == pytest.approx(np.hypot(half, half))
    assert r[0, 0] == pytest.approx(np.hypot(3 * half, 3 * half))
    assert np.allclose(r, r.T) and np.allclose(r, r[::-1, ::-1])


def test_radial_profile_and_girth_of_known_images():
    # 8x8: centre pixels at r = 0.035 (annulus 0), corner pixel at r = 0.495 (clipped into the last annulus)
    a = _image(8, {(3, 3): 0.6, (0, 0): 0.2})
    b = _image(8, {(4, 4): 1.0})
    edges, prof = radial_profile(np.stack([a, b]), R)
    assert np.allclose(edges, np.linspace(0, R, 5))
    assert prof == pytest.approx([(0.6 + 1.0) / 2, 0, 0, 0.2 / 2])
    r = pixel_radii(8, R).reshape(8, 8)
    assert girth(np.stack([a, b]), R) == pytest.approx([(0.6 * r[3, 3] + 0.2 * r[0, 0]) / 0.8, r[4, 4]])
    assert radial_profile_error(np.stack([a, b]), np.stack([a, b]), R) == 0.0
    # doubling the outer deposit doubles that annulus: error = (0.1 / 0.1) / 2 annuli with real energy
    a2 = _image(8, {(3, 3): 0.6, (0, 0): 0.4})
    assert radial_profile_error(np.stack([a, b]), np.stack([a2, b]), R) == pytest.approx(0.5)


def test_separation_power_limits():
    edges = np.linspace(0, 1, 11)
    x = np.random.default_rng(0).uniform(0, 1, 5000)
    assert separation_power(x, x, edges) == 0.0
    assert separation_power(np.full(100, 0.05), np.full(100, 0.95), edges) == pytest.approx(1.0)
    # half overlap: p_a = (1/2, 1/2, 0), p_b = (0, 1/2, 1/2) -> 1/2 ((1/4)/(1/2) + 0 + (1/4)/(1/2)) = 1/2
    three = np.array([0.0, 1 / 3, 2 / 3, 1.0])
    assert separation_power(np.array([0.1, 0.5]), np.array([0.5, 0.9]), three) == pytest.approx(0.5)


def test_qg_separation_sees_wider_gluons_and_nothing_between_equal_samples():
    rng = np.random.default_rng(1)
    r = pixel_radii(8, R)

    def jets(width, n):
        w = np.exp(-(r[None, :] ** 2) / (2 * width**2)) * rng.gamma(2.0, 1.0, (n, 64))
        return w / w.sum(1, keepdims=True)

    q, g, q2 = jets(0.06, 2000), jets(0.15, 2000), jets(0.06, 2000)
    e = np.full(2000, 62.5)
    wide = qg_separation(q, g, e, e, R)
    same = qg_separation(q, q2, e, e, R)
    assert wide["girth_gluon"] > wide["girth_quark"]
    assert wide["girth_separation"] > 0.5 and wide["qg_auc"] > 0.9
    assert same["girth_separation"] < 0.02 and same["qg_auc"] < 0.56


@pytest.fixture(scope="module")
def jet_file(tmp_path_factory):
    """A small jet-image file: narrow 'quark' and wide 'gluon' jets of 55-70 GeV, 8x8."""
    from qhep.data.io import JetImages, write_jet_images

    rng = np.random.default_rng(2)
    r = pixel_radii(8, R)
    n = 600
    labels = np.repeat([1, 0], n)
    width = np.where(labels == 1, 0.06, 0.15)
    w = np.exp(-(r[None, :] ** 2) / (2 * width[:, None] ** 2)) * rng.gamma(1.0, 1.0, (2 * n, 64))
    w *= rng.uniform(0, 1, w.shape) < 0.5  # sparse, like real jet images
    w[:, 27] += 0.5
    images = (0.95 * w / w.sum(1, keepdims=True)).reshape(-1, 8, 8)
    path = tmp_path_factory.mktemp("jets") / "jets.h5"
    write_jet_images(path, JetImages(images.astype(np.float32), labels, rng.uniform(55, 70, 2 * n),
                                     {"pixels": 8, "radius_rad": R}))
    return path


def test_jet_images_read_as_showers_of_one_flavour(jet_file):
    from qhep.data.io import read_jet_images
    from qhep.errors import QhepError
    from qhep.models.base import ShowerData

    jets = read_jet_images(jet_file)
    gluon = ShowerData.from_file(str(jet_file), "gluon")
    keep = jets.labels == 0
    assert gluon.n_pixels == 64 and gluon.image_shape == (8, 8) and len(gluon.energies_gev) == keep.sum()
    np.testing.assert_allclose(gluon.showers_mev.sum(1) / 1000.0, jets.images[keep].sum((1, 2)) * jets.jet_energy[keep],
                               rtol=1e-6)
    np.testing.assert_allclose(gluon.response, 0.95, rtol=1e-5)  # the fraction of the jet energy in the window
    assert len(ShowerData.from_file(str(jet_file)).energies_gev) == len(jets.labels)
    with pytest.raises(ValueError, match="quark or gluon"):
        ShowerData.from_file(str(jet_file), "charm")
    from qhep.data.io import write_calo
    from qhep.data.showers import generate_showers

    s = generate_showers(10, (10, 100), geometry_name="8px", seed=1)
    calo = write_calo(jet_file.parent / "calo.h5", s.energies_gev, s.showers_mev, s.file_attributes())
    with pytest.raises((ValueError, QhepError), match="no quark/gluon labels"):
        ShowerData.from_file(str(calo), "quark")


def test_train_sample_and_evaluate_jet_images_from_the_command_line(jet_file, tmp_path, cli):
    from qhep.data.io import read_calo

    def ok(*args):
        result = cli(*args)
        assert result.code == 0, result.stderr
        return result.stdout

    gens = {}
    for flavour in ("quark", "gluon"):
        run = tmp_path / f"run-{flavour}"
        ok("train", "ddpm", "--data", jet_file, "--label", flavour, "--out", run, "--steps", "30", "--json")
        cfg = json.loads((run / "run.json").read_text())
        assert cfg["config"]["label"] == flavour and cfg["data_meta"]["image_shape"] == [8, 8]
        gens[flavour] = tmp_path / f"gen-{flavour}.h5"
        ok("sample", run, "--energies", jet_file, "--n", "200", "--out", gens[flavour], "--json")
    g = read_calo(gens["gluon"])
    assert g.showers_mev.shape == (200, 64) and g.energies_gev.min() >= 55 and g.energies_gev.max() <= 70
    doc = json.loads(ok("evaluate", "--real", jet_file, "--label", "gluon", "--generated", gens["gluon"],
                        "--bootstrap", "2", "--json"))
    assert doc["n"] == 200 and doc["metrics"]["real-vs-real"]["classifier_auc"]["value"] < 0.65
    doc = json.loads(ok("evaluate-jets", "--real", jet_file, "--quark", gens["quark"], "--gluon", gens["gluon"],
                        "--json"))
    real = doc["real"]
    assert real["girth_gluon"] > real["girth_quark"] and real["qg_auc"] > 0.8
    assert set(doc["radial_profile_error"]) == {"quark", "gluon"}
    assert len(doc["profiles"]["quark"]["real"]) == 4
