
import h5py
import numpy as np
import pytest

from qhep.data import generate_showers, read_calo, write_calo
from qhep.errors import SchemaError


@pytest.fixture
def good(tmp_path):
    s = generate_showers(50, (10, 100), geometry_name="8x8", seed=1)
    path = write_calo(tmp_path / "s.h5", s.energies_gev, s.showers_mev, {"geometry": "8x8", "seed": 1,
                                                                          "edges": [0.0, 0.1]})
    return path, s


def test_round_trip(good):
    path, s = good
    f = read_calo(path)
    np.testing.assert_allclose(f.energies_gev, s.energies_gev)
    np.testing.assert_allclose(f.showers_mev, s.showers_mev, rtol=1e-6)
    assert f.attrs["geometry"] == "8x8" and f.attrs["edges"] == [0.0, 0.1] and f.attrs["energy_unit"] == "MeV"
    with h5py.File(path) as fh:  # CaloChallenge layout: MeV, (N, 1)
        assert fh["incident_energies"].shape == (50, 1)
        np.testing.assert_allclose(fh["incident_energies"][:, 0], s.energies_gev * 1000)


def _rewrite(path, **datasets):
    with h5py.File(path, "w") as fh:
        for k, v in datasets.items():
            fh.create_dataset(k, data=v)


@pytest.mark.parametrize(
    "datasets, field, message",
    [
        ({"showers": np.ones((3, 8))}, "incident_energies", "missing"),
        ({"incident_energies": np.ones((3, 2)), "showers": np.ones((3, 8))}, "incident_energies", "expected (N, 1)"),
        ({"incident_energies": np.ones((3, 1)), "showers": np.ones((4, 8))}, "showers", "4 rows"),
        ({"incident_energies": np.ones((3, 1)), "showers": np.ones((3, 8), dtype=np.int32)}, "showers", "dtype"),
        ({"incident_energies": np.ones((3, 1)), "showers": np.full((3, 8), np.nan)}, "showers", "NaN"),
        ({"incident_energies": np.ones((3, 1)), "showers": -np.ones((3, 8))}, "showers", "negative"),
    ],
)
def test_corrupted_files_name_file_and_field(tmp_path, datasets, field, message):
    path = tmp_path / "bad.h5"
    _rewrite(path, **datasets)
    with pytest.raises(SchemaError) as err:
        read_calo(path)
    assert str(path) in str(err.value) and f"'{field}'" in str(err.value) and message in str(err.value)


def test_truncated_file(good, tmp_path):
    path, _ = good
    data = path.read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SchemaError, match="cut.h5"):
        read_calo(cut)


def test_interrupted_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.h5"
    with pytest.raises(RuntimeError):
        from qhep.data.io import atomic_h5

        with atomic_h5(target) as fh:
            fh.create_dataset("x", data=np.ones(3))
            raise RuntimeError("killed")
    assert not target.exists() and not list(tmp_path.glob("*.tmp"))


def test_cli_writes_a_valid_file(tmp_path, cli):
    out = tmp_path / "s.h5"
    proc = cli("data", "showers", "--n", "300", "--energy", "10:100", "--geometry", "8px", "--out", out, "--json",
               "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    f = read_calo(out)
    assert f.showers_mev.shape == (300, 8) and f.attrs["seed"] == 3
    assert f.attrs["generator_settings"]["generator"] == "grindhammer-peters"
    assert 10 <= f.energies_gev.min() and f.energies_gev.max() <= 100
    bad = cli("data", "showers", "--n", "5", "--energy", "100:10", "--out", tmp_path / "x.h5")
    assert bad.returncode == 2 and "EMIN <= EMAX" in bad.stderr and "Traceback" not in bad.stderr
