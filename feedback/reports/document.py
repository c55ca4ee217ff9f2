"""The SKM report laid out: chapters BAB I–V of headings, paragraphs, lists, tables
(feedback.reports.sheets) and the element chart, with the sentences made from the
figures. `build(content)` gives the `Document` every output renders (app/output/report)."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.reports import wording as w
from feedback.reports.content import previous_period
from feedback.reports.model import B_BOUND, ReportContent
from feedback.reports.plan_sheets import (
    plan_lines,
    plan_sheet,
    progress_sheet,
    progress_summary,
)
from feedback.reports.sheets import (
    HIDDEN,
    Sheet,
    agency_sheet,
    channel_sheet,
    comment_sheet,
    comparison_sheet,
    element_sheet,
    follow_up_sheet,
    instrument_sheet,
    profile_sheet,
    summary_sheet,
    unit_sheet,
)


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class TableBlock:
    sheet: Sheet


@dataclass(frozen=True)
class ElementChart:
    """The nine elements on the IKM scale (25 × NRR) with the grade bounds."""

    title: str
    bars: tuple[tuple[str, float | None], ...]  # (element name, 25 × NRR)


Block = Heading | Paragraph | Bullets | TableBlock | ElementChart


@dataclass(frozen=True)
class Chapter:
    title: str  # "BAB I PENDAHULUAN"
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: tuple[str, ...]  # lines under the title on the first page
    header: str  # printed on every page (the agency, or the city government)
    chapters: tuple[Chapter, ...]
    sheets: tuple[Sheet, ...]  # every table, in order of appearance


def _n(value: float | int | None, decimals: int = 2) -> str:
    return w.number(value, decimals)


# Text --------------------------------------------------------------------------------------
def publication_text(c: ReportContent) -> str | None:
    p = c.publication
    if p is None:
        return None
    when = w.moment(p.published_at)
    if p.matches:
        return f"Laporan ini sesuai dengan hasil terbitan versi {p.version} ({when})."
    if c.scope_kind == "unit":
        return (f"Hasil periode ini diterbitkan sebagai versi {p.version} ({when}) dengan "
                f"IKM {_n(p.published_ikm)}. Data berubah setelah penerbitan: laporan ini "
                f"menyajikan angka terkini (IKM {_n(c.ikm)}), yang berbeda dari hasil "
                "terbitan.")
    return (f"Hasil periode ini diterbitkan sebagai versi {p.version} ({when}). Data berubah "
            "setelah penerbitan: laporan ini menyajikan angka terkini, yang berbeda dari "
            f"hasil terbitan untuk {len(p.changed)} unit ({', '.join(p.changed)}).")


def _list(names: list[str]) -> str:
    """a; b; dan c (element names contain commas themselves)."""
    if len(names) <= 1:
        return "".join(names)
    return "; ".join(names[:-1]) + (";" if len(names) > 2 else "") + " dan " + names[-1]


def conclusions(c: ReportContent) -> tuple[str, ...]:
    out = [f"IKM {c.name} pada {c.period_label} adalah {_n(c.ikm)} dengan mutu pelayanan "
           f"{c.grade} ({c.grade_label}), dihitung dari {_n(c.n, 0)} responden."]
    if c.required_sample is not None:
        if c.n >= c.required_sample:
            out.append(f"Jumlah responden memenuhi sampel minimum Krejcie–Morgan "
                       f"({_n(c.required_sample, 0)} untuk populasi {_n(c.population, 0)}).")
        else:
            out.append(f"Jumlah responden belum memenuhi sampel minimum Krejcie–Morgan "
                       f"({_n(c.required_sample, 0)} untuk populasi {_n(c.population, 0)}); "
                       f"masih kurang {_n(c.required_sample - c.n, 0)} responden, sehingga "
                       "hasil perlu dibaca dengan hati-hati.")
    if c.weakest:
        lowest = c.weakest[0]
        out.append(f"Unsur dengan nilai terendah adalah {lowest.name} (NRR "
                   f"{_n(lowest.nrr, 3)}; {_n(lowest.ikm)} pada skala IKM).")
    if c.below_b:
        out.append(f"{len(c.below_b)} unsur berada di bawah batas mutu B "
                   f"({_n(B_BOUND)}): {_list([e.name for e in c.below_b])}.")
    else:
        out.append(f"Semua unsur berada pada atau di atas batas mutu B ({_n(B_BOUND)}).")
    if c.strongest:
        best = c.strongest[0]
        out.append(f"Unsur dengan nilai tertinggi adalah {best.name} (NRR {_n(best.nrr, 3)}).")
    cmp = c.comparison
    if cmp is not None and cmp.ikm_before is not None:
        delta = c.ikm - cmp.ikm_before
        move = ("naik" if delta > 0.005 else "turun" if delta < -0.005 else "tetap")
        change = "" if move == "tetap" else f" {_n(abs(delta))} poin"
        out.append(f"Dibandingkan {cmp.label} (IKM {_n(cmp.ikm_before)}, n = "
                   f"{_n(cmp.n_before, 0)}), IKM {move}{change}.")
    text = progress_summary(c.plan_progress)
    if text:
        out.append(text)
    text = publication_text(c)
    if text:
        out.append(text)
    return tuple(out)


def _scope_phrase(c: ReportContent) -> str:
    if c.scope_kind == "unit":
        return f"unit pelayanan {c.name} ({c.agency_name})"
    if c.scope_kind == "agency":
        return f"seluruh unit pelayanan {c.name} ({len(c.units)} unit)"
    return f"seluruh unit pelayanan {c.name} ({len(c.units)} unit, {len(c.agencies)} " \
           "perangkat daerah)"


def _chapter_1(c: ReportContent) -> Chapter:
    blocks: list[Block] = [
        Heading("1.1 Latar Belakang"),
        Paragraph("Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik mewajibkan "
                  "setiap penyelenggara pelayanan publik melakukan penilaian kinerja "
                  "secara berkala, antara lain melalui survei kepuasan masyarakat. "
                  f"Laporan ini menyajikan hasil Survei Kepuasan Masyarakat pada "
                  f"{_scope_phrase(c)} untuk {c.period_label}."),
        Heading("1.2 Dasar Hukum"),
        Bullets(w.LEGAL_BASIS),
        Heading("1.3 Maksud dan Tujuan"),
        *(Paragraph(text) for text in w.PURPOSE),
        Heading("1.4 Ruang Lingkup"),
        Paragraph(f"Survei mencakup {_scope_phrase(c)} pada {c.period_label}: "
                  f"{w.day(c.period.first)} sampai dengan {w.day(c.period.last)} (WITA)."),
    ]
    text = publication_text(c)
    if text:
        blocks.append(Paragraph(text))
    return Chapter("BAB I PENDAHULUAN", tuple(blocks))


def _chapter_2(c: ReportContent) -> Chapter:
    if c.population is None:
        sample = ("Volume transaksi tidak tercatat, sehingga populasi dan sampel minimum "
                  f"tidak dapat dihitung. Responden yang diperoleh: {_n(c.n, 0)}.")
    else:
        enough = ("memenuhi sampel minimum" if c.required_sample is not None
                  and c.n >= c.required_sample else "belum memenuhi sampel minimum")
        sample = (f"Populasi adalah jumlah transaksi pelayanan dalam periode, yaitu volume "
                  f"bulanan unit dikalikan {_months(c.period.months)} bulan: "
                  f"{_n(c.population, 0)} transaksi. Menurut tabel Krejcie dan Morgan "
                  f"(tingkat kepercayaan 95%), sampel minimum adalah "
                  f"{_n(c.required_sample, 0)} responden. Responden yang diperoleh: "
                  f"{_n(c.n, 0)} ({enough}).")
    return Chapter("BAB II METODOLOGI", (
        Heading("2.1 Populasi dan Sampel"),
        Paragraph(sample),
        Heading("2.2 Waktu Pelaksanaan"),
        Paragraph(f"Data dikumpulkan sepanjang {c.period_label}, dari {w.day(c.period.first)} "
                  f"sampai dengan {w.day(c.period.last)} (waktu Indonesia tengah, WITA)."),
        Heading("2.3 Instrumen"),
        Paragraph("Kuesioner memuat sembilan unsur pelayanan menurut PermenPANRB 14/2017, "
                  "masing-masing dijawab pada skala 1 sampai 4 (1 tidak baik, 4 sangat "
                  "baik). Profil responden (jenis kelamin, umur, pendidikan, pekerjaan) "
                  "bersifat sukarela; survei tidak menanyakan nama."),
        TableBlock(instrument_sheet(c)),
        Heading("2.4 Metode Pengumpulan Data"),
        Paragraph("Responden mengisi kuesioner secara elektronik segera setelah menerima "
                  "pelayanan, melalui kanal berikut. Sebuah kuesioner dihitung bila paling "
                  "sedikit 7 dari 9 unsur dijawab; kuesioner yang dikecualikan setelah "
                  "pemeriksaan integritas tidak dihitung."),
        TableBlock(channel_sheet(c)),
        Heading("2.5 Metode Pengolahan Data"),
        Paragraph("Nilai rata-rata (NRR) setiap unsur adalah jumlah nilai jawaban dibagi "
                  "jumlah responden yang menjawab unsur tersebut. NRR tertimbang = NRR × "
                  "bobot 1/9 (dalam peraturan tertulis 0,111); IKM = jumlah NRR tertimbang × "
                  "25. Mutu pelayanan: A (Sangat Baik) 88,31–100; B (Baik) 76,61–88,30; "
                  "C (Kurang Baik) 65,00–76,60; D (Tidak Baik) 25,00–64,99, dinilai dari IKM "
                  "yang dibulatkan dua desimal."),
    ))


def _chapter_3(c: ReportContent) -> Chapter:
    blocks: list[Block] = [Heading("3.1 Profil Responden")]
    if c.profile.span_first is None:
        blocks.append(Paragraph("Profil responden hanya disajikan untuk bulan penuh yang "
                                "telah berakhir; periode ini belum memiliki bulan seperti "
                                f"itu. Semua kategori: {HIDDEN.format(k=c.min_group)}."))
    else:
        blocks.append(Paragraph(
            f"Profil mencakup bulan penuh yang telah berakhir dalam periode "
            f"({w.day(c.profile.span_first)} sampai dengan {w.day(c.profile.span_last)}). "
            f"Demi kerahasiaan responden, kategori dengan kurang dari {c.min_group} "
            "responden tidak ditampilkan; persentase dihitung dari responden yang menjawab "
            "pertanyaan tersebut."))
    blocks.append(TableBlock(profile_sheet(c)))
    blocks += [
        Heading("3.2 Nilai per Unsur"),
        TableBlock(element_sheet(c)),
        ElementChart("Nilai unsur pada skala IKM (25 × NRR) dengan batas mutu",
                     tuple((e.name, e.ikm) for e in c.elements)),
        Heading("3.3 Indeks Kepuasan Masyarakat"),
        Paragraph(f"Jumlah NRR tertimbang adalah {_n(c.weighted_sum, 3)}, sehingga IKM "
                  f"{c.name} pada {c.period_label} adalah {_n(c.ikm)}: mutu pelayanan "
                  f"{c.grade} ({c.grade_label}), dari {_n(c.n, 0)} responden. Ringkasan "
                  "angka-angka utama terdapat pada halaman pertama."),
    ]
    if c.scope_kind == "city":
        blocks += [Heading("3.4 IKM per Perangkat Daerah"), TableBlock(agency_sheet(c))]
    if c.units:
        blocks += [Heading("3.5 IKM per Unit Pelayanan" if c.scope_kind == "city"
                           else "3.4 IKM per Unit Pelayanan"), TableBlock(unit_sheet(c))]
    return Chapter("BAB III HASIL", tuple(blocks))


def _chapter_4(c: ReportContent) -> Chapter:
    blocks: list[Block] = [Heading("4.1 Unsur Terlemah dan Terkuat")]
    if c.weakest:
        blocks.append(Paragraph("Unsur diurutkan dari NRR terendah:"))
        blocks.append(Bullets(tuple(
            f"{e.name}: NRR {_n(e.nrr, 3)}, {_n(e.ikm)} pada skala IKM (mutu {e.grade})"
            + (" — di bawah batas mutu B" if e.below_b else "") for e in c.weakest[:3])))
    if c.below_b:
        blocks.append(Paragraph(f"Unsur di bawah batas mutu B ({_n(B_BOUND)}) pada skala "
                                f"IKM: {_list([e.name for e in c.below_b])}."))
    else:
        blocks.append(Paragraph(f"Tidak ada unsur di bawah batas mutu B ({_n(B_BOUND)}) "
                                "pada skala IKM."))
    if c.strongest:
        blocks.append(Paragraph("Unsur terkuat: " + _list(
            [f"{e.name} (NRR {_n(e.nrr, 3)})" for e in c.strongest]) + "."))
    blocks.append(Heading("4.2 Komentar dan Saran"))
    blocks.append(Paragraph(
        f"Dalam periode ini tercatat {_n(c.comment_count, 0)} komentar dari responden. "
        "Pengelompokan komentar menurut tema akan tersedia setelah analitik komentar "
        "dibangun."))
    if not c.comments_shown:
        blocks.append(Paragraph(f"Komentar tidak ditampilkan karena jumlah responden kurang "
                                f"dari {c.min_group}."))
    elif c.comments:
        blocks.append(Paragraph("Komentar terbaru (data pribadi seperti nomor telepon, "
                                "e-mail dan NIK disamarkan):"))
        sheet = comment_sheet(c)
        assert sheet is not None
        blocks.append(TableBlock(sheet))
    blocks.append(Heading("4.3 Perbandingan dengan Periode Sebelumnya"))
    sheet = comparison_sheet(c)
    if sheet is None:
        before = w.period_label(previous_period(c.period))
        blocks.append(Paragraph(f"Tidak ada responden pada {before}, sehingga "
                                "perbandingan tidak dapat dibuat."))
    else:
        blocks.append(TableBlock(sheet))
    return Chapter("BAB IV ANALISIS", tuple(blocks))


def _months(months: float) -> str:
    return _n(months, 0 if float(months).is_integer() else 1)


def _chapter_5(c: ReportContent) -> Chapter:
    head = ("kepala unit" if c.scope_kind == "unit" else "kepala perangkat daerah"
            if c.scope_kind == "agency" else "pimpinan perangkat daerah masing-masing")
    return Chapter("BAB V KESIMPULAN DAN RENCANA TINDAK LANJUT", (
        Heading("5.1 Kesimpulan"),
        Bullets(conclusions(c)),
        Heading("5.2 Rencana Tindak Lanjut"),
        Paragraph("Unsur berikut diusulkan sebagai prioritas perbaikan (unsur di bawah batas "
                  "mutu B, atau tiga unsur terendah bila tidak ada). Program/kegiatan, waktu "
                  f"(TW I–IV) dan penanggung jawab diisi oleh {head}."),
        TableBlock(follow_up_sheet(c)),
        *_plans(c),
        *_progress(c),
    ))


def _plans(c: ReportContent) -> tuple[Block, ...]:
    """5.3: the follow-up plans written for this period, with their status and actions."""
    heading = Heading("5.3 Rencana Tindak Lanjut yang Disusun")
    if not c.plans:
        return (heading, Paragraph(f"Belum ada rencana tindak lanjut yang disusun untuk "
                                   f"{c.period_label}."))
    blocks: list[Block] = [
        heading,
        Paragraph(f"Rencana tindak lanjut {c.period_label} dan statusnya (draf, diajukan, "
                  "disetujui, atau dikembalikan untuk diperbaiki). Kegiatan dicantumkan "
                  "untuk rencana yang telah disetujui, dengan status setiap kegiatan:"),
        Bullets(plan_lines(c))]
    sheet = plan_sheet(c)
    if sheet is not None:
        blocks.append(TableBlock(sheet))
    return tuple(blocks)


def _progress(c: ReportContent) -> tuple[Block, ...]:
    """5.4: did the elements targeted by the approved plans of the period before improve?"""
    heading = Heading("5.4 Capaian Rencana Tindak Lanjut Periode Sebelumnya")
    if c.period.previous is None or ".." in c.period.key:
        return (heading, Paragraph("Capaian rencana tindak lanjut dibandingkan untuk periode "
                                   "bulan, triwulan, semester atau tahun dengan periode "
                                   "yang sama panjang sebelumnya."))
    before = w.period_label(previous_period(c.period))
    sheet = progress_sheet(c)
    if sheet is None:
        return (heading, Paragraph(f"Tidak ada rencana tindak lanjut {before} yang "
                                   "disetujui."))
    summary = progress_summary(c.plan_progress) or ""
    return (heading,
            Paragraph(f"Untuk setiap unsur sasaran rencana tindak lanjut {before} yang "
                      f"disetujui: NRR dan jumlah jawaban (n) awal, yaitu {before} saat "
                      f"rencana disetujui, dibandingkan dengan NRR dan n kini, yaitu "
                      f"{c.period_label}. NRR dari kurang dari {c.min_group} jawaban tidak "
                      f"ditampilkan (–); jumlah jawabannya tetap disebut. Perubahan kurang "
                      f"dari 0,0005 dihitung tetap. {summary}"),
            TableBlock(sheet))


def build(c: ReportContent) -> Document:
    chapters = (_chapter_1(c), _chapter_2(c), _chapter_3(c), _chapter_4(c), _chapter_5(c))
    sheets: list[Sheet] = [summary_sheet(c)]
    for chapter in chapters:
        for block in chapter.blocks:
            if isinstance(block, TableBlock) and block.sheet.key not in {
                    s.key for s in sheets}:
                sheets.append(block.sheet)
    kind = {"unit": "Unit Pelayanan", "agency": "Perangkat Daerah", "city": "Kota"}
    subtitle = [c.name]
    if c.scope_kind == "unit":
        subtitle.append(c.agency_name)
    subtitle += [f"{c.period_label} ({w.day(c.period.first)} – {w.day(c.period.last)}, WITA)",
                 f"Laporan {kind[c.scope_kind]} · disusun {w.moment(c.generated_at)}"]
    return Document(
        title="LAPORAN SURVEI KEPUASAN MASYARAKAT", subtitle=tuple(subtitle),
        header=c.agency_name, chapters=chapters, sheets=tuple(sheets))
