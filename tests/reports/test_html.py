"""The noise-study HTML page from hand-written cell records: values, escaping, missing cells, calibration."""

import base64
import json
import re

import numpy as np
import pytest

from qhep.execution.spec import fake_backend
from qhep.reports.html import calibration_summary, write_report
from qhep.studies import Study
from qhep.studies.cells import cell_id


def test_calibration_summary_is_the_median_over_the_device_target():
    summary = calibration_summary("torino")
    target = fake_backend("torino").target
    readout = [p.error for p in target["measure"].values() if p is not None and np.isfinite(p.error)]
    t1 = [p.t1 * 1e6 for p in target.qubit_properties if p is not None and p.t1]
    assert summary["qubits"] == target.num_qubits == 133
    assert summary["readout_error"] == pytest.approx(float(np.median(readout)))
    assert summary["t1_us"] == pytest.approx(float(np.median(t1)))
    assert summary["two_qubit_gate"] == "cz"


def _study():
    task = {"name": "ghz3", "kind": "circuit", "circuit": "ghz:3"}
    return Study(name="t<1>", seed=1, shots=100, tasks=[task], backends=["statevector", "fake:torino@0.5"],
                 mitigation=["none", "readout"], source={"name": "t<1>"})


def test_report_shows_each_cell_escapes_errors_and_lists_missing_cells(tmp_path):
    study = _study()
    (tmp_path / "cells").mkdir()
    records = [
        {"backend": "statevector", "mitigation": "none", "metric": "success", "value": 1.0, "std": 0.0, "seed": 3},
        {"backend": "fake:torino@0.5", "mitigation": "none", "metric": "success", "value": 0.8123, "std": 0.0125,
         "seed": 4, "depth": 7},
        {"backend": "fake:torino@0.5", "mitigation": "readout", "error": "<script>alert(1)</script>", "seed": 5},
    ]
    for rec in records:
        rec["cell"] = cell_id("ghz3", rec["backend"], rec["mitigation"])
        (tmp_path / "cells" / f"{rec['cell']}.json").write_text(json.dumps(rec))
    page = write_report(study, tmp_path).read_text()
    assert "<h1>Noise study: t&lt;1&gt;</h1>" in page
    assert "0.8123 &plusmn; 0.0125" in page and "1.0000 &plusmn; 0.0000" in page
    assert "<script>" not in page and "failed: &lt;script&gt;" in page
    assert "3 of 3 cells finished" in page and "not yet run" not in page
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    assert png.startswith(b"\x89PNG")
    assert "<h2>Device calibration" in page and not list(tmp_path.glob("*.tmp"))

    (tmp_path / "cells" / f"{records[1]['cell']}.json").unlink()
    page = write_report(study, tmp_path).read_text()
    assert "2 of 3 cells finished" in page and f"not yet run: {records[1]['cell']}" in page
