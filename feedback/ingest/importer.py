"""Import of historical SKM responses (paper questionnaires typed into a spreadsheet).

Input: a UTF-8 CSV (optional BOM; `,` or `;` separated) or the first sheet of an XLSX
workbook, with a header row (row 1). Columns, matched case-insensitively after trimming:
`unit, submitted_at` and the nine element codes (required), plus optional
`service, channel, gender, age, education, occupation, comment`.

Three steps, usable on their own:

* `read_rows(path)` reads the file and checks its structure (readable, CSV or XLSX, a header
  with every required column and no unknown or repeated one, at least one data row). Any
  problem raises `ImportFileError`: nothing of such a file is imported.
* `check_rows(sheet, catalog)` checks every row against the organisation (`load_catalog()`)
  and the SKM rules and returns the rows to store and the rejections (`FILE:ROW: column:
  reason`, the header being row 1, as in a spreadsheet). A rejected row never stops the
  others.
* `import_file(path)` does both and stores the valid rows in ONE transaction with
  their per-unit-day aggregates, all or nothing.

Rules for the stored responses: channel `import`, language `id`, not verified, no device
hash; the unit's first counter (lowest id); the current SKM-2017 questionnaire; `answered`
and `counted` by the 7-of-9 rule (rows with fewer answers are stored but do not count,
as on paper); a new receipt code. `submission_key` is `import:<digest>:<row>` (the
file's content digest, shortened, and the row number), so importing the same file again
stores nothing twice (those rows are reported as already imported), whatever its name.
The digest is taken over the cell values read, not the raw bytes, so re-saving an unchanged
workbook or converting line endings does not change it; editing any cell does.

Corrections: every import has a source, the file's name without its folder unless given
(`source=`, `suara import --source NAME`), and `import_source` remembers the content each
source was last imported with. Importing a source again with other content (a rejected
row fixed, a typo corrected) supersedes the earlier version in the same transaction: its
rows are kept but excluded (`excluded_reason` "superseded: source ..."), their aggregates
retracted, and the new file's rows stored and added, so the source's counted rows are
exactly those of the latest file. Going back to an earlier version counts its rows again
(rows excluded by staff for another reason stay excluded).

Values: ratings 1-4 or empty; `submitted_at` ISO 8601 date or date-time (naive values are
WITA, a date alone means 12:00 WITA; XLSX date and date-time cells are accepted too);
`age` a number of years or an age band code; `gender` L/P (also Laki-laki/Perempuan,
Pria/Wanita); `education` and `occupation` the SKM codes (case-insensitive; for education
also SMP, SMA, SMK, D1, D2, D3); `service` a service code or name of the unit; `channel`
is accepted but ignored (imported responses always have channel `import`). `unit` is a
unit code, a unit's exact name, or a name listed in the unit map (`name,unit` CSV).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from os import PathLike
from pathlib import Path
from typing import Any

from feedback import sql
from feedback.aggregates import daily as aggregates
from feedback.clock import WITA
from feedback.clock import wita_day as _wita_day
from feedback.engine import is_sqlite, transaction
from feedback.ingest.reader import (
    BadRating,
    Progress,
    ReadError,
    Rejection,
    Sheet,
    parse_rating,
    read_sheet,
    read_table,
)
from feedback.ingest.reader import cell_text as _text
from feedback.ingest.reader import is_empty as _is_empty
from feedback.ingest.reader import shown as _shown
from feedback.survey import responses, skm
from feedback.survey.receipts import new_receipts
from feedback.survey.skm import current_questionnaire_id
from feedback.survey.text import clean_text
from feedback.tables import Counter, Response, Service, Unit
from scoring.ikm import ELEMENTS, min_answered

__all__ = [
    "CHANNEL",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Catalog",
    "ImportFileError",
    "ImportReport",
    "Progress",
    "Rejection",
    "Sheet",
    "UnitInfo",
    "ValidRow",
    "check_rows",
    "import_file",
    "load_catalog",
    "read_rows",
    "read_unit_map",
    "submission_key",
]

CHANNEL = "import"
REQUIRED_COLUMNS: tuple[str, ...] = ("unit", "submitted_at", *ELEMENTS)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "service", "channel", "gender", "age", "education", "occupation", "comment",
)
_NOON = time(12, 0)
_EARLIEST_YEAR = 2000
_MIN_ANSWERED = min_answered()  # 7 of 9: fewer are stored but not counted

# progress(phase, done, total): phase is "read" (rows read; total an estimate or None)
# or "write" (rows stored; total = rows to store).


ImportFileError = ReadError  # the file cannot be imported at all: nothing is stored


# ---------------------------------------------------------------------------- reading


def read_rows(path: str | PathLike[str], progress: Progress | None = None) -> Sheet:
    """Read a responses file (CSV or XLSX) and check its structure. Raises ImportFileError
    naming the file (and the column) for a file that cannot be imported at all."""
    return read_table(path, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, progress=progress)


def read_unit_map(path: str | PathLike[str]) -> dict[str, str]:
    """A `name,unit` CSV (or XLSX) mapping spreadsheet names to unit codes, keyed by the
    normalised name (case and spacing ignored). Raises ImportFileError."""
    sheet = read_sheet(path, what="unit map")
    index = sheet.index()
    missing = [c for c in ("name", "unit") if c not in index]
    if missing:
        raise ImportFileError(sheet.path, f"unit map needs the columns name,unit in its header "
                                          f"(missing {', '.join(missing)})")
    if not sheet.rows:
        raise ImportFileError(sheet.path, "unit map has a header but no rows")
    out: dict[str, str] = {}
    for number, cells in sheet.rows:
        raw_name = _text(_cell(cells, index["name"]))
        code = _text(_cell(cells, index["unit"]))
        if not raw_name or not code:
            raise ImportFileError(sheet.path, f"row {number}: unit map rows need both a name "
                                              "and a unit code")
        key = _name_key(raw_name)
        if key in out and out[key] != code:
            raise ImportFileError(sheet.path, f"row {number}: {raw_name!r} is mapped twice, to "
                                              f"{out[key]!r} and to {code!r}")
        out[key] = code
    return out


# ---------------------------------------------------------------------------- the organisation


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    counter_id: int | None  # the unit's first counter (lowest id), None without counters
    services: Mapping[str, int]  # casefolded service code and Indonesian name -> id


@dataclass(frozen=True)
class Catalog:
    """What row checks need to know about the organisation."""

    units: Mapping[str, UnitInfo]  # by unit code
    questionnaire_id: int
    by_code: Mapping[str, UnitInfo] = field(default_factory=dict)  # casefolded code
    by_name: Mapping[str, UnitInfo | None] = field(default_factory=dict)  # None: ambiguous

    @classmethod
    def build(cls, units: Iterable[UnitInfo], questionnaire_id: int) -> Catalog:
        units = list(units)
        by_name: dict[str, UnitInfo | None] = {}
        for u in units:
            key = _name_key(u.name)
            by_name[key] = None if key in by_name else u
        return cls(units={u.code: u for u in units}, questionnaire_id=questionnaire_id,
                   by_code={u.code.casefold(): u for u in units}, by_name=by_name)

    def find(self, text: str) -> UnitInfo | None:
        return (self.units.get(text) or self.by_code.get(text.casefold())
                or self.by_name.get(_name_key(text)))


async def load_catalog() -> Catalog:
    """Units, their first counter and their services, and the current SKM questionnaire."""
    units = await Unit.select(Unit.id, Unit.code, Unit.name)
    first_counter: dict[int, int] = {}
    for c in await Counter.select(Counter.id, Counter.unit).order_by(Counter.id):
        first_counter.setdefault(c["unit"], c["id"])
    services: dict[int, dict[str, int]] = {}
    for s in await Service.select(Service.id, Service.unit, Service.code, Service.name_id):
        found = services.setdefault(s["unit"], {})
        found.setdefault(_name_key(s["name_id"]), s["id"])
        found[s["code"].casefold()] = s["id"]  # a code wins over another service's name
    return Catalog.build(
        (UnitInfo(u["id"], u["code"], u["name"], first_counter.get(u["id"]),
                  services.get(u["id"], {})) for u in units),
        await current_questionnaire_id(),
    )


# ---------------------------------------------------------------------------- row checks


@dataclass(frozen=True, slots=True)
class ValidRow:
    """A checked row, ready to store."""

    row: int
    key: str  # submission_key
    unit_id: int
    unit_code: str
    counter_id: int
    service_id: int | None
    answers: dict[str, int]  # answered elements only, in ELEMENTS order
    counted: bool
    submitted_at: datetime  # aware, UTC
    gender: str | None
    age_band: str | None
    education: str | None
    occupation: str | None
    comment: str | None


def submission_key(digest: str, row: int) -> str:
    """`import:<first 40 hex digits of the file's content digest>:<row number>`: unique per
    file content and row, and every response of one file shares the prefix (so an import
    can be found again, e.g. to exclude a file imported by mistake). Rows of one file sort
    together, which keeps the unique index cheap to fill."""
    return f"import:{digest[:40]}:{row:07d}"


def _cell(cells: tuple[Any, ...], i: int | None) -> Any:
    return cells[i] if i is not None and i < len(cells) else None


def _name_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


# A plain decimal number (ASCII digits, "." or "," as decimal mark): not "1e3", "1_0", "²".
_NUMBER = re.compile(r"[+-]?[0-9]{1,6}(?:[.,][0-9]{0,6})?")


def _rating(value: Any) -> int | None | str:
    """1..4, None (empty) or an error message (the shared parser of feedback.ingest.reader)."""
    answer = parse_rating(value)
    return answer.reason if isinstance(answer, BadRating) else answer


def _moment(value: Any, now: datetime) -> datetime | str:
    """An aware UTC datetime, or an error message. Naive values are WITA; a date is noon."""
    if _is_empty(value):
        return "missing: give the date (YYYY-MM-DD) or date and time of the visit"
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = value  # type: ignore[assignment]
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) <= 10:
                moment = date.fromisoformat(text)  # type: ignore[assignment]
            else:
                moment = datetime.fromisoformat(text.removesuffix("WITA").rstrip())
        except ValueError:
            return (f"{_shown(value)} is not an ISO 8601 date or date-time "
                    "(e.g. 2025-03-04 or 2025-03-04 07:30)")
    else:
        return (f"{_shown(value)} is not a date: format the cell as a date or write "
                "YYYY-MM-DD")
    if moment.year < _EARLIEST_YEAR:  # e.g. a spreadsheet's empty date, 1899-12-30
        return f"{_shown(value)} is before {_EARLIEST_YEAR}: not a plausible survey date"
    if not isinstance(moment, datetime):  # a date alone
        today = _wita_day(now)
        if moment > today:
            return f"{moment.isoformat()} is in the future"
        noon = datetime.combine(moment, _NOON, tzinfo=WITA).astimezone(UTC)
        return min(noon, now)  # today's date imported in the morning stays on today
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WITA)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59-14:00
        return f"{_shown(value)} is in the future"
    if moment > now:
        return f"{_shown(value)} is in the future"
    return moment


_GENDERS = {"l": "L", "p": "P", "laki-laki": "L", "lakilaki": "L", "laki": "L", "pria": "L",
            "perempuan": "P", "wanita": "P"}
_EDUCATION = {
    **{code.casefold(): code for code in skm.EDUCATION},
    **{label.casefold(): code for code, label in skm.EDUCATION.items()},
    "smp": "SLTP", "sma": "SLTA", "smk": "SLTA", "d1": "D1-D3", "d2": "D1-D3", "d3": "D1-D3",
}
_OCCUPATIONS = {code.casefold(): code for code in skm.OCCUPATIONS}
_AGE_BANDS = {code.casefold(): code for code in skm.AGE_BANDS}
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-"})


def _choice(value: Any, options: Mapping[str, str], allowed: str) -> str | None | Rejected:
    text = _text(value).translate(_DASHES)
    if not text:
        return None
    found = options.get(" ".join(text.split()).casefold())
    if found is None:
        return Rejected(f"{_shown(value)} is not one of {allowed}")
    return found


def _age(value: Any) -> str | None | Rejected:
    if _is_empty(value):
        return None
    number: Any = value
    if isinstance(value, str):
        text = value.strip().translate(_DASHES)
        band = _AGE_BANDS.get(text.replace(" ", "").casefold())
        if band is not None:
            return band
        if not _NUMBER.fullmatch(text):
            return Rejected(f"{_shown(value)} is neither an age in years nor one of "
                            f"{', '.join(skm.AGE_BANDS)}")
        number = float(text.replace(",", "."))
    if isinstance(number, bool) or not isinstance(number, int | float):
        return Rejected(f"{_shown(value)} is not an age in years")
    if not float(number).is_integer() or not 1 <= number <= 120:
        return Rejected(f"{_shown(value)} is not a plausible age in whole years (1-120)")
    years = int(number)
    if years < 20:
        return "<20"
    if years >= 60:
        return "60+"
    low = years // 10 * 10
    return f"{low}-{low + 9}"


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str


def _memo(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`check` with its results remembered for text and empty cells (values repeat a lot)."""
    cache: dict[str | None, Any] = {}

    def memoised(value: Any) -> Any:
        if value is None or type(value) is str:
            try:
                return cache[value]
            except KeyError:
                result = cache[value] = check(value)
                return result
        return check(value)

    return memoised


def check_rows(
    sheet: Sheet,
    catalog: Catalog,
    *,
    unit_map: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> tuple[list[ValidRow], list[Rejection]]:
    """Check every data row. Returns the rows to store and one Rejection per problem (a row
    with several problems gets several, and is rejected once). `unit_map` maps names
    (case and spacing ignored) to unit codes. Rows dated after `now` are rejected."""
    now = datetime.now(UTC) if now is None else now.astimezone(UTC)
    index = sheet.index()
    width = len(sheet.header)
    col = {name: index.get(name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    element_cols = [(e, index[e]) for e in ELEMENTS]
    units: dict[str, UnitInfo | str] = {}  # cell text -> unit, or an error message
    mapping = {_name_key(k): v for k, v in (unit_map or {}).items()}
    path = sheet.path
    valid: list[ValidRow] = []
    rejections: list[Rejection] = []

    def resolve(text: str) -> UnitInfo | str:
        mapped = mapping.get(_name_key(text))
        if mapped is not None:
            unit = catalog.find(mapped)
            if unit is None:
                return (f"{_shown(text)} maps to {mapped!r} in the unit map, which is not a "
                        "unit code")
        else:
            unit = catalog.find(text)
            if unit is None:
                hint = ("not a unit code and not in the unit map" if mapping
                        else "use a unit code, or give a --unit-map for names")
                return f"unknown unit {_shown(text)} ({hint})"
        if unit.counter_id is None:
            return f"unit {unit.code!r} has no counters: add a counter to it before importing"
        return unit

    rating = _memo(_rating)
    gender = _memo(lambda v: _choice(v, _GENDERS, "L, P, Laki-laki, Perempuan"))
    age = _memo(_age)
    education = _memo(lambda v: _choice(v, _EDUCATION, ", ".join(skm.EDUCATION)))
    occupation = _memo(lambda v: _choice(v, _OCCUPATIONS, ", ".join(skm.OCCUPATIONS)))
    # Positions of the columns; an absent optional column reads the None added at `width`.
    at = {name: width if i is None else i for name, i in col.items()}
    i_unit, i_when, i_service, i_comment = (at["unit"], at["submitted_at"], at["service"],
                                            at["comment"])
    profile_checks = (("gender", at["gender"], gender), ("age", at["age"], age),
                      ("education", at["education"], education),
                      ("occupation", at["occupation"], occupation))

    for number, cells in sheet.rows:
        errors = sheet.shape_errors(cells)
        cells = cells[:width]
        cells = cells + (None,) * (width + 1 - len(cells))

        unit_text = _text(cells[i_unit])
        unit: UnitInfo | None = None
        if not unit_text:
            errors.append(("unit", "missing"))
        else:
            found = units.get(unit_text)
            if found is None:
                found = units[unit_text] = resolve(unit_text)
            if isinstance(found, str):
                errors.append(("unit", found))
            else:
                unit = found

        moment = _moment(cells[i_when], now)
        if isinstance(moment, str):
            errors.append(("submitted_at", moment))

        answers: dict[str, int] = {}
        for element, i in element_cols:
            answer = rating(cells[i])
            if answer is None:
                continue
            if isinstance(answer, str):
                errors.append((element, answer))
            else:
                answers[element] = answer

        service_id = None
        service_text = _text(cells[i_service])
        if service_text and unit is not None:
            service_id = unit.services.get(service_text.casefold(),
                                           unit.services.get(_name_key(service_text)))
            if service_id is None:
                errors.append(("service", f"unit {unit.code!r} has no service "
                                          f"{_shown(service_text)}"))

        profile: dict[str, Any] = {}
        for column, i, check in profile_checks:
            value = check(cells[i])
            if isinstance(value, Rejected):
                errors.append((column, value.reason))
            profile[column] = value

        comment = None
        raw_comment = cells[i_comment]
        if not _is_empty(raw_comment):
            comment = clean_text(_text(raw_comment)) or None
            if comment and len(comment) > skm.MAX_COMMENT_CHARS:
                errors.append(("comment", f"{len(comment)} characters; at most "
                                          f"{skm.MAX_COMMENT_CHARS}"))

        if errors:
            rejections.extend(Rejection(path, number, c, r) for c, r in errors)
            continue
        assert unit is not None and unit.counter_id is not None
        assert isinstance(moment, datetime)
        valid.append(ValidRow(
            row=number, key=submission_key(sheet.digest, number), unit_id=unit.id,
            unit_code=unit.code, counter_id=unit.counter_id, service_id=service_id,
            answers=answers, counted=len(answers) >= _MIN_ANSWERED, submitted_at=moment,
            gender=profile["gender"], age_band=profile["age"],
            education=profile["education"], occupation=profile["occupation"],
            comment=comment,
        ))
    return valid, rejections


# ---------------------------------------------------------------------------- storing


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    path: str
    digest: str
    rows: int = 0  # data rows read (blank rows left out)
    blank: int = 0
    imported: int = 0  # stored by this run (dry run: would be stored)
    already_imported: int = 0  # stored by an earlier import of the same file
    rejected: int = 0  # rows rejected
    not_counted: int = 0  # of the imported rows: fewer than 7 of 9 answered
    rejections: list[Rejection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    per_unit: dict[str, int] = field(default_factory=dict)  # unit code -> imported
    dry_run: bool = False
    source: str = ""  # the import source (file name or --source)
    superseded: int = 0  # rows of the source's earlier import now excluded
    reinstated: int = 0  # rows of this file superseded before and now counted again


_CHUNK = 2000  # rows per write (and progress step)


def _values(r: ValidRow, questionnaire_id: int, receipt: str) -> tuple[Any, ...]:
    """In feedback.survey.responses.COLUMNS order (`counted` derives from the answers)."""
    return responses.row(
        counter_id=r.counter_id, unit_id=r.unit_id, questionnaire_id=questionnaire_id,
        service_id=r.service_id, answers=r.answers, gender=r.gender, age_band=r.age_band,
        education=r.education, occupation=r.occupation, comment=r.comment, channel=CHANNEL,
        lang="id", submitted_at=r.submitted_at, receipt=receipt, submission_key=r.key,
    )


async def _insert(rows: list[ValidRow], questionnaire_id: int,
                  progress: Progress | None) -> tuple[list[ValidRow], int]:
    """Insert rows (inside a transaction) through the one bulk path that keeps receipts
    unique (feedback.survey.responses.store). Returns the rows stored and how many were found
    stored meanwhile by a concurrent import of the same file."""
    stored: list[ValidRow] = []
    concurrent = 0
    done = 0
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        codes = new_receipts(len(chunk))
        out = await responses.store([_values(r, questionnaire_id, code)
                                     for r, code in zip(chunk, codes, strict=True)])
        stored.extend(r for r in chunk if r.key in out)
        left = [r.key for r in chunk if r.key not in out]
        if left:
            elsewhere = await responses.find(left)
            if len(elsewhere) < len(left):
                raise RuntimeError("could not find unused receipt codes for "
                                   f"{len(left) - len(elsewhere)} rows")
            concurrent += len(elsewhere)
        done += len(chunk)
        if progress is not None:
            progress("write", done, len(rows))
    return stored, concurrent


async def import_file(
    path: str | PathLike[str],
    unit_map: Mapping[str, str] | str | PathLike[str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    *,
    now: datetime | None = None,
    source: str | None = None,
) -> ImportReport:
    """Read, check and store a responses file: the valid rows in ONE transaction together
    with their per-unit-day aggregates (all or nothing on a database failure). `unit_map` is
    a `name,unit` file or an already read mapping. With `dry_run`, nothing is written and
    the report says what would be stored. Raises ImportFileError (nothing stored) for a
    file, or unit map, that cannot be imported at all.

    `source` (default: the file's name without its folder) identifies the file across
    versions: when the source was last imported with other content, the rows of that
    earlier import are excluded (kept, with a reason) and taken out of the aggregates in the
    same transaction, so the source's rows are exactly those of this file."""
    if unit_map is None or isinstance(unit_map, Mapping):
        mapping = dict(unit_map or {})
    else:
        mapping = read_unit_map(unit_map)
    sheet = read_rows(path, progress)
    catalog = await load_catalog()
    valid, rejections = check_rows(sheet, catalog, unit_map=mapping, now=now)
    report = ImportReport(path=sheet.path, digest=sheet.digest, rows=len(sheet.rows),
                          blank=sheet.blank, rejections=rejections,
                          rejected=len({r.row for r in rejections}), dry_run=dry_run)
    if "channel" in sheet.header:
        report.notices.append("the channel column is ignored: imported responses are stored "
                              f"with channel {CHANNEL!r}")
    if not valid:
        return report

    keys = [r.key for r in valid]
    report.source = source = _source_name(path, source)
    moment = datetime.now(UTC)
    if dry_run:
        async with transaction():  # read only
            previous = await _previous_import(source, lock=False)
            existing = await _stored_rows(keys)
            old = await _superseded_rows(previous, sheet.digest)
        new = [r for r in valid if r.key not in existing]
        report.already_imported = len(valid) - len(new)
        report.superseded = len(old)
        report.reinstated = len(_to_reinstate(existing, valid))
        _count(report, new)
        return report

    async with transaction():
        previous = await _previous_import(source, lock=True)
        existing = await _stored_rows(keys)
        old = await _superseded_rows(previous, sheet.digest)
        await _exclude(old, f"{SUPERSEDED} {source!r} imported again on "
                            f"{moment.astimezone(WITA):%Y-%m-%d %H:%M} WITA "
                            f"(file {sheet.digest[:12]})")
        back = await _stored_rows(_to_reinstate(existing, valid), _ROW_COLUMNS)
        await _reinstate(list(back.values()))
        new = [r for r in valid if r.key not in existing]
        stored, concurrent = await _insert(new, catalog.questionnaire_id, progress)
        await aggregates.apply(aggregates.deltas(
            (r.unit_id, _wita_day(r.submitted_at), r.answers,
             aggregates.group_keys(r.counter_id, r.service_id, r.gender, r.age_band,
                                   r.education, r.occupation))
            for r in stored))
        await _record_import(source, sheet, moment)
    report.already_imported = len(existing) + concurrent
    report.superseded = len(old)
    report.reinstated = len(back)
    _count(report, stored)
    return report


# ---------------------------------------------------------------------------- re-imports

SUPERSEDED = "superseded: source"  # excluded_reason prefix of rows of a superseded import
SOURCE_LENGTH = 200
_FIND_SQLITE = 1000
_FIND_PG = 20_000
_KEY_COLUMNS = '"submission_key", "excluded", "excluded_reason"'
_ROW_COLUMNS = ('"id", "unit", "submitted_at", "answers", "excluded", "excluded_reason", '
                '"submission_key", "counter", "service", "gender", "age_band", "education", '
                '"occupation"')


def _source_name(path: str | PathLike[str], source: str | None) -> str:
    name = (source if source is not None else Path(path).name).strip()
    if not name:
        raise ImportFileError(path, "the import source name is empty")
    if len(name) > SOURCE_LENGTH:
        raise ImportFileError(path, f"the import source name has {len(name)} characters; at "
                                    f"most {SOURCE_LENGTH}")
    return name


@dataclass(frozen=True)
class _Previous:
    digest: str
    last_row: int


async def _previous_import(source: str, *, lock: bool) -> _Previous | None:
    """The content the source was last imported with (locked until the end of the
    transaction on PostgreSQL; SQLite's write transaction already excludes other writers)."""
    if lock and not is_sqlite():
        await sql.fetch('INSERT INTO "import_source" ("source", "digest", "last_row", '
                        '"imported_at") VALUES (?, \'\', 0, ?) ON CONFLICT ("source") DO NOTHING',
                        source, datetime.now(UTC))
        rows = await sql.fetch('SELECT "digest", "last_row" FROM "import_source" '
                               'WHERE "source" = ? FOR UPDATE', source)
    else:
        rows = await sql.fetch('SELECT "digest", "last_row" FROM "import_source" '
                               'WHERE "source" = ?', source)
    if not rows or not rows[0]["digest"]:
        return None
    return _Previous(rows[0]["digest"], rows[0]["last_row"])


async def _record_import(source: str, sheet: Sheet, moment: datetime) -> None:
    last_row = max((n for n, _ in sheet.rows), default=1)
    await sql.fetch('INSERT INTO "import_source" ("source", "digest", "last_row", '
                    '"imported_at") VALUES (?, ?, ?, ?) ON CONFLICT ("source") DO UPDATE SET '
                    '"digest" = excluded."digest", "last_row" = excluded."last_row", '
                    '"imported_at" = excluded."imported_at"',
                    source, sheet.digest, last_row, moment)


async def _stored_rows(keys: Sequence[str], columns: str = _KEY_COLUMNS
                       ) -> dict[str, dict[str, Any]]:
    """The stored responses with these submission keys, by key (inside a transaction):
    key and exclusion, or the given columns."""
    found: dict[str, dict[str, Any]] = {}
    if is_sqlite():
        for start in range(0, len(keys), _FIND_SQLITE):
            chunk = keys[start:start + _FIND_SQLITE]
            rows = await sql.fetch(f'SELECT {columns} FROM "response" WHERE '
                                   f'"submission_key" IN ({", ".join("?" * len(chunk))})',
                                   *chunk)
            found.update((r["submission_key"], r) for r in rows)
        return found
    columns = ", ".join(f"r.{c.strip()}" for c in columns.split(","))
    for start in range(0, len(keys), _FIND_PG):
        rows = await sql.fetch(f'SELECT {columns} FROM unnest(?::varchar[]) AS k("key") '
                               'JOIN "response" AS r ON r."submission_key" = k."key"',
                               list(keys[start:start + _FIND_PG]))
        found.update((r["submission_key"], r) for r in rows)
    return found


async def _superseded_rows(previous: _Previous | None, digest: str) -> list[dict[str, Any]]:
    """The counted-for rows (not excluded) of the source's earlier import, when it had
    other content."""
    if previous is None or previous.digest == digest:
        return []
    keys = [submission_key(previous.digest, n) for n in range(2, previous.last_row + 1)]
    return [r for r in (await _stored_rows(keys, _ROW_COLUMNS)).values() if not r["excluded"]]


def _to_reinstate(existing: Mapping[str, Mapping[str, Any]], valid: Sequence[ValidRow]
                  ) -> list[str]:
    """Keys of rows of this very file that a later import of its source had superseded."""
    return [r.key for r in valid if (s := existing.get(r.key)) is not None and s["excluded"]
            and (s["excluded_reason"] or "").startswith(SUPERSEDED)]


def _aggregate_rows(rows: Iterable[Mapping[str, Any]]
                    ) -> dict[tuple[int, date], aggregates.DayDelta]:
    def answers(value: Any) -> dict[str, int]:
        return json.loads(value) if isinstance(value, str | bytes) else value

    def moment(value: Any) -> datetime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    return aggregates.deltas((r["unit"], _wita_day(moment(r["submitted_at"])),
                              answers(r["answers"]),
                              aggregates.group_keys(r["counter"], r["service"], r["gender"],
                                                    r["age_band"], r["education"],
                                                    r["occupation"])) for r in rows)


async def _exclude(rows: Sequence[Mapping[str, Any]], reason: str) -> None:
    """Exclude rows (kept, with the reason) and take them out of the aggregates."""
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), _FIND_SQLITE):
        await Response.update({Response.excluded: True, Response.excluded_reason: reason}
                              ).where(Response.id.is_in(ids[start:start + _FIND_SQLITE]))
    await aggregates.retract(_aggregate_rows(rows))


async def _reinstate(rows: Sequence[Mapping[str, Any]]) -> None:
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), _FIND_SQLITE):
        await Response.update({Response.excluded: False, Response.excluded_reason: None}
                              ).where(Response.id.is_in(ids[start:start + _FIND_SQLITE]))
    await aggregates.apply(_aggregate_rows(rows))


def _count(report: ImportReport, rows: list[ValidRow]) -> None:
    report.imported = len(rows)
    report.not_counted = sum(1 for r in rows if not r.counted)
    for r in rows:
        report.per_unit[r.unit_code] = report.per_unit.get(r.unit_code, 0) + 1
