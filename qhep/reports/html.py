"""The noise-study report: one self-contained HTML page (figures embedded as PNG data URIs).

Contents: per task, the metric against the noise scale S of ``fake:NAME@S`` with one
line per mitigation config (statevector as the dashed reference, hardware cells as
separate points), a table of every cell with its standard error, the calibration
summary of each device the study used, the study config, seeds and package versions.

Everything that changes between two runs of the same study (the generation time
and cell wall times) sits in elements of class ``timestamp``; the rest of the page
is a function of the cells' results only, so an interrupted and resumed study
gives the same page as an uninterrupted one.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from qhep.provenance import atomic_write_text

__all__ = ["calibration_summary", "write_report"]

_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f0f0f0}td.l,th.l{text-align:left}pre{background:#f7f7f7;padding:1em;overflow:auto}
.err{color:#a00}.timestamp{color:#777}img{max-width:100%}"""


_ABOUT = {
    "circuit": "success = P(ideal outcomes) of a circuit whose ideal answer is known (1); binomial error.",
    "qaoa": "approximation ratio (E_max - <H>) / (E_max - E_min) of QAOA thrust at transferred angles, mean over "
            "events; the error is the spread over events (the same events in every cell, so differences between "
            "cells are better measured than the error bars suggest).",
    "generator": "mean-image relative error of generated showers against the training data (0 = perfect); "
                 "bootstrap error.",
    "diffusion": "mean-image relative error of generated showers against the training data (0 = perfect); "
                 "bootstrap error.",
}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("qhep", "qiskit", "qiskit-aer", "qiskit-ibm-runtime", "mitiq", "numpy", "torch"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def calibration_summary(device: str) -> dict[str, Any]:
    """Medians over the device's qubits of T1, T2 (us) and of readout, sx and 2q gate errors."""
    from qhep.execution.spec import fake_backend

    backend = fake_backend(device)
    target = backend.target
    props = [p for p in (target.qubit_properties or []) if p is not None]

    def med(values):
        vals = [v for v in values if v is not None and np.isfinite(v)]
        return float(np.median(vals)) if vals else float("nan")

    def errors(name):
        if name not in target.operation_names:
            return []
        return [p.error for p in target[name].values() if p is not None]

    two_q = next((g for g in ("cz", "ecr", "cx") if g in target.operation_names), None)
    return {"device": device, "backend": backend.name, "version": str(getattr(backend, "backend_version", "")),
            "qubits": target.num_qubits, "t1_us": med([p.t1 * 1e6 for p in props if p.t1]),
            "t2_us": med([p.t2 * 1e6 for p in props if p.t2]), "readout_error": med(errors("measure")),
            "sx_error": med(errors("sx")), "two_qubit_gate": two_q or "-",
            "two_qubit_error": med(errors(two_q)) if two_q else float("nan")}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode()


def _scale(backend: str) -> float | None:
    from qhep.execution.spec import parse_backend

    spec = parse_backend(backend)
    return spec.noise_scale if spec.kind == "fake" else None


def _figure(task: str, cells: list[dict[str, Any]]) -> str:
    from matplotlib.figure import Figure  # no pyplot: a notebook keeps its inline backend

    fig = Figure(figsize=(6.4, 3.8))
    ax = fig.subplots()
    metric = cells[0]["metric"]
    for cell in cells:
        if cell["backend"].startswith("statevector"):
            ax.axhline(cell["value"], color="k", ls="--", lw=1, label="statevector (ideal)")
    for mit in sorted({c["mitigation"] for c in cells}):
        pts = sorted((_scale(c["backend"]), c["value"], c["std"]) for c in cells
                     if c["mitigation"] == mit and _scale(c["backend"]) is not None)
        if pts:
            x, y, e = map(np.array, zip(*pts))
            ax.errorbar(x, y, yerr=e, marker="o", capsize=3, label=f"fake, {mit}")
        hw = [c for c in cells if c["mitigation"] == mit and c["backend"].startswith("ibm:")]
        for c in hw:
            ax.errorbar([max([_scale(d["backend"]) or 0 for d in cells] + [1]) * 1.15], [c["value"]],
                        yerr=[c["std"]], marker="*", ms=12, ls="none", label=f"{c['backend']}, {mit}")
    ax.set_xlabel("noise scale S (fake:DEVICE@S; 1 = as calibrated)")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(task)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    data = _png(fig)
    return f'<img alt="{html.escape(task)}: {metric} vs noise scale" src="data:image/png;base64,{data}">'


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _table(cells: list[dict[str, Any]]) -> str:
    extras = [k for k in ("p_optimum", "w1_total_gev", "depth", "two_qubit_gates") if any(k in c for c in cells)]
    head = "".join(f"<th>{k.replace('_', ' ')}</th>" for k in extras)
    rows = []
    for c in cells:
        where = f'<td class="l">{html.escape(c["backend"])}</td><td class="l">{html.escape(c["mitigation"])}</td>'
        if "error" in c:
            rows.append(f'<tr>{where}<td class="l err" colspan="{2 + len(extras)}">failed: '
                        f'{html.escape(c["error"])}</td></tr>')
            continue
        ext = "".join(f"<td>{_fmt(c.get(k))}</td>" for k in extras)
        rows.append(f'<tr>{where}<td>{c["value"]:.4f} &plusmn; {c["std"]:.4f}</td>{ext}'
                    f'<td class="timestamp">{c.get("seconds", 0):.1f}</td></tr>')
    metric = next((c["metric"] for c in cells if "metric" in c), "metric")
    return (f'<table><tr><th class="l">backend</th><th class="l">mitigation</th><th>{metric.replace("_", " ")}</th>'
            f'{head}<th>wall s</th></tr>{"".join(rows)}</table>')


def write_report(study: Any, out: Path) -> Path:
    """Write ``out/report.html`` from the cells in ``out/cells``; its path."""
    from qhep.execution.spec import parse_backend
    from qhep.studies.cells import cell_id

    records = {}
    for path in sorted((out / "cells").glob("*.json")):
        record = json.loads(path.read_text())
        records[record["cell"]] = record
    parts = [f"<h1>Noise study: {html.escape(study.name)}</h1>",
             f'<p class="timestamp">generated {dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}</p>']
    order = study.cells()
    missing = [cell_id(t["name"], b, m) for t, b, m in order if cell_id(t["name"], b, m) not in records]
    parts.append(f"<p>{len(order) - len(missing)} of {len(order)} cells finished; "
                 f"{study.shots} shots per circuit; study seed {study.seed}; each cell's seed is derived from the "
                 "study seed and the cell's name.</p>")
    if missing:
        parts.append(f'<p class="err">not yet run: {html.escape(", ".join(missing))} '
                     "(run the same command again to resume)</p>")
    for task in study.tasks:
        cells = [records[cid] for t, b, m in order if t is task and (cid := cell_id(t["name"], b, m)) in records]
        parts.append(f"<h2>{html.escape(task['name'])} <small>({html.escape(task['kind'])})</small></h2>"
                     f"<p>{html.escape(_ABOUT[task['kind']])}</p>")
        good = [c for c in cells if "error" not in c]
        if good:
            parts.append(_figure(task["name"], good))
        if cells:
            parts.append(_table(cells))
    devices = sorted({parse_backend(b).device for b in study.backends if parse_backend(b).device})
    if devices:
        rows = [calibration_summary(d) for d in devices]
        parts.append("<h2>Device calibration (fake-twin snapshot)</h2><table><tr>"
                     + "".join(f"<th>{k}</th>" for k in rows[0]) + "</tr>"
                     + "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in r.values()) + "</tr>" for r in rows)
                     + "</table>")
    parts.append("<h2>Study config</h2><pre>" + html.escape(yaml.safe_dump(study.source, sort_keys=False)) + "</pre>")
    seeds = "".join(f"<tr><td class='l'>{html.escape(c)}</td><td>{records[c]['seed']}</td></tr>"
                    for c in sorted(records) if "seed" in records[c])
    parts.append(f"<h2>Seeds</h2><table><tr><th class='l'>cell</th><th>seed</th></tr>{seeds}</table>")
    parts.append("<h2>Package versions</h2><table>" + "".join(
        f"<tr><td class='l'>{k}</td><td>{html.escape(v)}</td></tr>" for k, v in _versions().items()) + "</table>")
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>qhep noise study: {html.escape(study.name)}"
            f"</title><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")
    path = out / "report.html"
    atomic_write_text(path, page)
    return path
