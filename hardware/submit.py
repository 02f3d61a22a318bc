"""Submit a hardware job spec to IBM Quantum, or dry-run it on the device's fake twin.

    python hardware/submit.py hardware/specs/qaoa-thrust-fez.yaml --dry-run
    python hardware/submit.py hardware/specs/qaoa-thrust-fez.yaml          # needs an IBM account

--dry-run transpiles for the real device (its fake twin's target), runs the task on the
twin's noise, and prints depth, two-qubit gates, circuits, shots and the estimated device
time (model in qhep/hardware/cost.py). Without it the same dry run checks the budget first,
then the jobs go out through the ledger ($QHEP_HOME/jobs.jsonl); the script returns as soon
as they are queued. Run it again, or hardware/retrieve.py, to collect: nothing is submitted
twice. Credentials come from Qiskit's account store or QISKIT_IBM_TOKEN/QISKIT_IBM_INSTANCE.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", help="job spec YAML")
    parser.add_argument("--dry-run", action="store_true", help="run on the fake twin and estimate device time only")
    parser.add_argument("--wait", action="store_true", help="wait for the jobs instead of returning when queued")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    from qhep.errors import QhepError
    from qhep.hardware import dry_run, load_job, submit
    from qhep.hardware.submission import write_status

    try:
        spec = load_job(args.spec)
        report = dry_run(spec)
        if args.dry_run:
            doc = {k: v for k, v in report.items() if k != "twin_results"}
        else:
            from qhep.execution.ibm import service_from_env

            doc = submit(spec, service_from_env(), wait=args.wait, report=report)
            write_status(spec, doc)
    except (QhepError, ValueError, OSError) as exc:  # expected failures: one line, no traceback
        from qhep.cli import one_line

        print(f"submit: error: {one_line(exc)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(doc, indent=1, default=float))
    elif args.dry_run:
        print(f"{spec.name} on {spec.device} (dry run on {spec.twin}):\n"
              f"  {doc['jobs']} job{'s' * (doc['jobs'] != 1)}, {doc['circuits']} circuits, "
              f"{doc['shots']} shots in all\n"
              f"  max depth {doc['max_depth']}, max two-qubit gates {doc['max_two_qubit_gates']}, "
              f"longest circuit {doc['max_circuit_duration_us']:.1f} us\n"
              f"  estimated device time {doc['device_seconds']:.1f} s (budget {spec.budget_s:g} s): "
              f"{'within budget' if doc['within_budget'] else 'OVER BUDGET, would be refused'}\n"
              f"  twin results in {spec.out_dir / 'dry-run'}")
    else:
        print(f"{spec.name}: {doc['status']}" + (f" (job {doc['job_id']} {doc['job_status']}; run "
              f"hardware/retrieve.py {args.spec})" if doc["status"] == "pending" else f"; results in {doc['results']}"))
    return 0 if (args.dry_run or doc.get("status") in ("done", "pending")) else 1


if __name__ == "__main__":
    sys.exit(main())
