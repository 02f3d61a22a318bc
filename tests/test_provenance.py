"""qhep.provenance.read_yaml: the one reader of user YAML (studies, job specs, model configs)."""

import pytest

from qhep.provenance import read_yaml


class Bad(ValueError):
    pass


def test_reads_a_mapping(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("steps: 10\nlr: 0.01\n")
    assert read_yaml(path, Bad, "config") == {"steps": 10, "lr": 0.01}


@pytest.mark.parametrize("content, message", [
    (None, "no config at"),
    ("a: [1, 2\n", "not valid YAML"),
    ("!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),  # the safe loader builds no objects
    (b"\xff\xfe\x00a", "is not UTF-8 text"),
])
def test_every_failure_is_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "c.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(Bad, match=message) as info:
        read_yaml(path, Bad, "config")
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_directory_is_refused_in_one_line(tmp_path):
    with pytest.raises(Bad, match="cannot read config") as info:
        read_yaml(tmp_path, Bad, "config")
    assert "\n" not in str(info.value)
