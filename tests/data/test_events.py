"""Pythia events: LEP values at the Z pole, truth partons, selections, Pythia's thrust vs an exact one."""


import h5py
import numpy as np
import pytest

from qhep.data.events import Selection, generate_events
from qhep.data.io import read_events, write_events
from qhep.errors import SchemaError
from qhep.jets.thrust import exact_thrust


@pytest.fixture(scope="module")
def zpole():
    return generate_events(3000, "ee-z", seed=11)


def test_z_pole_matches_lep(zpole):
    charged = np.add.reduceat((zpole.charge != 0).astype(int), zpole.offsets[:-1])
    assert 20.0 < charged.mean() < 22.0  # LEP: about 21
    assert np.mean(1 - zpole.thrust) == pytest.approx(0.066, abs=0.004)  # LEP: about 0.066
    assert zpole.ecm == pytest.approx(91.1876)


def test_energy_momentum_balance(zpole):
    e = np.add.reduceat(zpole.p4[:, 3], zpole.offsets[:-1])
    p = np.add.reduceat(zpole.p4[:, :3], zpole.offsets[:-1], axis=0)
    assert (e <= 91.1876 + 1e-6).all()
    # events with (almost) all energy visible balance momentum; neutrinos from heavy-flavour decays do not
    full = e > 91.1876 - 1e-6
    assert full.mean() > 0.5
    np.testing.assert_allclose(p[full], 0, atol=1e-6)


def test_truth_partons(zpole):
    n_partons = np.diff(zpole.parton_offsets)
    assert (n_partons == 2).all()
    pdg = zpole.parton_pdg.reshape(-1, 2)
    assert (pdg.sum(1) == 0).all() and set(np.abs(pdg[:, 0])) <= {1, 2, 3, 4, 5}
    np.testing.assert_allclose(zpole.parton_p4[:, 3].reshape(-1, 2).sum(1), 91.1876, rtol=1e-6)


def test_pythia_thrust_equals_exact_thrust_on_stored_particles():
    ev = generate_events(100, "ee-z", seed=3, selection=Selection(charged_only=True, e_min=0.5))
    assert (ev.charge != 0).all() and (ev.p4[:, 3] >= 0.5).all()
    for k in range(ev.n_events):
        t, axis = exact_thrust(ev.particles(k))
        assert t == pytest.approx(ev.thrust[k], abs=1e-9)
        assert abs(axis @ ev.thrust_axis[k]) == pytest.approx(1.0, abs=1e-9)


def test_acceptance_cut():
    ev = generate_events(50, "ee-z", seed=4, selection=Selection(cos_max=0.8))
    cos = np.abs(ev.p4[:, 2]) / np.linalg.norm(ev.p4[:, :3], axis=1)
    assert cos.max() <= 0.8


@pytest.mark.parametrize("process, n_partons, flavours",
                         [("ee-zh", 4, {5}), ("ee-gg", 2, {21}), ("ee-qq", 2, {1, 2, 3})])
def test_other_processes(process, n_partons, flavours):
    ev = generate_events(30, process, seed=2)
    assert (np.diff(ev.parton_offsets) == n_partons).all()
    assert flavours <= set(np.abs(ev.parton_pdg)) <= flavours | {1, 2, 3, 4, 5}
    if process == "ee-gg":
        np.testing.assert_allclose(ev.parton_p4[:, 3], 62.5, rtol=1e-3)  # gluon jets at ecm / 2 = 62.5 GeV


def test_round_trip_and_cli(tmp_path, zpole, cli):
    path = write_events(tmp_path / "z.h5", zpole)
    back = read_events(path)
    for name in ("p4", "pdg", "charge", "offsets", "parton_p4", "parton_pdg", "thrust", "thrust_axis", "sphericity"):
        np.testing.assert_array_equal(getattr(back, name), getattr(zpole, name))
    assert back.settings["process"] == "ee-z" and back.settings["seed"] == 11
    out = tmp_path / "cli.h5"
    proc = cli("data", "events", "--process", "ee-gg", "--n", "20", "--out", out, "--json", "--seed", "5")
    assert proc.returncode == 0, proc.stderr
    assert '"n": 20' in proc.stdout and read_events(out).n_events == 20


@pytest.mark.parametrize("field, change, message", [
    ("particles/offsets", lambda a: a[:-1], "expected N + 1"),
    ("particles/offsets", lambda a: np.concatenate([[1], a[1:]]), "must start at 0"),
    ("particles/offsets", lambda a: np.concatenate([a[:-1], [a[-1] + 5]]), "offsets add up to"),
    ("particles/e", lambda a: -a, "negative"),
    ("particles/px", lambda a: np.full_like(a, np.nan), "NaN"),
    ("partons/pdg", lambda a: a.astype(float), "integer"),
])
def test_corrupted_event_files(tmp_path, zpole, field, change, message):
    path = write_events(tmp_path / "z.h5", zpole)
    with h5py.File(path, "a") as fh:
        data = change(fh[field][...])
        del fh[field]
        fh[field] = data
    with pytest.raises(SchemaError) as err:
        read_events(path)
    assert str(path) in str(err.value) and message in str(err.value)
    where = field if message != "offsets add up to" else "particles/"
    assert where in str(err.value)


def test_cli_error_is_one_line(tmp_path, cli):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    proc = cli("data", "plot", bad)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "bad.h5" in proc.stderr
