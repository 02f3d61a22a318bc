"""cluster_events and evaluate_clustering: the library behind ``qhep jets cluster`` / ``evaluate``."""

import json
import subprocess
import sys

import numpy as np
import pytest

from qhep.data.events import Selection, generate_events
from qhep.data.io import read_clustering, write_clustering, write_events
from qhep.jets import cluster_events, evaluate_clustering
from qhep.jets.solve import precluster_floor, solve_event
from qhep.jets.thrust import exact_thrust


@pytest.fixture(scope="module")
def events():
    return generate_events(6, "ee-z", seed=5, selection=Selection(charged_only=True, e_min=0.5))


def test_cluster_events_solves_each_event_with_its_own_seed(events):
    res = cluster_events(events, "sa", n_events=4, max_qubits=10, seed=3)
    assert res.kind == "jets" and res.n_events == 4
    np.testing.assert_array_equal(np.diff(res.offsets), events.multiplicity[:4])
    for k in range(4):
        p = events.particles(k)
        sol = solve_event(p, "sa", max_qubits=10, seed=3 + k)
        np.testing.assert_array_equal(res.event(k), sol.spins)
        assert res.columns["thrust"][k] == sol.thrust
        assert res.columns["exact_thrust"][k] == exact_thrust(p)[0]
        assert res.columns["floor_thrust"][k] == precluster_floor(p, 11)
    assert res.attrs["method"] == "sa" and res.attrs["max_qubits"] == 10 and res.attrs["events"] == ""


def test_cli_writes_what_cluster_events_returns(tmp_path, events):
    path = write_events(tmp_path / "e.h5", events)
    out = tmp_path / "j.h5"
    subprocess.run([sys.executable, "-m", "qhep.cli", "jets", "cluster", "--events", str(path), "--method", "qaoa",
                    "--out", str(out), "--n-events", "3", "--max-qubits", "8", "--reps", "1", "--shots", "200",
                    "--seed", "2", "--json"], check=True, capture_output=True, text=True)
    ours = cluster_events(path, "qaoa", n_events=3, max_qubits=8, reps=1, shots=200, seed=2)
    cli = read_clustering(out)
    np.testing.assert_array_equal(cli.assignments, ours.assignments)
    np.testing.assert_array_equal(cli.offsets, ours.offsets)
    for key in ours.columns:
        if key != "seconds":
            np.testing.assert_array_equal(cli.columns[key], ours.columns[key])
    assert cli.attrs["events"] == str(path) == ours.attrs["events"]
    ev = json.loads(subprocess.run([sys.executable, "-m", "qhep.cli", "jets", "evaluate", str(out), "--json"],
                                   check=True, capture_output=True, text=True).stdout)
    lib = evaluate_clustering(cli)
    assert ev["file"] == str(out) and ev["events"] == lib["events"] == 3
    assert ev["all"]["within_1pct"] == lib["all"]["within_1pct"]
    assert ev["all"]["assignment_efficiency"] == pytest.approx(lib["all"]["assignment_efficiency"])


def test_evaluate_an_exact_clustering(tmp_path, events):
    res = cluster_events(events, "exact-thrust", n_events=5)
    doc = evaluate_clustering(read_clustering(write_clustering(tmp_path / "x.h5", res)), events)
    assert doc["method"] == "exact-thrust" and doc["events"] == 5
    assert doc["all"]["exact_found"] == 1.0 and doc["all"]["assignment_efficiency"] == 1.0
    assert sum(r["events"] for r in doc["by_particles"]) == 5


def test_cluster_events_refuses_bad_requests_in_one_line(events):
    wide = generate_events(2, "ee-z", seed=1)
    with pytest.raises(ValueError, match="qubits with --method brute-force"):
        cluster_events(wide, "brute-force")
    with pytest.raises(ValueError, match="2 hemispheres only"):
        cluster_events(events, "exact-thrust", jets=4)
    with pytest.raises(ValueError, match="unknown method"):
        cluster_events(events, "kmeans")
