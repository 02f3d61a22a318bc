"""``qhep data plot``: jet images drawn as jet images, every axis and colour bar labelled with units."""

import numpy as np
import pytest

from qhep.data.io import write_calo, write_jet_images
from qhep.data.jet_images import JetImages
from qhep.data.plots import plot_file


@pytest.fixture
def figures(monkeypatch):
    """The figures plot_file saves, kept open for inspection."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    saved, original = [], Figure.savefig

    def keep(fig, *args, **kwargs):
        saved.append(fig)
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return saved


def _jets(n=40, p=6):
    rng = np.random.default_rng(0)
    img = rng.random((n, p, p)).astype(np.float32) / p**2
    img[0] = 0.0
    return JetImages(img, (np.arange(n) % 2).astype(np.int8), rng.uniform(50, 150, n),
                     {"pixels": p, "radius_rad": 0.4, "mode": "hemisphere"})


def _labelled(fig):
    image_axes = [ax for ax in fig.axes if ax.images]
    colorbars = [ax for ax in fig.axes if not ax.images and ax.get_ylabel()]
    return image_axes, colorbars


def test_jet_image_file_is_drawn_as_jet_images_with_units(tmp_path, figures):
    path = write_jet_images(tmp_path / "j.h5", _jets())
    doc = plot_file(path, tmp_path / "j.png")
    assert doc["kind"] == "jet-images" and doc["quark"] == 20 and (tmp_path / "j.png").stat().st_size > 5000
    image_axes, colorbars = _labelled(figures[-1])
    assert len(image_axes) == 2
    for ax in image_axes:
        assert "[rad]" in ax.get_xlabel() and "[rad]" in ax.get_ylabel()
        assert "jet image" in ax.get_title() and "?" not in ax.get_title()
        assert ax.images[0].get_extent() == [-0.4, 0.4, -0.4, 0.4]
    assert any("E_pixel / E_jet" in ax.get_ylabel() for ax in colorbars)
    assert "jet images" in figures[-1]._suptitle.get_text()


def test_generated_jet_images_are_drawn_as_jet_images_not_showers(tmp_path, figures):
    j = _jets(p=4)
    e = j.jet_energy
    attrs = {"generator": "gan", "backend": "statevector", "image_shape": [4, 4], "data_kind": "jet-images",
             "label": "gluon", "radius_rad": 0.4}
    path = write_calo(tmp_path / "g.h5", e, j.images.reshape(len(e), 16) * e[:, None] * 1000.0, attrs)
    plot_file(path, tmp_path / "g.png")
    fig = figures[-1]
    image_axes, colorbars = _labelled(fig)
    assert len(image_axes) == 1 and "generated gluon" in image_axes[0].get_title()
    assert colorbars and "?" not in fig._suptitle.get_text() and "gan" in fig._suptitle.get_text()


def test_generated_showers_have_a_title_without_question_marks(tmp_path, figures):
    rng = np.random.default_rng(1)
    path = write_calo(tmp_path / "s.h5", rng.uniform(10, 100, 30), rng.random((30, 8)) * 1000,
                      {"generator": "qdenoiser", "backend": "fake:torino"})
    plot_file(path, tmp_path / "s.png")
    fig = figures[-1]
    assert "?" not in fig._suptitle.get_text() and "qdenoiser" in fig._suptitle.get_text()
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
