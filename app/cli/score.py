"""`suara score`: offline scoring of CSV files (official IKM and the performance index).

No database is needed: responses, units and KPIs are read from CSV files (UTF-8, header row,
optional BOM) or XLSX workbooks (first sheet) by the shared reader of `feedback.ingest.reader`
(column names case-insensitive), aggregated, and passed to the pure engine in `scoring.engine`.

Files:

* responses (required): ``unit`` and the nine element columns (ratings 1–4 or empty), with
  optional ``submitted_at, service, channel, gender, age, education, occupation, comment``;
* units (optional): ``unit`` with optional ``name, agency, peer_group, volume``; without
  it the units are those of the responses file, in order of first appearance;
* KPIs (optional): ``unit, indicator, target, actual, direction, weight`` with optional
  ``previous_actual``; ``actual`` may be empty (not yet reported).

Any bad input prints one error naming the file, row (the header is row 1) and column to
stderr and returns exit code 2, with nothing on stdout.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import msgspec

from feedback.ingest.reader import (
    BadRating,
    ReadError,
    Sheet,
    check_columns,
    parse_rating,
    read_sheet,
)
from scoring.engine import METHOD, score
from scoring.ikm import ELEMENTS, ELEMENTS_2004, GRADE_LABELS, elements_for
from scoring.inputs import Kpi, Parameters, UnitData, unit_data_from_responses
from scoring.result import AgencyScore, RankInterval, ScoreResult, UnitScore

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 141

RESPONSE_OPTIONAL = (
    "submitted_at",
    "service",
    "channel",
    "gender",
    "age",
    "education",
    "occupation",
    "comment",
)
UNIT_REQUIRED = ("unit",)
UNIT_OPTIONAL = ("name", "agency", "peer_group", "volume")
KPI_REQUIRED = ("unit", "indicator", "target", "actual", "direction", "weight")
KPI_OPTIONAL = ("previous_actual",)

CSV_COLUMNS = (
    "unit",
    "name",
    "agency",
    "peer_group",
    "n",
    "status",
    "ikm",
    "grade",
    "required_sample",
    "mean",
    "shrunk_mean",
    "reliability",
    "satisfaction",
    "kpi",
    "kpi_coverage",
    "index",
    "rank",
    "rank_low",
    "rank_median",
    "rank_high",
    "p_top3",
    "funnel",
)


STATUS_LABELS = {
    "not_scored": "not scored",
    "provisional": "provisional",
    "unranked_no_kpi": "no rank: targets not reported",
    "ranked": "ranked",
}


class InputError(Exception):
    """A problem in an input file, located by file, row and column."""

    def __init__(self, path: str, row: int | None, column: str | None, message: str) -> None:
        where = path
        if row is not None:
            where += f": row {row}"
        if column is not None:
            where += f", column {column!r}" if row is not None else f": column {column!r}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class UnitInfo:
    unit: str
    name: str | None
    agency: str | None
    peer_group: str | None
    volume: int | None


EPILOG = """\
input files: CSV (UTF-8, a header row; column names in any case) or XLSX (first sheet)

  responses (--responses, required): one row per respondent
    unit            unit code
    persyaratan, prosedur, waktu, biaya, produk, kompetensi, perilaku, pengaduan, sarana
                    the nine SKM-2017 elements: 1 (worst) to 4 (best), or empty when not
                    answered (a file with the 14 element columns of KepMenPAN 25/2004 is
                    scored with that regime's weight and grade bounds)
    optional        submitted_at (ISO 8601), service, channel, gender, age, education,
                    occupation, comment (accepted; not used for the scores)

  units (--units): one row per unit; without it, the units of the responses file
    unit            unit code
    optional        name, agency, peer_group, volume (transactions served in the period,
                    digits only: the population for the required sample size)

  kpis (--kpis): one row per unit and indicator; without it, the index is satisfaction alone
    unit            unit code (a unit of the responses or units file)
    indicator       the indicator's name
    target          the target (> 0)
    actual          the value reached (empty: not yet reported)
    direction       higher or lower (which is better)
    weight          its weight within the unit's KPI pillar (> 0)
    optional        previous_actual (the value of the period before)

exit status: 0 done; 2 bad input (one message naming the file, row and column);
141 the reader of the output stopped early (e.g. | head), said nothing
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``score`` subcommand (its handler is ``run``)."""
    p = subparsers.add_parser(
        "score",
        help="score units offline from CSV files (official IKM and the performance index)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compute the official IKM (PermenPANRB 14/2017) and the fair performance "
        f"index (method {METHOD}) from CSV files, without a database.",
    )
    p.add_argument("--responses", required=True, metavar="R.csv", help="responses CSV")
    p.add_argument("--units", metavar="U.csv", help="units CSV (agency, peer group, volume)")
    p.add_argument("--kpis", metavar="K.csv", help="KPI CSV (targets and actuals)")
    p.add_argument("--format", choices=("json", "table", "csv"), default="table")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument(
        "--draws",
        type=int,
        default=2000,
        metavar="N",
        help="bootstrap and sensitivity draws (default 2000)",
    )
    p.add_argument(
        "--ikm-weight",
        choices=("exact", "0.111", "0.11", "0.071"),
        default="exact",
        help="element weight of the official IKM (default exact 1/9)",
    )
    p.add_argument(
        "--ikm-round",
        type=int,
        default=None,
        metavar="D",
        help="round each weighted NRR to D decimals before summing",
    )
    p.add_argument(
        "--w-satisfaction",
        type=float,
        default=0.5,
        metavar="X",
        help="weight of the satisfaction pillar in the index (default 0.5)",
    )
    p.set_defaults(func=run_to_pipe)
    return p


def run_to_pipe(args: argparse.Namespace) -> int:
    """`run`, ending quietly when the reader of stdout goes away early (`... | head -1`), as
    Unix tools do: no traceback, exit status 141 (128 + SIGPIPE)."""
    try:
        code = run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # Python flushes stdout again at exit and would complain: point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


# --- reading ---------------------------------------------------------------------------------


def _sheet(path: str, required: Sequence[str], optional: Sequence[str],
           sheet: Sheet | None = None) -> Sheet:
    """A CSV or XLSX file read by the shared reader (feedback.ingest.reader), its header
    checked; a file with no data rows is allowed. Raises InputError."""
    try:
        if sheet is None:
            sheet = _read(path)
        return check_columns(sheet, required, optional, rows_required=False)
    except ReadError as exc:
        raise _input_error(exc) from None


def _read(path: str) -> Sheet:
    """read_sheet, remembered for the file's current version (the regime check, the rows
    and an error's row lookup read the same file)."""
    try:
        stat = os.stat(path)
    except OSError:
        return read_sheet(path)  # raises ReadError naming the problem
    return _read_version(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read_version(path: str, mtime_ns: int, size: int) -> Sheet:
    return read_sheet(path)


def _input_error(exc: ReadError) -> InputError:
    if exc.kind == "empty":
        return InputError(exc.path, 1, None, "empty file (a header row is required)")
    return InputError(exc.path, exc.row, exc.column, exc.message)


def _rows(
    path: str, required: Sequence[str], optional: Sequence[str], sheet: Sheet | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, {column: value})`` for each data row (the header is row 1).
    A CSV row with more or fewer fields than the header is an error (a missing or extra
    separator shifts every value after it)."""
    sheet = _sheet(path, required, optional, sheet)
    width = len(sheet.header)
    for row, record in sheet.records():
        if row in sheet.widths:
            raise InputError(
                path, row, None, f"has {sheet.widths[row]} fields, the header has {width}"
            )
        yield row, record


def _rating(path: str, row: int, column: str, text: str) -> int | None:
    answer = parse_rating(text)
    if isinstance(answer, BadRating):
        if answer.numeric:
            raise InputError(path, row, column, f"rating {text!r} is outside 1–4")
        raise InputError(path, row, column, f"rating {text!r} is not a number (1–4 or empty)")
    return answer


def _number(path: str, row: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        hint = " (use a dot as decimal separator)" if "," in text else ""
        raise InputError(path, row, column, f"{text!r} is not a number{hint}") from None
    if not math.isfinite(value):
        raise InputError(path, row, column, f"{text!r} is not a finite number")
    return value


def response_regime(path: str) -> str:
    """`2004` when the header has the 14 element columns of KepMenPAN 25/2004 (historical
    surveys), otherwise the SKM-2017 instrument."""
    try:
        header = _read(path).header
    except ReadError:
        return "skm2017"  # _rows reports the problem with its file and row
    return "2004" if set(ELEMENTS_2004) <= set(header) else "skm2017"


def read_responses(
    path: str, regime: str = "skm2017"
) -> dict[str, list[dict[str, int | None]]]:
    """Responses grouped by unit code, units in order of first appearance."""
    codes = elements_for(regime)
    out: dict[str, list[dict[str, int | None]]] = {}
    for row, record in _rows(path, ("unit", *codes), RESPONSE_OPTIONAL):
        unit = record["unit"]
        if not unit:
            raise InputError(path, row, "unit", "empty unit code")
        answers = {code: _rating(path, row, code, record[code]) for code in codes}
        out.setdefault(unit, []).append(answers)
    return out


def read_units(path: str) -> list[UnitInfo]:
    units: list[UnitInfo] = []
    seen: set[str] = set()
    for row, record in _rows(path, UNIT_REQUIRED, UNIT_OPTIONAL):
        unit = record["unit"]
        if not unit:
            raise InputError(path, row, "unit", "empty unit code")
        if unit in seen:
            raise InputError(path, row, "unit", f"duplicate unit {unit!r}")
        seen.add(unit)
        volume_text = record.get("volume", "")
        volume: int | None = None
        if volume_text:
            # Digits only: "1.000" is a thousand in Indonesian usage, so separators are refused.
            if not (volume_text.isascii() and volume_text.isdigit()):
                raise InputError(
                    path,
                    row,
                    "volume",
                    f"{volume_text!r} is not a whole number of transactions (digits only)",
                )
            volume = int(volume_text)
        units.append(
            UnitInfo(
                unit,
                record.get("name") or None,
                record.get("agency") or None,
                record.get("peer_group") or None,
                volume,
            )
        )
    return units


def read_kpis(path: str, known_units: set[str]) -> list[Kpi]:
    kpis: list[Kpi] = []
    seen: set[tuple[str, str]] = set()
    for row, record in _rows(path, KPI_REQUIRED, KPI_OPTIONAL):
        unit = record["unit"]
        if unit not in known_units:
            raise InputError(path, row, "unit", f"unknown unit {unit!r}")
        indicator = record["indicator"]
        if not indicator:
            raise InputError(path, row, "indicator", "empty indicator name")
        if indicator in ELEMENTS:
            raise InputError(
                path,
                row,
                "indicator",
                f"{indicator!r} is an SKM element code; rename the indicator",
            )
        if (unit, indicator) in seen:
            raise InputError(
                path, row, "indicator", f"duplicate indicator {indicator!r} for unit {unit!r}"
            )
        seen.add((unit, indicator))
        target = _number(path, row, "target", record["target"])
        if target <= 0:
            raise InputError(path, row, "target", f"target must be positive, got {target:g}")
        actual = _number(path, row, "actual", record["actual"]) if record["actual"] else None
        direction = record["direction"].lower()
        if direction not in ("higher", "lower"):
            raise InputError(
                path, row, "direction", f"{record['direction']!r} must be 'higher' or 'lower'"
            )
        weight = _number(path, row, "weight", record["weight"])
        if weight <= 0:
            raise InputError(path, row, "weight", f"weight must be positive, got {weight:g}")
        prev_text = record.get("previous_actual", "")
        previous = _number(path, row, "previous_actual", prev_text) if prev_text else None
        kpis.append(Kpi(unit, indicator, target, actual, direction, weight, previous))
    return kpis


def load(args: argparse.Namespace, regime: str = "skm2017") -> tuple[list[UnitData], list[Kpi]]:
    """Read and validate every input file; returns the engine's units (with their names from
    the units file) and KPIs."""
    responses = read_responses(args.responses, regime)
    if args.units:
        infos = read_units(args.units)
        known = {i.unit for i in infos}
        for unit in responses:
            if unit not in known:
                row = _first_row(args.responses, unit, regime)
                raise InputError(
                    args.responses, row, "unit", f"unknown unit {unit!r} (not in {args.units})"
                )
    else:
        infos = [UnitInfo(u, None, None, None, None) for u in responses]
    units = [
        unit_data_from_responses(
            i.unit,
            i.agency,
            i.peer_group,
            i.volume,
            responses.get(i.unit, []),
            regime=regime,
            name=i.name,
        )
        for i in infos
    ]
    kpis = read_kpis(args.kpis, {i.unit for i in infos}) if args.kpis else []
    return units, kpis


def _first_row(path: str, unit: str, regime: str) -> int | None:
    for row, record in _rows(path, ("unit", *elements_for(regime)), RESPONSE_OPTIONAL):
        if record["unit"] == unit:
            return row
    return None


# --- output ----------------------------------------------------------------------------------


def _caption(w_satisfaction: float, w_kpi: float, draws: int, seed: int) -> str:
    """The table's footer: what the index is made of."""
    if w_kpi == 0:
        made_of = "index = satisfaction alone (no KPI pillar)"
    else:
        made_of = f"index = {w_satisfaction:g} × satisfaction + {w_kpi:g} × KPI"
    return f"{made_of}; {draws} draws, seed {seed}; interval = 95% rank interval"


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _span(iv: RankInterval) -> str:
    if iv.low is None:
        return ""
    return str(iv.low) if iv.low == iv.high else f"{iv.low}–{iv.high}"


def _display_order(units: list[UnitScore]) -> list[UnitScore]:
    """Ranked units by rank, then other units with an index (highest first), then the rest."""
    ranked = sorted((u for u in units if u.rank is not None), key=lambda u: u.rank or 0)
    indexed = sorted(
        (u for u in units if u.rank is None and u.index is not None),
        key=lambda u: -(u.index or 0.0),
    )
    rest = [u for u in units if u.index is None]
    return ranked + indexed + rest


def render_table(result: ScoreResult) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 140)
    params = result.parameters
    table = Table(
        title=f"Suara Layanan — performance index (method {result.method})",
        caption=_caption(params.w_satisfaction, params.w_kpi, params.draws, params.seed),
    )
    for header, justify in (
        ("Rank", "right"),
        ("Interval", "center"),
        ("Unit", "left"),
        ("n", "right"),
        ("IKM", "right"),
        ("Grade", "left"),
        ("Satisfaction", "right"),
        ("KPI", "right"),
        ("Index", "right"),
        ("Status", "left"),
        ("Funnel", "left"),
    ):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for u in _display_order(result.units):
        grade = f"{u.grade} {GRADE_LABELS[u.grade]}" if u.grade else ""
        table.add_row(
            "" if u.rank is None else str(u.rank),
            _span(u.rank_interval),
            f"{u.name} ({u.unit})" if u.name else u.unit,
            str(u.n),
            _fmt(u.ikm, 2),
            grade,
            _fmt(u.satisfaction, 1),
            _fmt(u.kpi, 1),
            _fmt(u.index, 1),
            STATUS_LABELS[u.status],
            u.funnel or "",
        )
    console.print(table)
    need = result.city.respondents_for_reliability
    if need is not None:
        console.print(f"Respondents a unit needs for reliability 0.70: {need}")
    elif result.city.respondents_for_reliability_reason == "no_between_unit_variation":
        console.print(
            "The units do not differ measurably (between-unit variance 0): no number of "
            "respondents makes a unit's own score reliable, so every score is pulled fully to "
            "the average."
        )
    agencies: list[AgencyScore] = [a for a in result.agencies if a.index is not None]
    if agencies:
        at = Table(title="Agencies")
        for header in ("Rank", "Interval", "Agency", "Index"):
            at.add_column(header)
        for a in sorted(agencies, key=lambda a: a.rank or 0):
            at.add_row(
                str(a.rank),
                _span(a.rank_interval),
                f"{a.name} ({a.agency})" if a.name else str(a.agency),
                _fmt(a.index, 1),
            )
        console.print(at)


def render_csv(result: ScoreResult) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for u in result.units:
        iv = u.rank_interval
        row: dict[str, Any] = {
            **{k: getattr(u, k) for k in CSV_COLUMNS if k in UnitScore.__struct_fields__},
            "rank_low": iv.low,
            "rank_median": iv.median,
            "rank_high": iv.high,
            "p_top3": iv.p_top3,
        }
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])


def run(args: argparse.Namespace) -> int:
    """Run ``suara score``; returns the exit code (2 for bad input)."""
    regime = response_regime(args.responses)
    try:
        params = Parameters(
            w_satisfaction=args.w_satisfaction,
            seed=args.seed,
            draws=args.draws,
            ikm_weight=args.ikm_weight,
            ikm_round=args.ikm_round,
            regime=regime,
        )
    except ValueError as exc:
        print(f"suara score: invalid option: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        units, kpis = load(args, regime)
        result = score(units, kpis, params)
    except InputError as exc:
        print(f"suara score: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:  # anything the engine still rejects
        print(f"suara score: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT

    if args.format == "json":
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(result), indent=2).decode())
        sys.stdout.write("\n")
    elif args.format == "csv":
        render_csv(result)
    else:
        render_table(result)
    return EXIT_OK
