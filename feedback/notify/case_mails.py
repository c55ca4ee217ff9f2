"""The texts of the case mails (plain text, Indonesian with an English line), as pure
functions of what the notifier read (`feedback.cases.notify`).

Staff mails carry no personal data: no contact value, no staff name, and every citizen or
staff text they quote (the comment, the citizen's answer, an escalation reason, a forwarding
note) is masked by the caller (`feedback.comments.masking`). The citizen's mail after a
reply carries no reply text either: only that the unit replied and the link to
`/lacak?r=RECEIPT`, where the citizen reads it and can answer it (the answer is then
recorded once per reply); a mailbox keeps nothing of the case but its receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from feedback.clock import WITA

REASON_ID = {"low_rating": "nilai rendah dengan permintaan untuk dihubungi",
             "complaint": "komentar berisi keluhan", "urgent": "komentar mendesak"}
REASON_EN = {"low_rating": "a low rating with a request for contact",
             "complaint": "a complaint in the comment", "urgent": "an urgent comment"}
LEVEL_ID = {"unit": "unit", "agency": "dinas", "city": "kota"}
LEVEL_EN = {"unit": "unit", "agency": "agency", "city": "city"}
STATUS_ID = {"open": "baru (belum diverifikasi)", "verified": "terverifikasi",
             "answered": "sudah dibalas, menunggu tanggapan warga", "closed": "ditutup"}
AUTOMATIC_ID = {"clock:verify_due": "otomatis: batas verifikasi terlewat",
                "clock:follow_up_due": "otomatis: batas tindak lanjut terlewat"}
AUTOMATIC_EN = {"clock:verify_due": "automatically: the verification deadline passed",
                "clock:follow_up_due": "automatically: the follow-up deadline passed"}
FOOTER = ("-- \nPesan otomatis dari Suara Layanan; mohon tidak membalas e-mail ini.\n"
          "An automatic message from Suara Layanan; please do not reply to it.\n")


@dataclass(frozen=True)
class CaseFacts:
    receipt: str
    reason: str
    status: str
    unit_name: str
    agency_name: str
    opened_at: datetime
    verify_due: date
    follow_up_due: date | None
    auto_close_due: date | None


@dataclass(frozen=True)
class EventFacts:
    kind: str
    at: datetime
    level: str | None = None
    text: str | None = None  # masked already
    from_unit_name: str | None = None
    to_unit_name: str | None = None


def shown_receipt(receipt: str) -> str:
    """XXXX-XXXX, as on the thank-you page."""
    return f"{receipt[:4]}-{receipt[4:]}" if len(receipt) == 8 else receipt


def _day(value: date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else "-"


def _iso(value: date | None) -> str:
    return value.isoformat() if value else "-"


def _time(value: datetime) -> str:
    return value.astimezone(WITA).strftime("%d-%m-%Y %H:%M") + " WITA"


def staff_link(base_url: str, receipt: str) -> str:
    return f"{base_url}/staf/kasus/{receipt}"


def tracking_link(base_url: str, receipt: str) -> str:
    return f"{base_url}/lacak?r={receipt}"


def _clocks(case: CaseFacts) -> list[str]:
    lines = [f"Status: {STATUS_ID.get(case.status, case.status)}",
             f"Batas verifikasi: {_day(case.verify_due)}"]
    if case.follow_up_due:
        lines.append(f"Batas tindak lanjut: {_day(case.follow_up_due)}")
    return lines


def _quoted(title: str, text: str | None) -> list[str]:
    if not text or not text.strip():
        return []
    return ["", title, *("  " + line for line in text.strip().splitlines())]


def staff_mail(event: EventFacts, case: CaseFacts, comment: str | None,
               base_url: str) -> tuple[str, str]:
    """(subject, body) of a staff mail about `event`; `comment` is the case's masked
    comment (or None)."""
    receipt = shown_receipt(case.receipt)
    head: list[str]
    if event.kind == "opened":
        subject = f"Pengaduan baru {receipt}: {case.unit_name}"
        head = [f"Ada pengaduan baru untuk {case.unit_name}.", "",
                f"Nomor pengaduan: {receipt}",
                f"Alasan: {REASON_ID.get(case.reason, case.reason)}",
                f"Dibuka: {_time(case.opened_at)}", *_clocks(case),
                *_quoted("Komentar warga (data pribadi disamarkan):", comment)]
        english = (f"New complaint case {receipt} for {case.unit_name} "
                   f"({REASON_EN.get(case.reason, case.reason)}): verify it by "
                   f"{_iso(case.verify_due)}.")
    elif event.kind == "escalated":
        level = event.level or "agency"
        subject = f"Pengaduan {receipt} dinaikkan ke tingkat {LEVEL_ID.get(level, level)}"
        why = AUTOMATIC_ID.get(event.text or "")
        head = [f"Pengaduan {receipt} di {case.unit_name} ({case.agency_name}) dinaikkan ke "
                f"tingkat {LEVEL_ID.get(level, level)}.", "",
                f"Nomor pengaduan: {receipt}",
                f"Sebab: {why}" if why else "Sebab: dinaikkan oleh petugas",
                f"Dibuka: {_time(case.opened_at)}", *_clocks(case),
                *([] if why else _quoted("Alasan (data pribadi disamarkan):", event.text)),
                *_quoted("Komentar warga (data pribadi disamarkan):", comment)]
        english = (f"Complaint case {receipt} of {case.unit_name} was escalated to the "
                   f"{LEVEL_EN.get(level, level)} level"
                   f"{' (' + AUTOMATIC_EN[event.text] + ')' if why and event.text else ''}.")
    elif event.kind == "forwarded":
        target = event.to_unit_name or case.unit_name
        subject = f"Pengaduan {receipt} diteruskan ke {target}"
        head = [f"Pengaduan {receipt} diteruskan dari {event.from_unit_name or '-'} ke "
                f"{target}.", "",
                f"Nomor pengaduan: {receipt}",
                f"Alasan: {REASON_ID.get(case.reason, case.reason)}",
                f"Dibuka: {_time(case.opened_at)}", *_clocks(case),
                *_quoted("Catatan (data pribadi disamarkan):", event.text),
                *_quoted("Komentar warga (data pribadi disamarkan):", comment)]
        english = (f"Complaint case {receipt} was forwarded to {target}: verify it by "
                   f"{_iso(case.verify_due)}.")
    elif event.kind == "citizen_answer":
        subject = f"Warga menanggapi balasan atas pengaduan {receipt}"
        head = [f"Warga menanggapi balasan {case.unit_name} atas pengaduan {receipt}.", "",
                f"Nomor pengaduan: {receipt}", *_clocks(case),
                *_quoted("Tanggapan warga (data pribadi disamarkan):", event.text)]
        english = (f"The citizen answered the reply to complaint case {receipt}: follow "
                   f"up by {_iso(case.follow_up_due)}.")
    else:
        raise ValueError(f"no staff mail for a {event.kind!r} event")
    body = "\n".join([
        *head, "", f"Buka pengaduan: {staff_link(base_url, case.receipt)}", "",
        f"English: {english} Open it with the link above.", "", FOOTER])
    return f"[Suara Layanan] {subject}", body


def citizen_mail(case: CaseFacts, base_url: str) -> tuple[str, str]:
    """(subject, body) of the mail to the citizen after a reply: no reply text (see the
    module doc)."""
    receipt = shown_receipt(case.receipt)
    link = tracking_link(base_url, case.receipt)
    closing = (f"Bila tidak ada tanggapan, pengaduan ditutup otomatis setelah "
               f"{_day(case.auto_close_due)}." if case.auto_close_due else "")
    body = "\n".join([
        "Yth. Bapak/Ibu,", "",
        f"{case.unit_name} telah membalas pengaduan Anda dengan nomor {receipt}.",
        "Baca balasannya, dan tanggapi bila perlu, di:", link, "",
        *([closing, ""] if closing else []),
        f"English: {case.unit_name} replied to your complaint {receipt}; read the reply "
        "and answer it at the link above.", "",
        "Anda menerima e-mail ini karena meminta dihubungi tentang pengaduan Anda. Alamat "
        "e-mail Anda dihapus setelah pengaduan ditutup dan masa simpannya berakhir.", "",
        FOOTER])
    return f"[Suara Layanan] Balasan atas pengaduan Anda {receipt}", body
