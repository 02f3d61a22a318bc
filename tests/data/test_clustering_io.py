"""Clustering files (``qhep jets cluster`` output): round trip, and one-line errors on corrupted files."""

import h5py
import numpy as np
import pytest

from qhep.data.io import JetClustering, read_clustering, write_clustering
from qhep.errors import SchemaError


def _thrust_clustering(n_particles=(3, 5, 2)):
    rng = np.random.default_rng(0)
    n = len(n_particles)
    offsets = np.concatenate([[0], np.cumsum(n_particles)]).astype(np.int64)
    exact = rng.uniform(0.7, 1.0, n)
    columns = {"thrust": exact * 0.99, "exact_thrust": exact, "floor_thrust": exact,
               "n_particles": np.asarray(n_particles), "n_qubits": np.asarray(n_particles) - 1,
               "p_optimum": np.full(n, np.nan), "optimum_found": np.array([1.0, 0.0, np.nan]),
               "seconds": rng.uniform(0, 1, n)}
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=int(offsets[-1]))
    attrs = {"method": "qaoa", "backend": "statevector", "events": "e.h5", "reps": 2, "shots": 1000,
             "max_qubits": 0, "seed": 0, "mitigation": ""}
    return JetClustering("jets", columns, spins, offsets, attrs)


def test_round_trip_keeps_columns_assignments_and_settings(tmp_path):
    c = _thrust_clustering()
    path = write_clustering(tmp_path / "j.h5", c)
    back = read_clustering(path)
    assert back.kind == "jets" and back.n_events == 3
    assert list(back.columns) == list(c.columns)
    for key, values in c.columns.items():
        np.testing.assert_array_equal(back.columns[key], values)
        assert back.columns[key].dtype == np.asarray(values).dtype
    np.testing.assert_array_equal(back.assignments, c.assignments)
    np.testing.assert_array_equal(back.event(1), c.assignments[3:8])
    assert {k: back.attrs[k] for k in c.attrs} == c.attrs and back.attrs["qhep_kind"] == "jets"
    with h5py.File(path) as fh:  # the layout qhep jets evaluate and older readers expect
        assert {"spins", "offsets", "thrust"} <= set(fh) and fh["spins"].dtype == np.int8


def test_kjets_round_trip_and_files_without_a_floor_column(tmp_path):
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3, 3], dtype=np.int8)
    cols = {"objective": np.array([5.0, 6.0]), "proto_optimum": np.array([5.0, np.nan]),
            "n_particles": np.array([4, 5]), "n_qubits": np.array([6, 8]), "p_optimum": np.full(2, np.nan),
            "optimum_found": np.array([1.0, 1.0]), "median_parton_angle": np.array([0.1, np.nan]),
            "seconds": np.array([0.1, 0.2])}
    c = JetClustering("kjets", cols, labels, np.array([0, 4, 9]), {"method": "sa", "events": "zh.h5", "jets": 4,
                                                                   "radius": 0.6})
    back = read_clustering(write_clustering(tmp_path / "k.h5", c))
    assert back.kind == "kjets" and back.attrs["jets"] == 4 and back.attrs["radius"] == 0.6
    np.testing.assert_array_equal(back.assignments, labels)
    old = _thrust_clustering()
    del old.columns["floor_thrust"]
    assert "floor_thrust" not in read_clustering(write_clustering(tmp_path / "old.h5", old)).columns


def _corrupt(path, edit):
    with h5py.File(path, "r+") as fh:
        edit(fh)


def _replace(name, data):
    def edit(fh):
        del fh[name]
        fh.create_dataset(name, data=data)
    return edit


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda fh: fh.attrs.__setitem__("qhep_kind", "calo"), "not a 'qhep jets cluster' output"),
        (lambda fh: fh.__delitem__("thrust"), "field 'thrust': missing"),
        (_replace("thrust", np.ones(4)), "field 'thrust': shape (4,), expected (3,)"),
        (_replace("thrust", np.array([0.9, np.nan, 0.8])), "field 'thrust': 1 NaN"),
        (_replace("n_qubits", np.ones(3)), "field 'n_qubits': dtype float64"),
        (_replace("offsets", np.array([0, 3, 2, 10])), "field 'offsets': must be non-decreasing"),
        (_replace("offsets", np.array([1, 3, 8, 10])), "field 'offsets': must start at 0"),
        (_replace("n_particles", np.array([3, 5, 3])), "field 'n_particles': does not match"),
        (_replace("spins", np.zeros(10, dtype=np.int8)), "field 'spins': spins must be -1 or +1"),
        (_replace("spins", np.ones(9, dtype=np.int8)), "field 'spins': shape (9,), expected (10,)"),
        (lambda fh: fh.attrs.__delitem__("events"), "attribute 'events' missing"),
    ],
)
def test_corrupted_clustering_file_is_one_line_naming_file_and_problem(tmp_path, edit, message):
    path = write_clustering(tmp_path / "bad.h5", _thrust_clustering())
    _corrupt(path, edit)
    with pytest.raises(SchemaError) as err:
        read_clustering(path)
    text = str(err.value)
    assert str(path) in text and message in text and "\n" not in text


def test_truncated_or_missing_clustering_file(tmp_path):
    path = write_clustering(tmp_path / "j.h5", _thrust_clustering())
    cut = tmp_path / "cut.h5"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    for bad, message in ((cut, "not a readable HDF5 file"), (tmp_path / "none.h5", "no such file")):
        with pytest.raises(SchemaError) as err:
            read_clustering(bad)
        assert str(bad) in str(err.value) and message in str(err.value) and "\n" not in str(err.value)


def test_inconsistent_clustering_is_refused_without_writing(tmp_path):
    c = _thrust_clustering()
    c.columns["thrust"] = c.columns["thrust"][:2]
    with pytest.raises(SchemaError, match="column 'thrust' has shape"):
        write_clustering(tmp_path / "j.h5", c)
    c = _thrust_clustering()
    with pytest.raises(SchemaError, match="offsets end at 10, but there are 9 assignments"):
        write_clustering(tmp_path / "j.h5", JetClustering("jets", c.columns, c.assignments[:9], c.offsets, c.attrs))
    assert list(tmp_path.iterdir()) == []
