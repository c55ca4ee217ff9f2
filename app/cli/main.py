"""The `suara` command: one module per command group, registered here."""

from __future__ import annotations

import argparse
import sys

from app.cli import (
    alerts,
    audit,
    cases,
    comments,
    imports,
    integrity,
    kpis,
    notify,
    org,
    plans,
    printing,
    publish,
    report,
    score,
    serve,
    served,
    users,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="suara", description="Suara Layanan: citizen "
                                     "feedback and fair performance scores for Kota Kupang.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve.add_parsers(sub)
    printing.add_parsers(sub)
    kpis.add_parsers(sub)
    score.add_parser(sub)
    imports.add_parser(sub)
    org.add_parsers(sub)
    users.add_parsers(sub)
    comments.add_parsers(sub)
    integrity.add_parsers(sub)
    served.add_parsers(sub)
    audit.add_parsers(sub)
    alerts.add_parsers(sub)
    cases.add_parsers(sub)
    plans.add_parsers(sub)
    notify.add_parsers(sub)
    report.add_parser(sub)
    publish.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
