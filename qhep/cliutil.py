"""Output of every ``qhep`` subcommand: one JSON document with ``--json``, readable text otherwise."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["emit", "fmt"]


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def emit(args: argparse.Namespace, doc: dict[str, Any], text: str) -> None:
    """Print ``doc`` as the command's one JSON document if ``--json`` was given, else ``text``."""
    if getattr(args, "json", False):  # strictly valid JSON: NaN and infinities become null
        from qhep.provenance import finite_json

        text_doc = json.dumps(doc, default=_json_default)
        json.dump(finite_json(json.loads(text_doc)), sys.stdout, indent=1, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(text)


def fmt(value: Any, spec: str = ".4g", reason: str = "not defined") -> str:
    """``value`` formatted with ``spec`` for readable output, or ``n/a (reason)`` where it is NaN or infinite.

    A summary never shows ``nan%``: a rate of no events, or a quantity a method does not have,
    is printed as n/a with why.
    """
    import math

    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isfinite(float(value)):
        return f"n/a ({reason})"
    return format(value, spec) if isinstance(value, (int, float)) else str(value)
