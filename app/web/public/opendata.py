"""Open data: every published snapshot as JSON and CSV at stable URLs.

- `/publik/data`: the index page (every published version, the licence, the columns).
- `/publik/data/{period}.json|.csv`: the latest version of a period (changes when a new
  version is published).
- `/publik/data/{period}/v{version}.json|.csv`: one version, the same bytes forever.

The files are derived only from the stored snapshot (and SUARA_MIN_GROUP, the suppression
threshold, which they state): no live data, no comments, nothing about a single response.
Floats are written as the snapshot stores them (not rounded). The licence (CC BY 4.0) and
the method are in the JSON and on the index page; a CSV carries them in its HTTP headers
(`Link: <licence>; rel="license"`, `<…json>; rel="describedby"`), keeping the file one
header row and one row per unit. ETag: the snapshot's result digest, the format and the
threshold.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_304_NOT_MODIFIED, HTTP_404_NOT_FOUND

from app import i18n
from app.web.public.page import headers, helpers, lang_of
from feedback.performance import public, snapshots
from feedback.performance.snapshots import Snapshot
from scoring.ikm import ELEMENTS

LICENCE = "CC BY 4.0"
LICENCE_NAME = "Creative Commons Attribution 4.0 International"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = "Sumber: Pemerintah Kota Kupang, Suara Layanan"
DATASET = "Indeks Kepuasan Masyarakat (IKM) per unit layanan, Kota Kupang"
LATEST_CACHE = "public, max-age=60"
VERSION_CACHE = "public, max-age=86400"

CSV_COLUMNS = (
    "period", "version", "method", "unit", "unit_name", "agency", "agency_name",
    "peer_group", "n", "suppressed", "suppressed_reason", "ikm", "grade",
    *(f"nrr_{code}" for code in ELEMENTS),
    "status", "index", "rank", "rank_low", "rank_high",
)

_LATEST = re.compile(r"^([0-9]{4}(?:-(?:S[12]|Q[1-4]|0[1-9]|1[0-2]))?)\.(json|csv)$")
_VERSION = re.compile(r"^v([1-9][0-9]{0,5})\.(json|csv)$")


class Licence(msgspec.Struct):
    name: str
    title: str
    url: str
    attribution: str


class PeriodOut(msgspec.Struct):
    key: str
    period_from: str = msgspec.field(name="from")
    period_to: str = msgspec.field(name="to")


class UnitRow(msgspec.Struct):
    unit: str
    unit_name: str
    agency: str
    agency_name: str
    peer_group: str | None
    n: int
    suppressed: bool
    # small_group: n below min_group; difference: n differs by 1 to min_group - 1 from an
    # earlier publication of a nested period (subtracting would reveal those responses)
    suppressed_reason: str | None
    ikm: float | None
    grade: str | None
    nrr: dict[str, float | None]
    status: str
    index: float | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None


class AgencyRow(msgspec.Struct):
    agency: str
    agency_name: str
    units: int
    n: int
    index_suppressed: bool  # the index and rank are withheld (a unit of it is suppressed)
    index: float | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None


class Dataset(msgspec.Struct):
    dataset: str
    method: str
    period: PeriodOut
    version: int
    published_at: str
    note: str
    reason: str | None
    licence: Licence
    min_group: int
    result_digest: str
    inputs_digest: str
    units: list[UnitRow]
    agencies: list[AgencyRow]


def dataset(snap: Snapshot, min_group: int, blocked: public.Blocked = frozenset()) -> Dataset:
    """The open data of a snapshot: its figures with the suppression applied (`blocked`:
    units withheld for their difference from an earlier publication), in the snapshot's
    unit order."""
    info, result = snap.info, snap.result
    view = public.from_result(info, result, min_group, blocked=blocked)
    by_code = {u.code: u for u in view.units}
    units = []
    for raw in result.units:
        u = by_code[raw.unit]
        units.append(UnitRow(
            unit=u.code, unit_name=u.name, agency=u.agency, agency_name=u.agency_name,
            peer_group=u.peer_group, n=u.n, suppressed=u.suppressed,
            suppressed_reason=u.withheld, ikm=u.ikm, grade=u.grade,
            nrr=dict(u.nrr), status=u.status, index=u.index, rank=u.rank, rank_low=u.rank_low,
            rank_high=u.rank_high))
    by_agency = {a.code: a for a in view.agencies}
    agencies = []
    for raw_agency in result.agencies:
        a = by_agency.get(raw_agency.agency or "")
        if a is None:
            continue
        agencies.append(AgencyRow(
            agency=a.code, agency_name=a.name, units=len(a.units), n=a.n,
            index_suppressed=a.index_suppressed, index=a.index, rank=a.rank, rank_low=a.rank_low,
            rank_high=a.rank_high))
    return Dataset(
        dataset=DATASET, method=info.method,
        period=PeriodOut(info.period, info.period_from.isoformat(), info.period_to.isoformat()),
        version=info.version,
        published_at=info.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        note=info.note, reason=info.reason,
        licence=Licence(LICENCE, LICENCE_NAME, LICENCE_URL, ATTRIBUTION),
        min_group=view.min_group, result_digest=info.result_digest,
        inputs_digest=info.inputs_digest, units=units, agencies=agencies)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_json(data: Dataset) -> bytes:
    return msgspec.json.encode(data)


def to_csv(data: Dataset) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for u in data.units:
        writer.writerow([_cell(v) for v in (
            data.period.key, data.version, data.method, u.unit, u.unit_name, u.agency,
            u.agency_name, u.peer_group, u.n, u.suppressed, u.suppressed_reason, u.ikm, u.grade,
            *(u.nrr[code] for code in ELEMENTS),
            u.status, u.index, u.rank, u.rank_low, u.rank_high)])
    return out.getvalue().encode("utf-8")


def file_name(period: str, version: int | None, fmt: str) -> str:
    return f"/publik/data/{period}.{fmt}" if version is None else \
        f"/publik/data/{period}/v{version}.{fmt}"


def _not_found(request: Request, fmt: str, what: str) -> Response[Any]:
    _ = i18n.gettext(i18n.from_accept_language(request.headers.get("accept-language")))
    message = _("Not published: %(what)s.", what=what)
    if fmt == "json":
        return Response({"error": "not_found", "message": message},
                        status_code=HTTP_404_NOT_FOUND, headers={"Cache-Control": "no-cache"})
    return Response(message + "\n", status_code=HTTP_404_NOT_FOUND,
                    media_type="text/plain",
                    headers={"Cache-Control": "no-cache"})


def _etag(snap: Snapshot, fmt: str, min_group: int) -> str:
    return f'"{snap.info.result_digest[:32]}-{fmt}-g{min_group}"'


async def _file(request: Request, snap: Snapshot, fmt: str, latest: bool) -> Response[Any]:
    min_group = request.app.state.settings.min_group
    etag = _etag(snap, fmt, min_group)
    info = snap.info
    stable = file_name(info.period, info.version, "json")
    common = {
        "ETag": etag,
        "Cache-Control": LATEST_CACHE if latest else VERSION_CACHE,
        "Link": f'<{LICENCE_URL}>; rel="license", <{stable}>; rel="describedby"',
    }
    if latest:
        common["Content-Location"] = file_name(info.period, info.version, fmt)
    wanted = request.headers.get("if-none-match", "")
    if etag in (tag.strip() for tag in wanted.split(",")) or wanted.strip() == "*":
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=common)
    blocked = (await public.blocked_units(info, min_group)).get(info.id, set())
    data = dataset(snap, min_group, blocked)
    name = f"suara-ikm-{info.period}-v{info.version}.{fmt}"
    if fmt == "json":
        return Response(to_json(data), media_type="application/json", headers=common)
    return Response(to_csv(data), media_type="text/csv",
                    headers={**common, "Content-Disposition": f'inline; filename="{name}"'})


class OpenData(Controller):
    path = "/publik/data"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request, lang: FromQuery[str | None] = None) -> Template:
        language = lang_of(request)
        return Template(
            template_name="public/data.html",
            context={**helpers(request, language), "versions": await snapshots.versions(),
                     "file_name": file_name, "columns": CSV_COLUMNS, "licence_url": LICENCE_URL,
                     "attribution": ATTRIBUTION, "licence": LICENCE_NAME,
                     "min_group": request.app.state.settings.min_group},
            headers=headers())

    @get("/{name:str}")
    async def latest(self, request: Request, name: FromPath[str]) -> Response[Any]:
        match = _LATEST.match(name)
        if not match:
            fmt = "json" if name.endswith(".json") else "csv"
            return _not_found(request, fmt, name[:40])
        period, fmt = match.groups()
        snap = await public.snapshot(period)
        if snap is None:
            return _not_found(request, fmt, period)
        return await _file(request, snap, fmt, latest=True)

    @get("/{period:str}/{name:str}")
    async def version(self, request: Request, period: FromPath[str],
                      name: FromPath[str]) -> Response[Any]:
        match = _VERSION.match(name)
        fmt = "json" if name.endswith(".json") else "csv"
        if not match or not public.valid_key(period[:40]):
            return _not_found(request, fmt, f"{period[:40]}/{name[:40]}")
        number, fmt = match.groups()
        snap = await public.snapshot(period, int(number))
        if snap is None:
            return _not_found(request, fmt, f"{period} v{number}")
        return await _file(request, snap, fmt, latest=False)
