"""The layering of docs/architecture.md holds: no module imports a higher layer or a backend's private name."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1] / "qhep"

# docs/architecture.md, "Layers": a module may import its own layer and the layers below
LAYER = {
    "errors": 0, "provenance": 0, "cliutil": 0,
    "transpile": 1, "noise": 1, "circuits": 1,
    "mitigation": 2,
    "execution": 3,
    "connectors": 4, "data": 4,
    "models": 5, "jets": 5, "metrics": 5,
    "studies": 6,
    "hardware": 7, "reports": 7,
    "cli": 8, "demo": 8,
}
CLI_MODULES = {"cli.py"}  # each package's cli.py is the command line (layer 8) living in its package


def _imports(path: Path):
    """(imported qhep module path, imported names) for every import in the file, top level or not."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qhep"):
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("qhep"):
                    yield alias.name, []


def _layer(rel: Path) -> int:
    top = rel.parts[0].removesuffix(".py")
    if len(rel.parts) > 1 and rel.name in CLI_MODULES:
        return LAYER["cli"]
    return LAYER[top]


FILES = sorted(p.relative_to(ROOT) for p in ROOT.rglob("*.py") if p.name != "__init__.py" or p.parent != ROOT)


@pytest.mark.parametrize("rel", FILES, ids=str)
def test_no_upward_imports(rel):
    own = _layer(rel)
    for module, _ in _imports(ROOT / rel):
        parts = module.split(".")
        if len(parts) < 2:
            continue
        target = parts[1]
        level = LAYER["cli"] if len(parts) > 2 and parts[2] == "cli" else LAYER[target]
        assert level <= own, f"qhep/{rel} (layer {own}) imports {module} (layer {level})"


def test_no_private_execution_names_outside_execution():
    found = set()
    for rel in FILES:
        if rel.parts[0] == "execution":
            continue
        for module, names in _imports(ROOT / rel):
            if module.startswith("qhep.execution"):
                found |= {(str(rel), n) for n in names if n.startswith("_")}
    assert not found, f"imports of private execution names: {sorted(found)}"


def test_no_caller_steps_around_the_runner():
    offenders = []
    for rel in FILES:
        text = (ROOT / rel).read_text()
        for needle in ("runner._", "hasattr(runner"):
            if needle in text:
                offenders.append(f"qhep/{rel}: {needle}")
    assert not offenders


def test_data_and_metrics_never_import_a_backend():
    for rel in FILES:
        if rel.parts[0] in ("data", "metrics"):
            for module, _ in _imports(ROOT / rel):
                assert not module.startswith(("qhep.execution", "qhep.connectors")), f"qhep/{rel} imports {module}"
