"""``qhep noise-study STUDY.yaml --out DIR [--workers N | --ray ADDRESS] [--max-cells N]``."""

from __future__ import annotations

import argparse
from typing import Any

from qhep.cliutil import emit

__all__ = ["register"]


def cmd_noise_study(args: argparse.Namespace) -> int:
    """Run (or resume) a noise study and write DIR/report.html."""
    from qhep.reports import run_and_report
    from qhep.studies.study import default_workers, load_study

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a positive integer, got {args.workers}")
    if args.max_cells is not None and args.max_cells < 0:
        raise ValueError(f"--max-cells must be >= 0, got {args.max_cells}")
    study = load_study(args.study)
    if args.seed is not None:
        study = type(study)(**{**study.__dict__, "seed": args.seed})
    doc = run_and_report(study, args.out, workers=args.workers or default_workers(), ray_address=args.ray,
                    max_cells=args.max_cells, progress=not args.json)
    failed = f"; failed: {', '.join(doc['failed'])}" if doc["failed"] else ""
    emit(args, doc, f"{doc['finished']} of {doc['cells']} cells finished ({doc['ran']} run now, "
                    f"{doc['skipped']} already done){failed}; report: {doc['report']}")
    return 0 if not doc["failed"] else 1


def register(sub: Any, add_common) -> None:
    """Add ``qhep noise-study``."""
    p = sub.add_parser("noise-study", help="tasks x backends x mitigation, resumable, with an HTML report")
    p.add_argument("study", help="study YAML (format: docs/noise_study.md)")
    p.add_argument("--out", required=True, help="output directory (cells/, report.html); re-run to resume")
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes, one thread each (default: the usable CPU cores)")
    p.add_argument("--ray", default=None, metavar="ADDRESS",
                   help="run cells as Ray tasks: auto, ray://host:port, or local (needs qhep[dist])")
    p.add_argument("--max-cells", type=int, default=None, help="run at most N new cells now (resume later)")
    add_common(p, seed=None, seed_help="seed of every random draw (default: the study YAML's seed, 0 if it sets none)")
    p.set_defaults(func=cmd_noise_study)
