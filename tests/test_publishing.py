"""Publishing around the snapshot core: `suara publish` (and `--list`), the city's page
`/staf/kota/terbitan` (list, live figures, publish, unlock; refusals with their statuses,
nothing written), its role × route matrix, and the target lock on the unit's targets page
and in `suara kpis` / store_kpis."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from feedback.accounts import audit
from feedback.accounts.audit import Actor
from feedback.performance import periods, publishing, snapshots
from feedback.performance.kpis import store_kpis
from feedback.performance.scores import score_period
from feedback.performance.snapshot_tables import PeriodUnlock, ScoreSnapshot
from feedback.performance.target_lock import PeriodLocked
from feedback.tables import IndicatorAudit, IndicatorValue
from scoring.inputs import Kpi, Parameters
from tests.staff_support import audit_mark, make_all_roles, signed_in_as
from tests.support import make_client, store_answers
from tests.test_cli import suara

BASE = "/staf/kota/terbitan"
UNLOCK = f"{BASE}/buka"
COVERED_ROUTES = {("GET", BASE), ("POST", BASE), ("POST", UNLOCK)}
GOOD = {"persyaratan": 4, "prosedur": 3, "waktu": 3, "biaya": 4, "produk": 3,
        "kompetensi": 4, "perilaku": 4, "pengaduan": 3, "sarana": 3}
POOR = {**GOOD, "waktu": 1, "sarana": 2, "prosedur": 2}
S1 = periods.parse("2026-S1")
CITY = Actor(email="kota@kupangkota.go.id")
NOW = datetime(2026, 7, 3, 2, tzinfo=UTC)


async def _data(org):
    await store_answers(org.kiosk, [GOOD] * 30 + [POOR] * 12,
                        datetime(2026, 3, 2, 3, tzinfo=UTC))
    await store_answers(org.other_counter, [POOR] * 11, datetime(2026, 4, 6, 3, tzinfo=UTC),
                        channel="qr")
    await store_kpis("2026-S1", [Kpi(org.unit_code, "imunisasi", 95, 90, "higher", 2)],
                     "cli", NOW)


async def _written():
    return (await ScoreSnapshot.count(), await PeriodUnlock.count(),
            await audit_mark())


# The command line ------------------------------------------------------------------------

async def test_suara_publish_prints_the_version_digests_and_counts(org):
    await _data(org)
    done = suara("publish", "--period", "2026-S1", "--note", "Semester I")
    assert done.returncode == 0, done.stderr
    info = (await snapshots.versions("2026-S1"))[0]
    snap = await snapshots.get("2026-S1", 1)
    counts = publishing.status_counts(snap.result)
    live = publishing.status_counts(await score_period(S1, Parameters()))
    assert counts == live  # the city's default parameters, as the dashboards use
    out = done.stdout
    assert "Published 2026-S1 version 1 (2026-01-01 to 2026-06-30) by cli." in out
    assert f"Method:        {info.method} (seed 0, 2000 draws" in out
    assert f"Inputs digest: sha256:{info.inputs_digest}" in out
    assert f"Result digest: sha256:{info.result_digest}" in out
    assert (f"Units:         {counts.ranked} ranked, {counts.provisional} provisional, "
            f"{counts.unranked_no_kpi} not ranked (targets not reported), "
            f"{counts.not_scored} not scored; 53 counted responses.") in out
    assert counts.units == 2 and counts.responses == 53
    assert info.published_by == "cli" and info.note == "Semester I"
    log = await audit.entries(limit=1, object_type="score_snapshot")
    assert log[0]["action"] == "publish" and log[0]["object_key"] == "2026-S1 v1"
    assert log[0]["actor"] == "cli"

    # refusals: one line on stderr, exit code 2, nothing written
    before = await _written()
    for args, message in [
        (("--period", "2026-S1", "--note", "again"),
         "suara publish: 2026-S1 is already published (version 1): give the reason for a "
         "new version"),
        (("--period", "2026-01-01..2026-03-31", "--note", "x"),
         "suara publish: only a year, semester, quarter or month can be published"),
        (("--period", "2025", "--note", "x"), "suara publish: no responses in 2025"),
        (("--period", "2026-Q1", "--note", "x" * 2001),
         "suara publish: the note is longer than 2000 characters"),
    ]:
        refused = suara("publish", *args)
        assert refused.returncode == 2, (args, refused.stdout)
        assert refused.stderr.strip() == message, args
        assert refused.stdout == ""
    assert await _written() == before

    again = suara("publish", "--period", "2026-S1", "--note", "corrected",
                  "--reason", "late paper questionnaires", "--by", "bagian.organisasi")
    assert again.returncode == 0, again.stderr
    assert "Published 2026-S1 version 2" in again.stdout
    assert "Reason:        late paper questionnaires" in again.stdout
    listing = suara("publish", "--list")
    assert listing.returncode == 0, listing.stderr
    lines = [line for line in listing.stdout.splitlines() if "2026-S1" in line]
    assert len(lines) == 2
    assert re.search(r"2026-S1 .* 2 .*bagian\.organisa.* locked .*corrected", lines[0])
    assert re.search(r"2026-S1 .* 1 .* cli .* superseded .*Semester I", lines[1])
    v1 = await snapshots.get("2026-S1", 1)
    assert v1.info.inputs_digest[:12] in lines[1] and v1.info.result_digest[:12] in lines[1]
    empty = suara("publish", "--list", "--period", "2026-Q2")
    assert empty.returncode == 0 and "No published versions of 2026-Q2 yet" in empty.stderr


async def test_suara_kpis_refuses_a_locked_period_until_unlocked(org, tmp_path):
    await _data(org)
    await snapshots.publish(S1, CITY, "x", params=Parameters(draws=20))
    file = tmp_path / "kpis.csv"
    file.write_text("unit,indicator,target,actual,direction,weight\n"
                    f"{org.unit_code},imunisasi,95,93,higher,2\n", encoding="utf-8")
    values = await IndicatorValue.select(IndicatorValue.actual)
    refused = suara("kpis", str(file), "--period", "2026-S1")
    assert refused.returncode == 2
    assert ("suara kpis: 2026-S1 is published (version 1): its targets and actuals are "
            "locked; a city government user can unlock it with a reason at "
            "/staf/kota/terbitan (or: suara publish --unlock --period 2026-S1 --reason ...). "
            "Nothing was stored.") in " ".join(refused.stderr.split())
    assert await IndicatorValue.select(IndicatorValue.actual) == values
    # another period is not locked
    assert suara("kpis", str(file), "--period", "2026-Q3").returncode == 0
    mark = await audit_mark()
    for args, message in [
        (("--period", "2026-Q1", "--reason", "r"), "suara publish: 2026-Q1 is not published"),
        (("--period", "2026-S1", "--reason", " "),
         "suara publish: give --reason: why the targets and actuals are unlocked"),
    ]:
        refused = suara("publish", "--unlock", *args)
        assert refused.returncode == 2 and refused.stderr.strip() == message, args
    opened = suara("publish", "--unlock", "--period", "2026-S1", "--reason",
                   "corrected actual", "--by", "bagian.organisasi")
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == ("Unlocked the targets and actuals of 2026-S1 (version 1) until "
                             "its next version is published.\n")
    rows = await audit.entries(after_id=mark)
    assert [(r["action"], r["object_key"], r["actor"]) for r in rows] == [
        ("unlock_targets", "2026-S1", "bagian.organisasi")]
    again = suara("publish", "--unlock", "--period", "2026-S1", "--reason", "x")
    assert again.returncode == 2
    assert again.stderr.strip() == "suara publish: 2026-S1 is already unlocked"
    done = suara("kpis", str(file), "--period", "2026-S1")
    assert done.returncode == 0, done.stderr
    assert "1 changed (audited)" in done.stderr


async def test_store_kpis_refuses_a_locked_period_and_weights_used_by_one(org):
    await _data(org)
    await snapshots.publish(S1, CITY, "x", params=Parameters(draws=20))
    state = (await IndicatorValue.select(), await IndicatorAudit.count())
    with pytest.raises(PeriodLocked) as refused:
        await store_kpis("2026-S1", [Kpi(org.unit_code, "imunisasi", 95, 99, "higher", 2)],
                         "cli", NOW)
    assert refused.value.period == "2026-S1" and refused.value.version == 1
    # the weight belongs to the indicator: changing it would change the locked period too
    with pytest.raises(PeriodLocked):
        await store_kpis("2026-Q3", [Kpi(org.unit_code, "imunisasi", 95, 99, "higher", 3)],
                         "cli", NOW)
    assert (await IndicatorValue.select(), await IndicatorAudit.count()) == state
    # the same weight in another period is fine
    report = await store_kpis("2026-Q3", [Kpi(org.unit_code, "imunisasi", 95, 99, "higher",
                                              2)], "cli", NOW)
    assert report.created == 1


@pytest.mark.parametrize(("args", "message"), [
    (("--period", "2026-S9", "--note", "x"),
     "suara publish: unknown period '2026-S9': use 2026, 2026-S1, 2026-Q3 or 2026-03"),
    (("--period", "2026-13", "--note", "x"),
     "suara publish: unknown period '2026-13': month must be 01..12"),
    (("--period", "2026-Q1", "--note", "  "),
     'suara publish: give --note: what this publication is (e.g. "Semester I results")'),
    (("--period", "2026-Q1"),
     'suara publish: give --note: what this publication is (e.g. "Semester I results")'),
    (("--note", "x"), "suara publish: give --period (e.g. 2026-S1), or --list"),
    (("--list", "--note", "x"), "suara publish: --list takes no --note or --reason"),
    (("--list", "--unlock"), "suara publish: give either --list or --unlock"),
    (("--unlock", "--reason", "x"), "suara publish: give --period: the published period to "
                                    "unlock"),
    (("--unlock", "--period", "2026-S1"),
     "suara publish: give --reason: why the targets and actuals are unlocked"),
    (("--unlock", "--period", "2026-S1", "--reason", "r", "--note", "n"),
     "suara publish: --unlock takes no --note"),
    (("--period", "2026-Q1", "--note", "x", "--by", ""),
     "suara publish: --by must be 1 to 120 characters"),
])
def test_suara_publish_refuses_bad_arguments_before_the_database(args, message, capsys):
    """Checked before the database is opened (so in-process): one line, exit code 2."""
    from app.cli.main import main

    assert main(["publish", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and " ".join(err.split()) == message


# The page --------------------------------------------------------------------------------

def _counts_on(html: str) -> dict[str, int]:
    return {status: int(value) for status, value in re.findall(
        r'<tr data-status="([a-z_]+)"><th scope="row">[^<]*</th><td><data value="(\d+)"',
        html)}


async def test_city_publishes_from_the_page_and_sees_the_version(org):
    await _data(org)
    await make_all_roles()
    mark = await audit_mark()
    async with make_client() as client:
        token = await signed_in_as(client, "city")
        page = await client.get(f"{BASE}?period=2026-S1")
        assert page.status_code == 200
        assert "Belum ada yang diterbitkan." in page.text
        live = publishing.status_counts(await score_period(S1, Parameters()))
        assert _counts_on(page.text) == {
            "ranked": live.ranked, "provisional": live.provisional,
            "unranked_no_kpi": live.unranked_no_kpi, "not_scored": live.not_scored,
            "responses": 53}
        # the standard periods that started and have data; nothing else
        options = re.findall(r'<select id="f-period" name="period" required>(.*?)</select>',
                             page.text, re.S)[0]
        keys = re.findall(r'value="([^"]+)"', options)
        assert keys == ["2026", "2026-S1", "2026-Q1", "2026-Q2", "2026-03", "2026-04"]
        assert 'name="seen" value="2026-S1:0"' in page.text
        done = await client.post(BASE, data={"_csrf_token": token, "period": "2026-S1",
                                             "note": "Hasil semester I", "seen": "2026-S1:0"})
        assert done.status_code == 303
        assert done.headers["location"] == f"{BASE}?period=2026-S1&published=1"
        shown = await client.get(done.headers["location"])
        assert ("Semester I 2026 diterbitkan sebagai versi 1. Target dan realisasinya kini "
                "dikunci.") in shown.text
        info = (await snapshots.versions("2026-S1"))[0]
        row = re.search(r'<tr data-period="2026-S1" data-version="1">(.*?)</tr>', shown.text,
                        re.S).group(1)
        assert "city@test.id" in row and "Hasil semester I" in row
        assert f'data-digest="{info.inputs_digest}">{info.inputs_digest[:12]}…' in row
        assert f'data-digest="{info.result_digest}">{info.result_digest[:12]}…' in row
        assert 'data-state="locked"' in row and info.method in row
        wita = info.published_at.astimezone(periods_wita()).strftime("%d-%m-%Y %H:%M")
        assert wita in row
        assert 'data-unlock="2026-S1"' in shown.text
        assert "Semester I 2026 sudah diterbitkan: versi 1" in shown.text
        assert "Masukannya tidak berubah sejak itu." in shown.text
        await store_answers(org.kiosk, [POOR] * 3, datetime(2026, 5, 4, 3, tzinfo=UTC))
        changed = await client.get(f"{BASE}?period=2026-S1")
        assert ("Masukannya telah berubah sejak itu (tanggapan, impor, atau target). "
                "Menerbitkannya lagi membuat versi 2 dan memerlukan alasan.") in changed.text
        # the published result is the live one of that moment (same parameters)
        snap = await snapshots.latest("2026-S1")
        assert publishing.status_counts(snap.result) == live
        # publishing again needs a reason (422, nothing written), in the user's language
        before = await _written()
        again = await client.post(BASE, data={"_csrf_token": token, "period": "2026-S1",
                                              "note": "lagi", "seen": "2026-S1:1"})
        assert again.status_code == 422
        assert ("Semester I 2026 sudah diterbitkan (versi 1): berikan alasan untuk "
                "menerbitkannya lagi.") in again.text
        assert ">lagi</textarea>" in again.text  # the note is kept
        english = await client.post(BASE + "?lang=en", data={
            "_csrf_token": token, "period": "2026-S1", "note": "again", "seen": "2026-S1:1"})
        assert english.status_code == 422
        assert ("Semester I 2026 is already published (version 1): give the reason for "
                "publishing it again.") in english.text
        assert await _written() == before
        second = await client.post(BASE, data={
            "_csrf_token": token, "period": "2026-S1", "note": "Revisi",
            "reason": "kuesioner kertas terlambat", "seen": "2026-S1:1"})
        assert second.status_code == 303
        assert second.headers["location"].endswith("published=2")
        listed = (await client.get(BASE + "?lang=id")).text
        assert 'data-period="2026-S1" data-version="2"' in listed
        v1 = re.search(r'<tr data-period="2026-S1" data-version="1">(.*?)</tr>', listed,
                       re.S).group(1)
        assert 'data-state="superseded"' in v1 and "diganti oleh versi 2" in v1
        assert "kuesioner kertas terlambat" in listed
    rows = await audit.entries(after_id=mark, object_type="score_snapshot")
    assert [(r["action"], r["object_key"], r["actor"]) for r in rows] == [
        ("publish", "2026-S1 v2", "city@test.id"), ("publish", "2026-S1 v1", "city@test.id")]
    assert rows[0]["new"]["reason"] == "kuesioner kertas terlambat"
    assert rows[0]["network"] and rows[0]["actor_id"] is not None


def periods_wita():
    from feedback.clock import WITA

    return WITA


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"period": "2026-S9"}, 422, "Pilih periode dari daftar"),
    ({"period": "2025"}, 422, "Pilih periode dari daftar"),  # no data
    ({"period": "2026-S2"}, 422, "Pilih periode dari daftar"),  # no data
    ({"period": "2027"}, 422, "Pilih periode dari daftar"),  # not started
    ({"period": "2026-01-01..2026-03-31"}, 422,
     "Hanya tahun, semester, triwulan, atau bulan yang dapat diterbitkan."),
    ({"period": ""}, 422, "Pilih periode dari daftar"),
    ({"note": "   "}, 422, "Tulis catatan"),
    ({"note": "x" * 2001}, 422, "paling banyak 2000 karakter"),
    ({"reason": "x" * 2001}, 422, "paling banyak 2000 karakter"),
    ({"seen": "2026-S1:3"}, 409, "diterbitkan oleh orang lain"),
])
async def test_bad_publish_input_is_refused_and_writes_nothing(org, fields, status, message):
    await _data(org)
    await make_all_roles()
    async with make_client() as client:
        token = await signed_in_as(client, "city")
        before = await _written()
        form = {"_csrf_token": token, "period": "2026-S1", "note": "n", "seen": "2026-S1:0",
                **fields}
        got = await client.post(BASE, data=form)
        assert got.status_code == status
        assert message in got.text
        assert 'role="alert" id="form-error"' in got.text
        assert await _written() == before


async def test_a_concurrent_publish_is_a_conflict(org, monkeypatch):
    """The core's own conflict (the unique version index) answers 409 too."""
    await _data(org)
    await make_all_roles()

    async def clash(*args, **kwargs):
        raise snapshots.SnapshotError("conflict", "someone published this period meanwhile")

    monkeypatch.setattr(snapshots, "publish", clash)
    async with make_client() as client:
        token = await signed_in_as(client, "city")
        got = await client.post(BASE + "?lang=en", data={
            "_csrf_token": token, "period": "2026-S1", "note": "n"})
        assert got.status_code == 409
        assert "Someone published Semester I 2026 at the same moment." in got.text
    assert await ScoreSnapshot.count() == 0


async def test_unlock_from_the_page(org):
    await _data(org)
    await make_all_roles()
    await snapshots.publish(S1, CITY, "x", params=Parameters(draws=20))
    mark = await audit_mark()
    async with make_client() as client:
        token = await signed_in_as(client, "city")
        before = await _written()
        for form, status, text in [
            ({"period": "2026-S1", "reason": "  ", "version": "1"}, 422,
             "Berikan alasan membuka kunci Semester I 2026."),
            ({"period": "2026-Q1", "reason": "r"}, 422,
             "Triwulan I 2026 belum diterbitkan, jadi tidak ada yang dibuka kuncinya."),
            ({"period": "nope", "reason": "r"}, 422, "belum diterbitkan"),
            ({"period": "2026-S1", "reason": "r", "version": "2"}, 409,
             "diterbitkan oleh orang lain"),
            ({"period": "2026-S1", "reason": "x" * 2001, "version": "1"}, 422,
             "paling banyak 2000 karakter"),
        ]:
            got = await client.post(UNLOCK, data={"_csrf_token": token, **form})
            assert got.status_code == status, form
            assert text in got.text, form
        assert await _written() == before
        done = await client.post(UNLOCK, data={"_csrf_token": token, "period": "2026-S1",
                                               "reason": "salah ketik target", "version": "1"})
        assert done.status_code == 303
        assert done.headers["location"] == f"{BASE}?period=2026-S1&unlocked=1"
        shown = await client.get(done.headers["location"])
        assert ("Target dan realisasi Semester I 2026 dibuka kuncinya sampai versi berikutnya "
                "diterbitkan.") in shown.text
        row = re.search(r'<tr data-period="2026-S1" data-version="1">(.*?)</tr>', shown.text,
                        re.S).group(1)
        assert 'data-state="unlocked"' in row and "salah ketik target" in row
        assert "Tidak ada periode yang dikunci." in shown.text
        twice = await client.post(UNLOCK, data={"_csrf_token": token, "period": "2026-S1",
                                                "reason": "lagi", "version": "1"})
        assert twice.status_code == 409
        assert "sudah dibuka kuncinya" in twice.text
        # without the CSRF token: refused, nothing written
        forged = await client.post(UNLOCK, data={"period": "2026-S1", "reason": "r"})
        assert forged.status_code == 403
    assert not await snapshots.is_locked("2026-S1")
    rows = await audit.entries(after_id=mark, object_type="period")
    assert [(r["action"], r["object_key"], r["actor"]) for r in rows] == [
        ("unlock_targets", "2026-S1", "city@test.id")]
    assert rows[0]["new"] == {"locked": False, "reason": "salah ketik target"}


async def test_page_without_data_and_bad_period(org):
    await make_all_roles()
    async with make_client() as client:
        await signed_in_as(client, "city")
        page = await client.get(BASE)
        assert page.status_code == 200
        assert "Belum ada periode yang memiliki tanggapan" in page.text
        assert (await client.get(f"{BASE}?period=2026-S9")).status_code == 400
        assert (await client.get(f"{BASE}?period=2026-S1&published=7")).status_code == 200
        await _data(org)
        for key in ("2025", "2027", "2026-01-01..2026-03-31"):
            page = await client.get(f"{BASE}?period={key}")
            assert page.status_code == 200
            assert f"{key} tidak dapat diterbitkan: pilih tahun" in page.text
            assert 'id="live-counts"' not in page.text


# Role × route matrix ---------------------------------------------------------------------

@pytest.mark.parametrize("role", ["anonymous", "officer", "unit", "agency", "city", "admin"])
async def test_role_route_matrix(org, role):
    await _data(org)
    await make_all_roles()
    await snapshots.publish(periods.parse("2026-Q1"), CITY, "x", params=Parameters(draws=20))
    async with make_client() as client:
        if role == "anonymous":
            await client.get("/staf/masuk")
            token = client.cookies.get("sl_csrf")
        else:
            token = await signed_in_as(client, role)
        before = await _written()
        calls = [
            ("GET", f"{BASE}?period=2026-S1", {}, 200),
            ("POST", BASE, {"period": "2026-S1", "note": "n", "seen": "2026-S1:0"}, 303),
            ("POST", UNLOCK, {"period": "2026-Q1", "reason": "r", "version": "1"}, 303),
        ]
        for method, path, form, ok in calls:
            got = await (client.get(path) if method == "GET"
                         else client.post(path, data={"_csrf_token": token, **form}))
            want = 303 if role == "anonymous" else ok if role == "city" else 403
            assert got.status_code == want, (role, method, path, got.status_code)
            if role == "anonymous":
                assert got.headers["location"].startswith("/staf/masuk")
        if role != "city":
            assert await _written() == before


# The target lock on the unit's targets page ----------------------------------------------

async def test_published_period_locks_the_targets_page(org):
    await _data(org)
    await make_all_roles()
    await snapshots.publish(S1, CITY, "x", params=Parameters(draws=20))
    path = f"/staf/unit/{org.unit_code}/kinerja"
    state = (await IndicatorValue.select(IndicatorValue.actual), await IndicatorAudit.count())
    for role in ("unit", "city"):
        async with make_client() as client:
            token = await signed_in_as(client, role)
            page = await client.get(f"{path}?period=2026-S1")
            assert page.status_code == 200
            assert ("Semester I 2026 telah diterbitkan (versi 1) dan target serta realisasinya "
                    "dikunci.") in page.text
            assert 'name="actual:imunisasi"' not in page.text
            assert "Simpan realisasi" not in page.text
            assert ('href="/staf/kota/terbitan?period=2026-S1"' in page.text) == (role == "city")
            refused = await client.post(path, data={"_csrf_token": token, "period": "2026-S1",
                                                    "actual:imunisasi": "80"})
            assert refused.status_code == 409
            assert "dikunci" in refused.text and "Pemerintah Kota" in refused.text
            english = await client.post(path + "?lang=en", data={
                "_csrf_token": token, "period": "2026-S1", "actual:imunisasi": "80"})
            assert english.status_code == 409
            assert ("Semester I 2026 is published (version 1) and its targets and actuals are "
                    "locked. A city government user can unlock them") in english.text
            # another period stays editable
            other = await client.get(f"{path}?period=2026-Q3")
            assert "dikunci" not in other.text
    assert (await IndicatorValue.select(IndicatorValue.actual),
            await IndicatorAudit.count()) == state
    await snapshots.unlock("2026-S1", CITY, "realisasi salah")
    async with make_client() as client:
        token = await signed_in_as(client, "unit")
        page = await client.get(f"{path}?period=2026-S1")
        assert 'name="actual:imunisasi"' in page.text and "dikunci" not in page.text
        done = await client.post(path, data={"_csrf_token": token, "period": "2026-S1",
                                             "actual:imunisasi": "80"})
        assert done.status_code == 303
    assert [r["actual"] for r in await IndicatorValue.select(IndicatorValue.actual)] == [80]
