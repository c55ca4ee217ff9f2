"""The organisation file: agencies, units, counters and services in one CSV or XLSX table,
imported as an idempotent upsert by code (`import_org`) and written back in exactly the same
format (`export_rows`), so that exporting and importing again changes nothing.

One row per item; the `kind` column says which (`agency`, `unit`, `counter`, `service`);
the rows may come in any order. Columns (header row, names case-insensitive):

| column | agency | unit | counter | service |
|---|---|---|---|---|
| `kind` | required | required | required | required |
| `code` | required | required | optional: new counters get a random code | required (per unit) |
| `name` | required (200) | required (200) | required (120) | required, Indonesian (200) |
| `name_en` | - | - | - | required, English (200) |
| `agency` | - | required: agency code | - | - |
| `unit` | - | - | required: unit code | required: unit code |
| `peer_group` | - | required (40) | - | - |
| `volume` | - | monthly transactions (digits) | - | - |
| `kecamatan` | - | optional (60) | - | - |
| `kiosk` | - | - | 1/0 (empty: 0) | - |
| `hours` | - | - | opening hours (feedback.org.hours) | - |
| `active` | - | 1/0 (empty: 1) | 1/0 (empty: 1) | 1/0 (empty: 1) |

`kind`, `code` and `name` are required in the header; a column left out of the header keeps
the stored values (new items get the defaults; a new item whose required column is left out
is rejected), while a column that is present is applied as written (an empty `volume`,
`kecamatan` or `hours` clears it). A service row always needs `unit`, a counter row without
a code too. A cell in a column that
its kind does not use must be empty. Booleans: 1/0, yes/no, true/false, ya/tidak.

Items are matched by code: agencies and units by their code, services by unit and code,
counters by their public code, or, for a counter row without a code, by unit and name (a
new counter then gets a random code, printed in the report). A counter cannot move to
another unit (its responses belong to the first); a unit may move to another agency.
Deactivating (`active` 0) keeps everything stored; the item is no longer offered (an
inactive counter, or any counter of an inactive unit, has no citizen page).

Any rejected row rejects the whole file: the organisation is written in one transaction,
all or nothing. `dry_run` checks and reports without writing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

from feedback.engine import transaction
from feedback.ingest.reader import Rejection, Sheet, cell_text, read_table, shown
from feedback.org.codes import COUNTER_CODE, new_counter_code, new_counter_secret
from feedback.org.hours import HoursError, parse_hours
from feedback.tables import Agency, Counter, Service, Unit

__all__ = [
    "COLUMNS",
    "KINDS",
    "OrgReport",
    "Rejection",
    "export_rows",
    "import_org",
    "read_org",
]

KINDS = ("agency", "unit", "counter", "service")
COLUMNS = ("kind", "code", "name", "name_en", "agency", "unit", "peer_group", "volume",
           "kecamatan", "kiosk", "hours", "active")
REQUIRED = ("kind", "code", "name")
OPTIONAL = tuple(c for c in COLUMNS if c not in REQUIRED)
# The columns each kind uses besides kind, code and name.
USES: dict[str, tuple[str, ...]] = {
    "agency": (),
    "unit": ("agency", "peer_group", "volume", "kecamatan", "active"),
    "counter": ("unit", "kiosk", "hours", "active"),
    "service": ("unit", "name_en", "active"),
}
NAME_LENGTH = {"agency": 200, "unit": 200, "counter": 120, "service": 200}
CODE_LENGTH = 40
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_TRUE = {"1", "yes", "y", "true", "ya"}
_FALSE = {"0", "no", "n", "false", "tidak"}
ACTIONS = ("created", "updated", "unchanged")


@dataclass
class OrgReport:
    """What an import did (dry run: would do). `counts[kind][action]`, action one of
    created, updated, unchanged. Nothing is written when `rejections` is not empty."""

    path: str
    rows: int = 0
    dry_run: bool = False
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: dict.fromkeys(ACTIONS, 0) for k in KINDS})
    rejections: list[Rejection] = field(default_factory=list)
    new_counters: list[tuple[str, str, str]] = field(default_factory=list)  # code, unit, name

    @property
    def rejected(self) -> int:
        return len({r.row for r in self.rejections})

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.rejections


# ---------------------------------------------------------------------------- reading


def read_org(path: str | PathLike[str]) -> Sheet:
    """Read an organisation file and check its header. Raises ReadError."""
    return read_table(path, REQUIRED, OPTIONAL)


@dataclass
class _Row:
    """A checked row: `values` holds the stored columns given by the file."""

    number: int
    kind: str
    code: str | None
    parent: str | None  # agency code of a unit; unit code of a counter or service
    values: dict[str, Any]


class _RowErrors(Exception):
    pass


def _name(text: str, limit: int) -> str:
    if not text:
        raise ValueError("missing")
    if not text.isprintable():
        raise ValueError("contains a line break or control character")
    if len(text) > limit:
        raise ValueError(f"{len(text)} characters; at most {limit}")
    return text


def _code(text: str) -> str:
    if not text:
        raise ValueError("missing")
    if len(text) > CODE_LENGTH:
        raise ValueError(f"{len(text)} characters; at most {CODE_LENGTH}")
    if not _CODE.fullmatch(text):
        raise ValueError(f"{shown(text)} is not a code: use letters, digits, '-', '_' or "
                         "'.', starting with a letter or digit")
    return text


def _flag(text: str, default: bool) -> bool:
    if not text:
        return default
    word = text.casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{shown(text)} is not 1 or 0 (also yes/no, true/false, ya/tidak)")


def _volume(text: str) -> int | None:
    if not text:
        return None
    # Digits only: "1.000" is a thousand in Indonesian usage, so separators are refused.
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ValueError(f"{shown(text)} is not a whole number of transactions per month "
                         "(digits only)")
    return int(text)


def _optional_text(text: str, limit: int) -> str | None:
    return _name(text, limit) if text else None


def _check_row(number: int, cells: dict[str, str], present: set[str]) -> _Row:
    errors: list[tuple[str, str]] = []

    def get(column: str, check: Any, *args: Any) -> Any:
        try:
            return check(cells.get(column, ""), *args)
        except (ValueError, HoursError) as exc:
            errors.append((column, str(exc)))
            return None

    kind = cells["kind"].casefold()
    if kind not in KINDS:
        what = shown(cells["kind"]) if cells["kind"] else "missing"
        raise _RowErrors([("kind", f"{what}: use agency, unit, counter or service")])
    for column in OPTIONAL:
        if column not in USES[kind] and cells.get(column):
            errors.append((column, f"not used for a {kind} row: leave it empty"))
    code: str | None
    if kind == "counter":
        code = cells["code"] or None
        if code is not None and not COUNTER_CODE.fullmatch(code):
            errors.append(("code", f"{shown(code)} is not a counter code: 4 to 16 letters or "
                                   "digits (leave it empty to get a random one)"))
    else:
        code = get("code", _code)
    name = get("name", _name, NAME_LENGTH[kind])
    values: dict[str, Any] = {}
    parent: str | None = None
    if kind == "agency":
        values["name"] = name
    elif kind == "unit":
        values["name"] = name
        if "agency" in present:
            parent = get("agency", _code)
        if "peer_group" in present:
            values["peer_group"] = get("peer_group", _name, 40)
        if "volume" in present:
            values["monthly_volume"] = get("volume", _volume)
        if "kecamatan" in present:
            values["kecamatan"] = get("kecamatan", _optional_text, 60)
        if "active" in present:
            values["active"] = get("active", _flag, True)
    elif kind == "counter":
        values["name"] = name
        if "unit" in present:
            parent = get("unit", _code)
        if "kiosk" in present:
            values["is_kiosk"] = get("kiosk", _flag, False)
        if "hours" in present:
            values["opening_hours"] = get(
                "hours", lambda t: parse_hours(t) if t else None)
        if "active" in present:
            values["active"] = get("active", _flag, True)
    else:
        values["name_id"] = name
        parent = get("unit", _code)  # part of a service's identity: always needed
        if "name_en" in present:
            values["name_en"] = get("name_en", _name, NAME_LENGTH[kind])
        if "active" in present:
            values["active"] = get("active", _flag, True)
    if errors:
        raise _RowErrors(errors)
    return _Row(number, kind, code, parent, values)


def _check_sheet(sheet: Sheet) -> tuple[list[_Row], list[Rejection]]:
    present = set(sheet.header) - {""}
    rows: list[_Row] = []
    rejections: list[Rejection] = []
    named = [(name, i) for i, name in enumerate(sheet.header) if name]
    for number, raw in sheet.rows:
        cells = {name: cell_text(raw[i]) if i < len(raw) else "" for name, i in named}
        errors = sheet.shape_errors(raw)
        try:
            row = _check_row(number, cells, present)
        except _RowErrors as exc:
            errors.extend(exc.args[0])
        else:
            if not errors:
                rows.append(row)
        rejections.extend(Rejection(sheet.path, number, c, r) for c, r in errors)
    return rows, rejections


# ---------------------------------------------------------------------------- planning


@dataclass
class _Stored:
    """The organisation as stored."""

    agencies: dict[str, dict[str, Any]]  # by code
    units: dict[str, dict[str, Any]]  # by code
    counters: dict[str, dict[str, Any]]  # by public code
    services: dict[tuple[int, str], dict[str, Any]]  # by (unit id, code)

    @classmethod
    async def load(cls) -> _Stored:
        agencies = await Agency.select(Agency.id, Agency.code, Agency.name)
        units = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.agency, Unit.peer_group,
                                  Unit.monthly_volume, Unit.kecamatan, Unit.active)
        counters = await Counter.select(Counter.id, Counter.code, Counter.unit, Counter.name,
                                        Counter.is_kiosk, Counter.opening_hours,
                                        Counter.active)
        services = await Service.select(Service.id, Service.unit, Service.code,
                                        Service.name_id, Service.name_en, Service.active)
        return cls(
            agencies={a["code"]: a for a in agencies},
            units={u["code"]: u for u in units},
            counters={c["code"]: c for c in counters},
            services={(s["unit"], s["code"]): s for s in services},
        )


@dataclass
class _Change:
    row: _Row
    action: str  # created | updated | unchanged
    current: dict[str, Any] | None  # the stored item (None when created)
    changes: dict[str, Any]  # columns to write (all of them when created)
    code: str | None = None  # a new counter's code


def _changed(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def _plan(path: str, rows: list[_Row], stored: _Stored
          ) -> tuple[list[_Change], list[Rejection]]:
    """What the rows change in the stored organisation, and the rows that cannot apply."""
    rejections: list[Rejection] = []
    changes: list[_Change] = []
    by_kind: dict[str, list[_Row]] = {k: [] for k in KINDS}
    for row in rows:
        by_kind[row.kind].append(row)
    agencies_in_file = {r.code for r in by_kind["agency"]}
    units_in_file = {r.code: r for r in by_kind["unit"]}
    agency_codes = {a["id"]: code for code, a in stored.agencies.items()}
    unit_codes = {u["id"]: code for code, u in stored.units.items()}
    seen: dict[tuple[Any, ...], int] = {}

    def reject(row: _Row, column: str, reason: str) -> None:
        rejections.append(Rejection(path, row.number, column, reason))

    def first(row: _Row, key: tuple[Any, ...], column: str, what: str) -> bool:
        """False (and a rejection) when another row already names this item."""
        other = seen.setdefault(key, row.number)
        if other != row.number:
            reject(row, column, f"{what} is also in row {other}: one row per item")
            return False
        return True

    def needed(row: _Row, columns: tuple[str, ...]) -> bool:
        """False (and a rejection) when a column a new item needs is not in the file."""
        given = {"agency": row.parent, "unit": row.parent}
        for column in columns:
            key = {"peer_group": "peer_group", "name_en": "name_en"}.get(column)
            if (given.get(column) if key is None else row.values.get(key)) is None:
                reject(row, column, f"a new {row.kind} needs it: add the {column} column")
                return False
        return True

    def upsert(row: _Row, current: dict[str, Any] | None, values: dict[str, Any]) -> _Change:
        if current is None:
            return _Change(row, "created", None, values)
        diff = _changed(current, values)
        return _Change(row, "updated" if diff else "unchanged", current, diff)

    for row in by_kind["agency"]:
        if first(row, ("agency", row.code), "code", f"agency {row.code!r}"):
            changes.append(upsert(row, stored.agencies.get(row.code), dict(row.values)))

    for row in by_kind["unit"]:
        if not first(row, ("unit", row.code), "code", f"unit {row.code!r}"):
            continue
        current = stored.units.get(row.code)
        if current is None and not needed(row, ("agency", "peer_group")):
            continue
        values = dict(row.values)
        if row.parent is None:
            pass  # no agency column: the stored unit keeps its agency
        elif row.parent not in agencies_in_file and row.parent not in stored.agencies:
            reject(row, "agency", f"unknown agency {row.parent!r} (not in this file and not "
                                  "stored)")
            continue
        elif current is not None and agency_codes.get(current["agency"]) == row.parent:
            values["agency"] = current["agency"]
        else:
            values["agency"] = ("code", row.parent)  # resolved when written
        changes.append(upsert(row, current, values))

    def unit_of(row: _Row) -> tuple[bool, int | None]:
        """(known, stored unit id) of a counter or service row."""
        if row.parent is None and row.kind == "counter" and row.code in stored.counters:
            return True, stored.counters[row.code]["unit"]  # no unit column: kept
        if row.parent is None:
            reject(row, "unit", "a counter without its code needs its unit: add the unit "
                                "column")
            return False, None
        stored_unit = stored.units.get(row.parent or "")
        if stored_unit is None and row.parent not in units_in_file:
            reject(row, "unit", f"unknown unit {row.parent!r} (not in this file and not "
                                "stored)")
            return False, None
        return True, None if stored_unit is None else stored_unit["id"]

    taken = set(stored.counters)
    counters_by_name: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for c in stored.counters.values():
        counters_by_name.setdefault((c["unit"], c["name"]), []).append(c)
    for row in by_kind["counter"]:
        known, unit_id = unit_of(row)
        if not known:
            continue
        current: dict[str, Any] | None = None
        if row.code is not None:
            current = stored.counters.get(row.code)
            if current is not None and current["unit"] != unit_id:
                owner = unit_codes.get(current["unit"])
                reject(row, "unit", f"counter {row.code!r} belongs to unit {owner!r}: a "
                                    "counter cannot move to another unit (deactivate it with "
                                    "active 0 and add a new counter)")
                continue
        elif unit_id is not None:
            same = counters_by_name.get((unit_id, row.values["name"]), [])
            if len(same) > 1:
                reject(row, "code", f"unit {row.parent!r} has {len(same)} counters named "
                                    f"{row.values['name']!r}: give the counter's code")
                continue
            current = same[0] if same else None
        if current is not None:
            key: tuple[Any, ...] = ("counter", current["code"])
        elif row.code is not None:
            key = ("counter", row.code)
        else:
            key = ("new counter", row.parent, row.values["name"])
        what = (f"counter {key[1]!r}" if key[0] == "counter"
                else f"a new counter {row.values['name']!r} of unit {row.parent!r}")
        if not first(row, key, "code" if row.code else "name", what):
            continue
        values = dict(row.values)
        change = upsert(row, current, values)
        if current is None:
            code = row.code
            while code is None or code in taken:
                code = new_counter_code()
            taken.add(code)
            change.code = code
            values["code"] = code
            values["unit"] = ("code", row.parent)
        changes.append(change)

    for row in by_kind["service"]:
        known, unit_id = unit_of(row)
        if not known:
            continue
        if not first(row, ("service", row.parent, row.code), "code",
                     f"service {row.code!r} of unit {row.parent!r}"):
            continue
        current = None if unit_id is None else stored.services.get((unit_id, row.code or ""))
        if current is None and not needed(row, ("name_en",)):
            continue
        values = dict(row.values)
        if current is None:
            values["code"] = row.code
            values["unit"] = ("code", row.parent)
        changes.append(upsert(row, current, values))
    return changes, rejections


# ---------------------------------------------------------------------------- writing


_TABLES = {"agency": Agency, "unit": Unit, "counter": Counter, "service": Service}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "agency": {},
    "unit": {"monthly_volume": None, "kecamatan": None, "active": True},
    "counter": {"is_kiosk": False, "opening_hours": None, "active": True},
    "service": {"active": True},
}


async def _write(changes: list[_Change]) -> None:
    """Agencies, then units, then counters and services, so references resolve."""
    ids = {
        "agency": {a["code"]: a["id"] for a in await Agency.select(Agency.id, Agency.code)},
        "unit": {},
    }
    for kind in KINDS:
        table = _TABLES[kind]
        if kind in ("counter", "service"):
            ids["unit"] = {u["code"]: u["id"] for u in await Unit.select(Unit.id, Unit.code)}
        for change in (c for c in changes if c.row.kind == kind and c.action != "unchanged"):
            values = {}
            for column, value in change.changes.items():
                if isinstance(value, tuple):  # ("code", parent code)
                    value = ids["agency" if kind == "unit" else "unit"][value[1]]
                values[column] = value
            if change.current is None:
                if kind in ("agency", "unit"):
                    values["code"] = change.row.code
                if kind == "counter":
                    values["secret"] = new_counter_secret()
                item = table(**{**_DEFAULTS[kind], **values})
                await item.save()
                if kind == "agency":
                    ids["agency"][change.row.code] = item.id
            else:
                await table.update(values).where(table.id == change.current["id"])


async def import_org(path: str | PathLike[str], *, dry_run: bool = False) -> OrgReport:
    """Read, check and apply an organisation file in ONE transaction (nothing is written
    when any row is rejected, or with `dry_run`). Raises ReadError for a file that cannot
    be read at all (nothing written)."""
    sheet = read_org(path)
    report = OrgReport(path=sheet.path, rows=len(sheet.rows), dry_run=dry_run)
    rows, report.rejections = _check_sheet(sheet)
    async with transaction():
        stored = await _Stored.load()
        changes, rejections = _plan(sheet.path, rows, stored)
        report.rejections.extend(rejections)
        report.rejections.sort(key=lambda r: r.row)
        if report.rejections:
            return report
        for change in changes:
            report.counts[change.row.kind][change.action] += 1
            if change.code is not None:
                report.new_counters.append((change.code, change.row.parent or "",
                                            change.row.values["name"]))
        if not dry_run:
            await _write(changes)
    return report


# ---------------------------------------------------------------------------- export


def _flag_text(value: bool) -> str:
    return "1" if value else "0"


async def export_rows() -> list[dict[str, str]]:
    """The stored organisation as organisation-file rows (every column, text cells): each
    agency followed by its units, each unit by its counters and services."""
    stored = await _Stored.load()
    units_of: dict[int, list[dict[str, Any]]] = {}
    for u in stored.units.values():
        units_of.setdefault(u["agency"], []).append(u)
    counters_of: dict[int, list[dict[str, Any]]] = {}
    for c in stored.counters.values():
        counters_of.setdefault(c["unit"], []).append(c)
    services_of: dict[int, list[dict[str, Any]]] = {}
    for s in stored.services.values():
        services_of.setdefault(s["unit"], []).append(s)

    def line(**cells: str) -> dict[str, str]:
        return {c: cells.get(c, "") for c in COLUMNS}

    out: list[dict[str, str]] = []
    for code in sorted(stored.agencies):
        agency = stored.agencies[code]
        out.append(line(kind="agency", code=code, name=agency["name"]))
        for unit in sorted(units_of.get(agency["id"], []), key=lambda u: u["code"]):
            volume = unit["monthly_volume"]
            out.append(line(kind="unit", code=unit["code"], name=unit["name"], agency=code,
                            peer_group=unit["peer_group"],
                            volume="" if volume is None else str(volume),
                            kecamatan=unit["kecamatan"] or "",
                            active=_flag_text(unit["active"])))
            for c in sorted(counters_of.get(unit["id"], []),
                            key=lambda c: (c["name"], c["code"])):
                out.append(line(kind="counter", code=c["code"], name=c["name"],
                                unit=unit["code"], kiosk=_flag_text(c["is_kiosk"]),
                                hours=c["opening_hours"] or "",
                                active=_flag_text(c["active"])))
            for s in sorted(services_of.get(unit["id"], []), key=lambda s: s["code"]):
                out.append(line(kind="service", code=s["code"], name=s["name_id"],
                                name_en=s["name_en"], unit=unit["code"],
                                active=_flag_text(s["active"])))
    return out


def iter_cells(rows: Iterable[Mapping[str, str]]) -> Iterator[list[str]]:
    """The header, then each row's cells in COLUMNS order."""
    yield list(COLUMNS)
    for row in rows:
        yield [row[c] for c in COLUMNS]
