"""BAB V of the SKM report on the follow-up plans (RTL): the plans of the period with their
actions (`rtl_rencana`), and the progress of the elements targeted by the approved plans of
the period before (`rtl_capaian`), in Indonesian; the figures are those of
`feedback.plans.showing` (baselines frozen on approval; this period's engine NRRs)."""

from __future__ import annotations

from datetime import date

from feedback.performance.periods import parse
from feedback.plans.showing import Progress, ShownAction
from feedback.reports import wording as w
from feedback.reports.model import ReportContent
from feedback.reports.sheets import Cell, Column, Sheet

PLAN_STATUS_WORDS = {"draft": "draf", "submitted": "diajukan", "approved": "disetujui",
                     "returned": "dikembalikan untuk diperbaiki"}
ACTION_STATUS_WORDS = {"planned": "direncanakan", "in_progress": "sedang berjalan",
                       "done": "selesai", "dropped": "dibatalkan"}
DIRECTION_WORDS = {"up": "naik", "down": "turun", "same": "tetap"}


def _names(c: ReportContent) -> dict[str, str]:
    return {item.code: item.name for item in c.instrument}


def _many(c: ReportContent) -> bool:
    """Agency and city reports name each plan's unit."""
    return c.scope_kind != "unit"


def plan_status_text(status: str, approved_on: date | None) -> str:
    words = PLAN_STATUS_WORDS.get(status, status)
    if status == "approved" and approved_on is not None:
        return f"{words} {w.day(approved_on)}"
    return words


def plan_lines(c: ReportContent) -> tuple[str, ...]:
    """One sentence per plan: its unit, status and (approved) number of actions."""
    out = []
    for p in c.plans:
        who = f"{p.unit_name}: rencana" if _many(c) else "Rencana"
        text = (f"{who} tindak lanjut {w.period_label(parse(p.period))}, "
                f"{plan_status_text(p.status, p.approved_on)}")
        if p.status == "approved":
            text += f", {len(p.actions)} kegiatan."
        else:
            text += " (belum disetujui; kegiatannya belum dicantumkan)."
        out.append(text)
    return tuple(out)


def plan_sheet(c: ReportContent) -> Sheet | None:
    """One row per action of each approved plan (an approved plan without actions: one
    row). Plans not approved yet are named in `plan_lines` only. Widths in mm of the A4
    text width (170, summing to it), each at least the longest word of its column at the
    table's text size."""
    approved = [p for p in c.plans if p.status == "approved"]
    if not approved:
        return None
    names = _names(c)
    many = _many(c)
    columns = [Column("no", "No", width=7 if many else 6.5)]
    if many:
        columns.append(Column("unit", "Unit", width=18))
    columns += [
        Column("disetujui", "Disetujui", width=17 if many else 18),
        Column("unsur", "Unsur", width=18.5 if many else 20, empty=""),
        Column("program_kegiatan", "Kegiatan", width=17.8 if many else 26.8, empty=""),
        Column("penanggung_jawab", "Penanggung Jawab", width=19.6 if many else 21.2,
               empty=""),
        Column("batas_waktu", "Batas Waktu", width=17 if many else 18, empty=""),
        Column("dampak", "Dampak yang Diharapkan", width=18.3 if many else 20, empty=""),
        Column("status_kegiatan", "Status", width=19 if many else 20.5, empty=""),
        Column("catatan_bukti", "Catatan Bukti", width=17.8 if many else 19, empty=""),
    ]
    rows: list[tuple[Cell, ...]] = []
    for p in approved:
        head: list[Cell] = [p.unit_name] if many else []
        head.append(None if p.approved_on is None else p.approved_on.isoformat())
        if not p.actions:
            rows.append((len(rows) + 1, *head, None, None, None, None, None, None, None))
        for a in p.actions:
            rows.append((len(rows) + 1, *head, names.get(a.element, a.element), a.what, a.who,
                         a.due.isoformat(), a.expected_effect,
                         ACTION_STATUS_WORDS.get(a.status, a.status), a.evidence_note))
    return Sheet("rtl_rencana", f"Rencana tindak lanjut {c.period_label} yang disetujui",
                 tuple(columns), tuple(rows), font_pt=6.5 if many else 7.5)


def _statuses(actions: tuple[ShownAction, ...]) -> str:
    counts: dict[str, int] = {}
    for a in actions:
        counts[a.status] = counts.get(a.status, 0) + 1
    return ", ".join(f"{ACTION_STATUS_WORDS.get(s, s)} {k}" for s, k in counts.items())


def progress_sheet(c: ReportContent) -> Sheet | None:
    """Per targeted element of each approved plan of the period before: NRR and n then
    (`awal`: frozen on approval) and now (`kini`: this period), the difference and its
    direction, the actions' states. An NRR not shown is empty (its n is given)."""
    if not c.plan_progress:
        return None
    names = _names(c)
    many = _many(c)
    before = w.period_label(parse(c.plan_progress[0].plan.period))
    columns = [Column("no", "No", width=7 if many else 7.5)]
    if many:
        columns.append(Column("unit", "Unit", width=21))
    columns += [
        Column("kode", "Kode", width=19.5 if many else 20.5),
        Column("unsur", "Unsur", width=21 if many else 28.5),
        Column("nrr_awal", "NRR awal", decimals=3, width=12.5 if many else 14),
        Column("n_awal", "n awal", width=10 if many else 10.5),
        Column("nrr_kini", "NRR kini", decimals=3, width=12.5 if many else 14),
        Column("n_kini", "n kini", width=10 if many else 10.5),
        Column("selisih", "Selisih", decimals=3, width=12.5 if many else 14),
        Column("perubahan", "Perubahan", width=19.5 if many else 21),
        Column("status_kegiatan", "Status Kegiatan", width=24.5 if many else 29.5,
               empty=""),
    ]
    rows: list[tuple[Cell, ...]] = []
    for p in c.plan_progress:
        for e in p.elements:
            head: list[Cell] = [p.plan.unit_name] if many else []
            rows.append((len(rows) + 1, *head, e.element, names.get(e.element, e.element),
                         e.before_nrr, e.before_n, e.now_nrr, e.now_n, e.difference,
                         None if e.direction is None else DIRECTION_WORDS[e.direction],
                         _statuses(e.actions)))
    return Sheet("rtl_capaian", f"Capaian rencana tindak lanjut {before} pada "
                 f"{c.period_label}", tuple(columns), tuple(rows),
                 font_pt=7.5 if many else None)


def progress_summary(progress: tuple[Progress, ...]) -> str | None:
    """How many targeted elements went up, down or stayed (those with both NRRs shown)."""
    moved = [e.direction for p in progress for e in p.elements if e.direction is not None]
    total = sum(len(p.elements) for p in progress)
    if not total:
        return None
    plan_period = w.period_label(parse(progress[0].plan.period))
    text = (f"Dari {total} unsur sasaran rencana tindak lanjut {plan_period}, "
            f"{moved.count('up')} naik, {moved.count('down')} turun dan "
            f"{moved.count('same')} tetap")
    hidden = total - len(moved)
    if hidden:
        text += f"; {hidden} tidak dapat dibandingkan karena jumlah jawaban terlalu kecil"
    return text + "."
