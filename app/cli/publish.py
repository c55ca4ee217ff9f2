"""`suara publish --period P --note TEXT [--reason TEXT] [--by NAME]`: freeze a period's
score result as its next published version (feedback.performance.snapshots), and
`suara publish --list [--period P]`: the published versions, and
`suara publish --unlock --period P --reason TEXT [--by NAME]`: unlock the targets and actuals
of a published period (audited) until its next version.

Publishing prints the version, the method, the inputs and result digests, and how many
units the result ranks, leaves provisional, leaves unranked for want of targets, and does
not score. A refusal is one line on standard error and writes nothing. Exit codes: 0 done;
2 refused (unknown period, a range of days, no responses, a published period without
--reason, an empty or too long note; unlocking a period that is not published or not
locked, or without a reason); 1 someone published the same period at the same moment
(nothing written; run it again).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from app.cli.common import console, migrate_first, run_with_database

EXIT_OK = 0
EXIT_CONFLICT = 1
EXIT_REFUSED = 2
MAX_BY = 120


def _refuse(message: str) -> int:
    console.print(f"suara publish: {message}", markup=False, highlight=False, soft_wrap=True)
    return EXIT_REFUSED


def _period(text: str) -> Any:
    """A period key, or a range FIRST..LAST (which publish refuses with its own message).
    Raises ValueError."""
    from feedback.performance import periods

    if ".." in text:
        first, _sep, last = text.strip().partition("..")
        return periods.custom(date.fromisoformat(first), date.fromisoformat(last))
    return periods.parse(text)


def cmd_publish(args: argparse.Namespace) -> int:
    if args.list and args.unlock:
        return _refuse("give either --list or --unlock")
    if args.list:
        if args.note is not None or args.reason is not None:
            return _refuse("--list takes no --note or --reason")
        return cmd_list(args)
    if args.unlock:
        return cmd_unlock(args)
    if not args.by.strip() or len(args.by) > MAX_BY:
        return _refuse(f"--by must be 1 to {MAX_BY} characters")
    if args.period is None:
        return _refuse("give --period (e.g. 2026-S1), or --list")
    if args.note is None or not args.note.strip():
        return _refuse("give --note: what this publication is (e.g. \"Semester I results\")")
    try:
        period = _period(args.period)
    except ValueError as exc:
        return _refuse(str(exc))

    async def job(engine: Any) -> int:
        from feedback.accounts.audit import Actor
        from feedback.performance import snapshots
        from feedback.performance.publishing import status_counts

        await migrate_first(engine)
        try:
            info = await snapshots.publish(period, Actor(email=args.by.strip()), args.note,
                                           reason=args.reason)
        except snapshots.SnapshotError as exc:
            if exc.code == "conflict":
                console.print(f"suara publish: {exc.message}; nothing was written, run it "
                              "again", markup=False, highlight=False, soft_wrap=True)
                return EXIT_CONFLICT
            return _refuse(exc.message)
        snap = await snapshots.get(info.period, info.version)
        assert snap is not None
        counts = status_counts(snap.result)
        print(f"Published {info.period} version {info.version} "
              f"({info.period_from.isoformat()} to {info.period_to.isoformat()}) "
              f"by {info.published_by}.")
        print(f"Method:        {info.method} (seed {info.parameters['seed']}, "
              f"{info.parameters['draws']} draws, satisfaction weight "
              f"{info.parameters['w_satisfaction']})")
        print(f"Inputs digest: sha256:{info.inputs_digest}")
        print(f"Result digest: sha256:{info.result_digest}")
        print(f"Units:         {counts.ranked} ranked, {counts.provisional} provisional, "
              f"{counts.unranked_no_kpi} not ranked (targets not reported), "
              f"{counts.not_scored} not scored; {counts.responses} counted responses.")
        if info.reason:
            print(f"Reason:        {info.reason}")
        return EXIT_OK

    return run_with_database(job)


def cmd_unlock(args: argparse.Namespace) -> int:
    if args.period is None:
        return _refuse("give --period: the published period to unlock")
    if args.note is not None:
        return _refuse("--unlock takes no --note")
    if args.reason is None or not args.reason.strip():
        return _refuse("give --reason: why the targets and actuals are unlocked")
    if not args.by.strip() or len(args.by) > MAX_BY:
        return _refuse(f"--by must be 1 to {MAX_BY} characters")
    try:
        key = _period(args.period).key
    except ValueError as exc:
        return _refuse(str(exc))

    async def job(engine: Any) -> int:
        from feedback.accounts.audit import Actor
        from feedback.performance import snapshots

        await migrate_first(engine)
        try:
            await snapshots.unlock(key, Actor(email=args.by.strip()), args.reason)
        except snapshots.SnapshotError as exc:
            return _refuse(exc.message)
        version = (await snapshots.versions(key))[0].version
        print(f"Unlocked the targets and actuals of {key} (version {version}) until its next "
              "version is published.")
        return EXIT_OK

    return run_with_database(job)


def cmd_list(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    key = None
    if args.period is not None:
        try:
            key = _period(args.period).key
        except ValueError as exc:
            return _refuse(str(exc))

    async def job(engine: Any) -> int:
        from feedback.clock import WITA
        from feedback.performance import snapshots
        from feedback.performance.publishing import unlocks

        await migrate_first(engine)
        rows = await snapshots.versions(key)
        opened = await unlocks()
        latest: set[int] = set()
        for info in await snapshots.published_periods():
            latest.add(info.id)
        table = Table("period", "version", "published (WITA)", "by", "method",
                      "inputs", "result", "targets", "note", "reason")
        for info in rows:
            state = ("superseded" if info.id not in latest
                     else "unlocked" if info.id in opened else "locked")
            table.add_row(info.period, str(info.version),
                          info.published_at.astimezone(WITA).strftime("%Y-%m-%d %H:%M"),
                          info.published_by, info.method, info.inputs_digest[:12],
                          info.result_digest[:12], state, info.note, info.reason or "-")
        if rows:
            Console(width=None if sys.stdout.isatty() else 200).print(table)
        else:
            what = f"of {key} " if key else ""
            console.print(f"No published versions {what}yet: suara publish --period P "
                          "--note TEXT", markup=False, highlight=False)
        return EXIT_OK

    return run_with_database(job)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "publish", help="publish a period's scores (a frozen, versioned snapshot), or list "
                        "the published versions",
        description="Freeze the period's full score result (the city's parameters) as its "
                    "next published version. Publishing a period again needs --reason. "
                    "Exit codes: 0 published, 2 refused (nothing written), 1 a concurrent "
                    "publication (nothing written; run it again).")
    p.add_argument("--period", help="2026, 2026-S1, 2026-Q3 or 2026-03 (with --list: only "
                                    "this period)")
    p.add_argument("--note", help="what this publication is (shown with it; at most 2000 "
                                  "characters)")
    p.add_argument("--reason", help="why the period is published again (required from the "
                                    "second version on), or why it is unlocked")
    p.add_argument("--by", default="cli", help="who publishes or unlocks (recorded; "
                                               "default cli)")
    p.add_argument("--list", action="store_true", help="list the published versions")
    p.add_argument("--unlock", action="store_true",
                   help="unlock the targets and actuals of the published --period (needs "
                        "--reason; audited) until its next version")
    p.set_defaults(func=cmd_publish)
