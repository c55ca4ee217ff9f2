"""`suara audit verify`: recompute the hash chain of the integrity decisions
(feedback.integrity.decisions) and name the first record that was altered or removed.

Exit codes: 0 the chain is intact; 1 it is broken (the first problem is printed) or the
database failed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.markup import escape

from app.cli.common import console, migrate_first, run_with_database

EXIT_OK = 0
EXIT_BROKEN = 1


def add_parsers(sub: Any) -> None:
    audit = sub.add_parser("audit", help="check the tamper-evident logs")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    p = audit_sub.add_parser(
        "verify", help="recompute the hash chain of the integrity decisions",
        description="Recompute the hash chain of the integrity review decisions from the "
                    "first record and check its head against the audit log; name the first "
                    "record that was altered or removed.")
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from feedback.integrity.decisions import verify

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            result = await verify()
        except Exception as exc:
            console.print(f"[red]audit verify failed ({escape(type(exc).__name__)}: "
                          f"{escape(str(exc))})[/red]", soft_wrap=True)
            return EXIT_BROKEN
        if not result.ok:
            print(f"Integrity decisions: BROKEN: {result.problem}.", file=sys.stdout)
            return EXIT_BROKEN
        records = f"{result.records} record" + ("" if result.records == 1 else "s")
        print(f"Integrity decisions: {records}, chain intact (head "
              f"{result.head}).")
        return EXIT_OK

    return run_with_database(job)
