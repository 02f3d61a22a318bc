"""Output of every ``qhep`` subcommand: one JSON document with ``--json``, readable text otherwise."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["emit"]


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def emit(args: argparse.Namespace, doc: dict[str, Any], text: str) -> None:
    """Print ``doc`` as the command's one JSON document if ``--json`` was given, else ``text``."""
    if getattr(args, "json", False):
        json.dump(doc, sys.stdout, indent=1, default=_json_default)
        sys.stdout.write("\n")
    else:
        print(text)
