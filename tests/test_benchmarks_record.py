"""Every benchmark script writes its JSON and tables through ``qhep.provenance`` and says how it is run.

A static check over ``benchmarks/**/*.py`` (nothing is run), so a new script cannot forget it:

- JSON is written only by ``record`` (results: versions, machine, git revision and arguments beside
  the numbers) or ``atomic_write_json`` (caches a script reads back), tables and other text only by
  ``atomic_write_text``: no ``json.dump``, no ``json.dumps`` except into ``print``, no
  ``write_text`` / ``write_bytes``, no ``open`` for writing (a ``.lock`` file for ``fcntl`` aside);
- those helpers are the ones imported from ``qhep.provenance``, and every script records its
  results with ``record`` (a script that only printed would leave numbers nobody can trace);
- the module docstring holds the command that runs the script from the repository root.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SCRIPTS = sorted((ROOT / "benchmarks").rglob("*.py"))
HELPERS = {"record", "atomic_write_json", "atomic_write_text"}


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Attribute):
        base = f.value.id if isinstance(f.value, ast.Name) else ""
        return f"{base}.{f.attr}" if base else f".{f.attr}"
    return f.id if isinstance(f, ast.Name) else ""


def _open_mode(node: ast.Call) -> str:
    mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
    return mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"


def problems(source: str) -> list[str]:
    """What in ``source`` writes JSON or text other than through ``qhep.provenance`` (empty: nothing)."""
    tree = ast.parse(source)
    printed = {id(n) for call in ast.walk(tree) if isinstance(call, ast.Call) and _call_name(call) == "print"
               for arg in call.args for n in ast.walk(arg)}
    imported = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module == "qhep.provenance" for alias in node.names}
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name, line = _call_name(node), node.lineno
        if name == "json.dump":
            out.append((line, "json.dump (use qhep.provenance.record or atomic_write_json)"))
        elif name == "json.dumps" and id(node) not in printed:
            out.append((line, "json.dumps outside print (write JSON with qhep.provenance.record)"))
        elif name in (".write_text", ".write_bytes"):
            out.append((line, f"{name[1:]} (use qhep.provenance.atomic_write_text / record)"))
        elif name in ("open", ".open") and set(_open_mode(node)) & set("wax+"):
            target = node.args[0] if node.args else None
            if not any(isinstance(c, ast.Constant) and ".lock" in str(c.value) for c in ast.walk(target or node)):
                out.append((line, f"open(..., {_open_mode(node)!r}) (use qhep.provenance helpers)"))
        elif name in HELPERS and name not in imported:
            out.append((line, f"{name} is not the one from qhep.provenance"))
    return [f"line {line}: {what}" for line, what in sorted(out, key=lambda item: item[0])]


def test_the_check_catches_each_way_of_writing_around_provenance():
    bad = '''
import json
from mylib import record
json.dump({}, fh)
Path("a.json").write_text(json.dumps({}))
open("t.md", "w").write("x")
record("r.json", {})
'''
    found = problems(bad)
    assert [p.split(":")[0] for p in found] == ["line 4", "line 5", "line 5", "line 6", "line 7"], found
    good = '''
import json
from qhep.provenance import atomic_write_text, record
record("benchmarks/results/x/y.json", {"rows": []}, args)
atomic_write_text("t.md", "| a |")
print(json.dumps({"a": 1}))
print(f"row {json.dumps(row)}")
with open(path.with_suffix(".lock"), "w") as lock:
    pass
with open("in.json") as fh:
    json.load(fh)
'''
    assert problems(good) == []


@pytest.mark.parametrize("path", SCRIPTS, ids=[str(p.relative_to(ROOT)) for p in SCRIPTS])
def test_benchmark_writes_through_provenance_and_documents_its_command(path):
    rel = path.relative_to(ROOT).as_posix()
    assert problems(path.read_text()) == [], rel
    calls = {_call_name(n) for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)}
    assert "record" in calls, f"{rel}: write the results with qhep.provenance.record"
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert f"python {rel}" in doc, f"{rel}: its docstring must show the command that runs it (python {rel} ...)"


def test_every_script_is_checked():
    assert len(SCRIPTS) >= 20 and ROOT / "benchmarks" / "diffusion" / "run.py" in SCRIPTS
