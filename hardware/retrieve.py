"""Collect the results of a submitted hardware job spec, in any process, after any crash.

    python hardware/retrieve.py hardware/specs/qaoa-thrust-fez.yaml [--no-wait]

Reconciles the ledger with the runtime service (a job submitted just before a crash is
found by its tag), fetches finished jobs, waits for queued ones (or, with --no-wait,
reports them and exits 3), submits only calls that never reached the service, and writes
the results to <spec stem>.out/ next to the spec, each job's raw result in jobs/.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", help="job spec YAML (the one given to submit.py)")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for queued jobs")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    from qhep.errors import QhepError
    from qhep.execution.ibm import service_from_env
    from qhep.hardware import load_job, retrieve
    from qhep.hardware.submission import write_status

    try:
        spec = load_job(args.spec)
        doc = retrieve(spec, service_from_env(), wait=not args.no_wait)
        write_status(spec, doc)
    except (QhepError, ValueError, OSError) as exc:  # expected failures: one line, no traceback
        from qhep.cli import one_line

        print(f"retrieve: error: {one_line(exc)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(doc, indent=1, default=float))
    elif doc["status"] == "pending":
        print(f"{spec.name}: job {doc['job_id']} is {doc['job_status']}; run again later")
    else:
        print(f"{spec.name}: done, {len(doc['jobs'])} jobs; results in {doc['results']}")
    return 0 if doc["status"] == "done" else 3


if __name__ == "__main__":
    sys.exit(main())
