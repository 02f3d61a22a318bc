"""Typed model configs: misspelt keys refused by name, and the dataclasses in step with the models' code."""

import ast
import dataclasses
import inspect
import textwrap

import pytest

from qhep.models.config import CONFIGS, ConfigError, TrainingConfig, check_config, config_of
from qhep.models.names import MODELS
from qhep.models.training import DEFAULTS, _models, train


def _reads(source: str) -> dict[str, object]:
    """Keys a piece of code reads from a config mapping, with their literal defaults (... if computed)."""
    keys: dict[str, object] = {}
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if name in ("config", "cfg") and node.args and isinstance(node.args[0], ast.Constant):
                try:
                    default = ast.literal_eval(node.args[1]) if len(node.args) > 1 else None
                except ValueError:
                    default = ...
                keys[node.args[0].value] = default
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
                getattr(node.value, "id", getattr(node.value, "attr", None)) in ("config", "cfg"):
            keys.setdefault(node.slice.value, None)
    return keys


def test_every_model_has_a_typed_config():
    assert set(CONFIGS) == set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_the_dataclass_declares_every_key_the_model_reads_with_its_default(name):
    reads = _reads(inspect.getsource(train))
    for cls in _models()[name].__mro__:
        if cls.__module__.startswith("qhep.models"):
            # the most derived class's default wins (it overrides the base's method); a base fills a missing one
            reads.update({k: v for k, v in _reads(inspect.getsource(cls)).items()
                          if k not in reads or (reads[k] is None and v is not None)})
    fields = {f.name: f.default for f in dataclasses.fields(CONFIGS[name])}
    undeclared = sorted(set(reads) - set(fields))
    assert not undeclared, f"{name} reads {undeclared}: add them to its dataclass in qhep/models/config.py"
    for key, default in reads.items():
        declared = fields[key]
        if key in DEFAULTS.get(name, {}):  # training's defaults win over the model's
            assert declared == DEFAULTS[name][key], f"{name}.{key}"
        elif default is ...:  # the model derives it from the data
            assert declared is None, f"{name}.{key}: the model computes its default; declare None"
        elif default is not None:
            assert (list(declared) if isinstance(declared, tuple) else declared) == \
                (list(default) if isinstance(default, tuple) else default), f"{name}.{key}"
    own = {f.name for f in dataclasses.fields(CONFIGS[name])} - {f.name for f in dataclasses.fields(TrainingConfig)}
    assert own <= set(reads), f"{name} declares keys no code reads: {sorted(own - set(reads))}"


def test_misspelt_and_mistyped_keys_are_refused_by_name():
    with pytest.raises(ConfigError, match=r"unknown key 'latnet_qubits' \(did you mean 'latent_qubits'\?\)"):
        check_config("qag", {"latnet_qubits": 3})
    with pytest.raises(ConfigError, match="'steps' must be int for qgan, got 'ten'"):
        check_config("qgan", {"steps": "ten"})
    with pytest.raises(ConfigError, match="'clip' must be bool"):
        check_config("ddpm", {"clip": 1})
    assert check_config("iqp", {"bandwidths": [1, 2], "lr": 1}) == {"bandwidths": (1.0, 2.0), "lr": 1.0}
    assert check_config("not-yet-typed", {"anything": 1}) == {"anything": 1}  # unknown models pass through


def test_typed_view_is_frozen_with_effective_defaults():
    cfg = config_of("qgan", {"layers": 2})
    assert (cfg.layers, cfg.steps, cfg.batch, cfg.lr_generator) == (2, DEFAULTS["qgan"]["steps"], 64, 0.01)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.layers = 5


def test_cli_train_with_a_misspelt_key_fails_in_one_line(tmp_path, cli):
    (tmp_path / "c.yaml").write_text("steps: 5\nlatnet_qubits: 3\n")
    out = tmp_path / "run"
    result = cli("train", "qag", "--data", tmp_path / "showers.h5", "--out", out, "--config", tmp_path / "c.yaml")
    rc, err = result.code, result.stderr
    assert rc == 2 and err.count("\n") == 1
    assert "unknown key 'latnet_qubits' (did you mean 'latent_qubits'?)" in err
    assert not out.exists()  # refused before anything was written
