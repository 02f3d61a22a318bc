"""Every option of every ``qhep`` command has a help text, and the help states the default it uses."""

import argparse

from qhep.cli import build_parser


def _parsers(parser, prefix=()):
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*prefix, name))


def test_every_option_has_help_that_states_its_default():
    missing, undocumented = [], []
    for path, parser in _parsers(build_parser()):
        formatter = parser._get_formatter()
        for action in parser._actions:
            if not action.option_strings or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                continue
            where = " ".join(path) + " " + action.option_strings[-1]
            if not action.help:
                missing.append(where)
                continue
            text = formatter._get_help_string(action) % {"default": action.default}
            if action.default not in (None, False) and "default" not in text:
                undocumented.append(where)
    assert not missing, f"options without help: {missing}"
    assert not undocumented, f"options whose help does not state the default: {undocumented}"


def test_seed_help_states_the_default_each_command_really_uses():
    parsers = dict(_parsers(build_parser()))
    for path, parser in parsers.items():
        seed = next((a for a in parser._actions if "--seed" in a.option_strings), None)
        if seed is None:
            continue
        text = " ".join(parser.format_help().split())
        if path == ("train",):
            assert seed.default == 0 and "default 0" in text
        elif path == ("noise-study",):
            assert seed.default is None and "study YAML's seed" in text
        else:
            assert seed.default == 1234 and "default 1234" in text, path


def test_four_jet_option_names_the_four_parton_process():
    parser = dict(_parsers(build_parser()))[("jets", "cluster")]
    jets = next(a for a in parser._actions if "--jets" in a.option_strings)
    assert "ee-zh" in jets.help and "four partons" in jets.help


def test_summaries_print_n_a_with_the_reason_never_nan():
    from qhep.cliutil import fmt

    assert fmt(float("nan"), ".1%", "no events") == "n/a (no events)"
    assert fmt(0.25, ".1%") == "25.0%" and fmt(3, "d") == "3"


def test_durham_summaries_never_print_nan(tmp_path):
    import io
    from contextlib import redirect_stdout

    import numpy as np

    from qhep.cli import main
    from qhep.data.io import JetClustering, write_clustering

    path = tmp_path / "jets.h5"  # a 'qhep jets cluster --jets 4' output of a reference method: no optimum, no partons
    nan = np.full(2, np.nan)
    cols = {"objective": np.array([1.0, 2.0]), "proto_optimum": nan, "n_particles": np.array([20, 30]),
            "n_qubits": np.zeros(2, dtype=int), "p_optimum": nan, "optimum_found": nan, "median_parton_angle": nan,
            "seconds": np.array([0.1, 0.1])}
    write_clustering(path, JetClustering("kjets", cols, np.zeros(50, dtype=np.int8), np.array([0, 20, 50]),
                                         {"method": "durham", "events": "x.h5", "jets": 4, "radius": 0.6}))
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["jets", "evaluate", str(path)]) == 0
    text = out.getvalue()
    assert "nan" not in text.lower() and "n/a (no event has as many truth partons as jets)" in text


def test_noise_study_format_is_documented_in_the_repository():
    from pathlib import Path

    root = Path(__file__).parents[1]
    doc = (root / "docs" / "noise_study.md").read_text()
    from qhep.studies.study import STUDY_KEYS, TASK_KEYS

    assert all(f"`{key}`" in doc for key in STUDY_KEYS + TASK_KEYS)
    assert "docs/noise_study.md" in (root / "README.md").read_text()
