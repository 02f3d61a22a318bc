"""The qhep command: JSON output and one-line errors on bad input.

Commands run in-process through the ``cli`` fixture (``tests/conftest.py``); one test runs
``python -m qhep.cli`` as a real process, the proof that the entry point works.
"""

import json
import os
import subprocess
import sys

import pytest

GHZ2 = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n'
GHZ3_V3 = ('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[3] q;\nbit[3] c;\nh q[0];\ncx q[0], q[1];\n'
           'cx q[1], q[2];\nc = measure q;\n')


@pytest.fixture
def files(tmp_path):
    (tmp_path / "ghz2.qasm").write_text(GHZ2)
    (tmp_path / "ghz3.qasm").write_text(GHZ3_V3)
    (tmp_path / "bad.qasm").write_text("OPENQASM 2.0;\nqreg q[2];\nfoo q[0];\n")
    return tmp_path


def test_counts_json_qasm2(files, cli):
    proc = cli("run", str(files / "ghz2.qasm"), "--shots", "500", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc["counts"]["c"]) == {"00", "11"} and sum(doc["counts"]["c"].values()) == 500


def test_expectation_values_qasm3_on_fake_device_with_mitigation(files, cli):
    proc = cli("run", str(files / "ghz3.qasm"), "--backend", "fake:torino", "--observable", "ZZI",
                "--observable", "XXX", "--mitigation", "readout", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    zz, xxx = doc["expectation_values"]
    assert zz["observable"] == "ZZI" and 0.7 < zz["value"] < 1.1 and zz["std"] > 0
    assert doc["metadata"]["mitigation"] == {"readout": "client"}


def test_quasi_probabilities_with_readout(files, cli):
    proc = cli("run", str(files / "ghz2.qasm"), "--backend", "fake:torino", "--mitigation", "readout", "--json")
    doc = json.loads(proc.stdout)
    assert sum(doc["quasi_probabilities"].values()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    "args, message",
    [
        (["bad.qasm"], "not a valid OpenQASM file"),
        (["missing.qasm"], "cannot read file"),
        (["ghz2.qasm", "--observable", "ZZZ"], "acts on 3 qubits"),
        (["ghz2.qasm", "--observable", "QQ"], "cannot read observable"),
        (["ghz2.qasm", "--backend", "fake:torinoo"], "did you mean torino"),
        (["ghz2.qasm", "--backend", "quantum"], "cannot parse backend"),
        (["ghz2.qasm", "--shots", "0"], "--shots"),
        (["ghz2.qasm", "--mitigation", "magic"], "unknown mitigation"),
        (["ghz2.qasm", "--mitigation", "zne"], "expectation values"),
    ],
)
def test_bad_input_is_one_line(files, cli, args, message):
    args = [str(files / a) if a.endswith(".qasm") else a for a in args]
    proc = cli("run", *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_jobs_show_unknown_id(cli):
    proc = cli("jobs", "show", "nope")
    assert proc.returncode == 2 and "no job 'nope'" in proc.stderr


def test_the_entry_point_runs_as_a_process(files):
    """The one real process: ``python -m qhep.cli`` parses, runs, prints JSON and exits 0."""
    proc = subprocess.run([sys.executable, "-m", "qhep.cli", "run", str(files / "ghz2.qasm"), "--shots", "100",
                           "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sum(json.loads(proc.stdout)["counts"]["c"].values()) == 100


def test_main_takes_argv_and_returns_the_exit_status(files, capsys):
    from qhep.cli import main

    assert main(["run", str(files / "ghz2.qasm"), "--shots", "10"]) == 0
    assert main(["run", str(files / "missing.qasm")]) == 2  # bad input: returned, not raised
    for argv, code in ((["--version"], 0), (["run"], 2), (["nosuchcommand"], 2)):  # argparse raises SystemExit
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == code
    out, err = capsys.readouterr()
    assert "qhep 0." in out and "cannot read file" in err and "invalid choice: 'nosuchcommand'" in err


def test_the_cli_fixture_leaves_the_process_as_it_found_it(files, cli, monkeypatch, tmp_path):
    import torch

    import qhep.data.cli as data_cli

    def meddle(args):
        os.environ["QHEP_MEDDLED"] = "1"
        os.chdir(tmp_path)
        torch.set_num_threads(torch.get_num_threads() + 1)
        torch.manual_seed(0)
        print("meddled")
        return 3

    monkeypatch.setattr(data_cli, "cmd_plot", meddle)
    cwd, threads, rng = os.getcwd(), torch.get_num_threads(), torch.random.get_rng_state()
    result = cli("data", "plot", "x.h5")
    assert (result.code, result.stdout, result.stderr) == (3, "meddled\n", "")
    assert "QHEP_MEDDLED" not in os.environ and os.getcwd() == cwd and torch.get_num_threads() == threads
    assert torch.equal(torch.random.get_rng_state(), rng)
    assert cli("--version").code == 0 and cli("run").code == 2


def test_data_showers_streams_chunks_into_the_same_file_write_calo_makes(tmp_path, monkeypatch, cli):
    import numpy as np

    import qhep.data.cli as data_cli
    from qhep.data.io import read_calo, write_calo
    from qhep.data.showers import generate_showers

    monkeypatch.setattr(data_cli, "SHOWER_CHUNK", 7)  # 20 showers in 3 chunks
    assert cli("data", "showers", "--n", "20", "--seed", "5", "--out", tmp_path / "s.h5", "--json").code == 0
    rng = np.random.default_rng(5)  # the chunks made by hand, held in memory, written at once
    parts = [generate_showers(size, (10.0, 100.0), seed=int(rng.integers(2**31))) for size in (7, 7, 6)]
    parts[-1].settings["seed"] = 5
    write_calo(tmp_path / "ref.h5", np.concatenate([p.energies_gev for p in parts]),
               np.concatenate([p.showers_mev for p in parts]), parts[-1].file_attributes())
    got, ref = read_calo(tmp_path / "s.h5"), read_calo(tmp_path / "ref.h5")
    np.testing.assert_array_equal(got.showers_mev, ref.showers_mev)
    np.testing.assert_array_equal(got.energies_gev, ref.energies_gev)
    assert got.attrs == ref.attrs
    assert oct((tmp_path / "s.h5").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
