"""The Kota Kupang demo loader: organisation, simulated responses and their aggregates."""

from __future__ import annotations

import re
from collections import Counter as Tally
from datetime import UTC, datetime, timedelta

import pytest

from feedback.clock import WITA, wita_day
from feedback.demo import load as demo
from feedback.demo.load import DemoError, load_demo, plan_organisation
from feedback.survey.skm import current_questionnaire_id
from feedback.tables import (
    Agency,
    Counter,
    Response,
    Service,
    TicketToken,
    Unit,
    UnitDayScore,
    UnitDayStats,
)
from scoring.ikm import ELEMENTS
from tests.support import wipe_rows

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # a Monday, 11:00 WITA
N = 2_000

# Copied from REGULATIONS.md ("Kota Kupang"), independently of feedback.demo.load.
REGULATION_KELURAHAN = {
    "Alak": "Alak, Batuplat, Fatufeto, Mantasi, Manulai II, Manutapen, Naioni, Namosain, "
            "Nunbaun Delha, Nunbaun Sabu, Nunhila, Penkase Oeleta",
    "Kelapa Lima": "Kelapa Lima, Lasiana, Oesapa, Oesapa Barat, Oesapa Selatan",
    "Kota Raja": "Airnona, Bakunase, Bakunase II, Fontein, Kuanino, Naikoten I, Naikoten II, "
                 "Nunleu",
    "Kota Lama": "Air Mata, Bonipoi, Fatubesi, Lai-lai Bisi Kopan, Merdeka, Nefonaek, Oeba, "
                 "Pasir Panjang, Solor, Tode Kisar",
    "Maulafa": "Belo, Fatukoa, Kolhua, Maulafa, Naikolan, Naimata, Oepura, Penfui, Sikumana",
    "Oebobo": "Fatululi, Kayu Putih, Liliba, Oebobo, Oebufu, Oetete, Tuak Daun Merah",
}


async def _load(engine, responses: int = N, seed: int = 2026):
    return await load_demo(responses=responses, seed=seed, now=NOW)


async def _responses() -> list[dict]:
    return await Response.select(
        Response.id, Response.unit, Response.counter, Response.service, Response.questionnaire,
        Response.answers, Response.answered, Response.counted, Response.submitted_at,
        Response.channel, Response.verified, Response.token, Response.receipt,
        Response.submission_key, Response.device_hash, Response.flags, Response.lang,
        Response.gender, Response.age_band, Response.education, Response.occupation,
        Response.comment,
    ).output(load_json=True)


async def test_organisation(empty_db):
    summary = await _load(empty_db)

    assert summary.agencies == await Agency.count()
    assert summary.units == await Unit.count()
    assert summary.counters == await Counter.count()
    assert summary.services == await Service.count()
    assert summary.responses == N

    agencies = {a["code"]: a["name"] for a in await Agency.select(Agency.code, Agency.name)}
    assert agencies["disdukcapil"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert agencies["dinkes"] == "Dinas Kesehatan"
    assert {name for name in agencies.values() if name.startswith("Kecamatan ")} == {
        f"Kecamatan {k}" for k in REGULATION_KELURAHAN
    }

    units = await Unit.select(
        Unit.id, Unit.code, Unit.name, Unit.peer_group, Unit.kecamatan, Unit.monthly_volume,
        Unit.agency.code,
    )
    by_name = {u["name"]: u for u in units}
    for kecamatan, listed in REGULATION_KELURAHAN.items():
        camat = by_name[f"Kantor Camat {kecamatan}"]
        assert camat["peer_group"] == "kecamatan" and camat["kecamatan"] == kecamatan
        agency_code = camat["agency.code"]
        for name in listed.split(", "):
            unit = by_name[f"Kelurahan {name}"]
            assert unit["peer_group"] == "kelurahan"
            assert unit["kecamatan"] == kecamatan
            assert unit["agency.code"] == agency_code
            assert unit["code"].startswith("kel-")
            assert 100 <= unit["monthly_volume"] <= 600
    kelurahan = [u for u in units if u["peer_group"] == "kelurahan"]
    assert len(kelurahan) == sum(len(v.split(", ")) for v in REGULATION_KELURAHAN.values())

    for name in ("Oesapa", "Pasir Panjang", "Oebobo", "Bakunase", "Sikumana"):
        pkm = by_name[f"UPTD Puskesmas {name}"]
        assert pkm["peer_group"] == "puskesmas"
        assert 1500 <= pkm["monthly_volume"] <= 4000
    dukcapil = by_name["Kantor Disdukcapil"]
    assert dukcapil["monthly_volume"] >= 5000
    mpp = [u for u in units if u["peer_group"] == "mpp"]
    assert 12 <= len(mpp) <= 21
    assert {u["agency.code"] for u in mpp} == {"dpmptsp"}
    assert {"Pasar Oebobo", "Pasar Oesapa"} <= {u["name"] for u in units
                                                 if u["peer_group"] == "pasar"}
    assert any(u["agency.code"] == "pupr" and u["peer_group"] == "perizinan" for u in units)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", u["code"]) for u in units)

    counters = await Counter.select(Counter.code, Counter.unit, Counter.name, Counter.is_kiosk,
                                    Counter.secret, Counter.active)
    assert all(re.fullmatch(f"[{demo.CODE_ALPHABET}]{{8}}", c["code"]) for c in counters)
    assert all(re.fullmatch(r"[0-9a-f]{64}", c["secret"]) for c in counters)
    assert len({c["secret"] for c in counters}) == len(counters)
    assert all(c["active"] for c in counters)
    per_unit = Tally(c["unit"] for c in counters)
    assert set(per_unit) == {u["id"] for u in units}  # every unit has a counter
    assert per_unit[dukcapil["id"]] >= 5
    names = {c["name"] for c in counters if c["unit"] == dukcapil["id"]}
    for service in ("KTP-el", "Kartu Keluarga", "Akta Kelahiran", "Akta Kematian",
                    "Pindah Datang"):
        assert any(service in name for name in names)
    kiosk_units = {c["unit"] for c in counters if c["is_kiosk"]}
    assert dukcapil["id"] in kiosk_units
    assert kiosk_units & {u["id"] for u in mpp}
    pkm_counters = {c["name"] for c in counters if c["unit"] == by_name[
        "UPTD Puskesmas Oesapa"]["id"]}
    assert {"Pendaftaran", "Poli Umum", "Laboratorium"} <= pkm_counters

    services = await Service.select(Service.unit, Service.code, Service.name_id,
                                    Service.name_en)
    assert {s["unit"] for s in services} == {u["id"] for u in units}
    assert all(s["name_id"] and s["name_en"] for s in services)


async def test_responses(empty_db):
    await _load(empty_db)
    rows = await _responses()
    assert len(rows) == N

    questionnaire = await current_questionnaire_id()
    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.peer_group)}
    counters = {c["id"]: c for c in await Counter.select(Counter.id, Counter.unit,
                                                         Counter.is_kiosk)}
    services = {s["id"]: s["unit"] for s in await Service.select(Service.id, Service.unit)}
    tokens = {t["response"]: t for t in await TicketToken.select(
        TicketToken.code, TicketToken.response, TicketToken.counter, TicketToken.used_at)}

    for r in rows:
        # Last 12 months, in WITA office hours (Saturday mornings only at the MPP).
        assert NOW - timedelta(days=365) < r["submitted_at"] <= NOW
        local = r["submitted_at"].astimezone(WITA)
        minutes = local.hour * 60 + local.minute
        if local.weekday() < 5:
            assert 8 * 60 <= minutes < 15 * 60 + 30, local
        else:
            assert local.weekday() == 5 and units[r["unit"]]["peer_group"] == "mpp", local
            assert 8 * 60 <= minutes < 12 * 60, local

        answers = r["answers"]
        assert set(answers) <= set(ELEMENTS)
        assert all(a in (1, 2, 3, 4) for a in answers.values())
        assert r["answered"] == len(answers)
        assert r["counted"] == (len(answers) >= 7)

        counter = counters[r["counter"]]
        assert counter["unit"] == r["unit"]
        assert r["service"] is None or services[r["service"]] == r["unit"]
        assert r["questionnaire"] == questionnaire
        assert r["flags"] == []
        assert r["lang"] in ("id", "en")
        assert re.fullmatch(r"[0-9a-f]{32}", r["device_hash"])
        assert re.fullmatch("[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}", r["receipt"])
        if counter["is_kiosk"]:
            assert r["channel"] == "kiosk"
        else:
            assert r["channel"] in ("qr", "ticket")
        assert r["verified"] == (r["channel"] == "ticket")
        if r["verified"]:
            token = tokens[r["id"]]
            assert token["code"] == r["token"] and token["counter"] == r["counter"]
            assert token["used_at"] == r["submitted_at"]
        else:
            assert r["token"] is None and r["id"] not in tokens

    assert len({r["receipt"] for r in rows}) == N
    assert len({r["submission_key"] for r in rows}) == N
    assert len(tokens) == sum(r["verified"] for r in rows)

    answered = Tally(r["answered"] for r in rows)
    assert answered[9] > 0.9 * N
    assert answered[7] + answered[8] > 0  # skipped one or two, still counted
    assert sum(n for k, n in answered.items() if k < 7) > 0  # stored, not counted
    channels = Tally(r["channel"] for r in rows)
    assert channels["qr"] > N / 2 and channels["kiosk"] > 0 and channels["ticket"] > 0
    with_profile = sum(r["gender"] is not None for r in rows) / N
    assert 0.45 < with_profile < 0.7
    commented = [r for r in rows if r["comment"]]
    assert 0.04 * N < len(commented) < 0.12 * N

    # Elements differ as in published reports: waktu and sarana lowest, biaya highest.
    mean = {e: sum(r["answers"][e] for r in rows if e in r["answers"])
            / sum(e in r["answers"] for r in rows) for e in ELEMENTS}
    assert sorted(mean, key=mean.get)[:2] in (["waktu", "sarana"], ["sarana", "waktu"])
    assert max(mean, key=mean.get) == "biaya"
    assert 2.9 < sum(mean.values()) / len(mean) < 3.5  # IKM roughly 72-88


async def test_aggregates_match_the_stored_responses(empty_db):
    await _load(empty_db)
    rows = await _responses()
    counted = [r for r in rows if r["counted"]]

    stats = await UnitDayStats.select()
    assert sum(s["n"] for s in stats) == len(counted)

    expected: dict[tuple[int, object], dict] = {}
    for r in counted:
        key = (r["unit"], wita_day(r["submitted_at"]))
        e = expected.setdefault(key, {"n": 0, "counts": Tally(), "scores": Tally()})
        answers = r["answers"]
        e["n"] += 1
        for element, answer in answers.items():
            e["counts"][f"{element}_{answer}"] += 1
        e["scores"][(len(answers), sum(answers.values()))] += 1

    assert {(s["unit"], s["day"]) for s in stats} == set(expected)
    columns = [f"{e}_{a}" for e in ELEMENTS for a in range(1, 5)]
    for s in stats:
        e = expected[(s["unit"], s["day"])]
        assert s["n"] == e["n"]
        assert {c: s[c] for c in columns} == {c: e["counts"][c] for c in columns}

    scores = await UnitDayScore.select()
    assert len({(s["unit"], s["day"], s["answered"], s["total"]) for s in scores}) == len(scores)
    got = {(s["unit"], s["day"], s["answered"], s["total"]): s["count"] for s in scores}
    want = {(u, d, a, t): c for (u, d), e in expected.items() for (a, t), c in e["scores"].items()}
    assert got == want


async def test_some_units_have_very_few_responses(empty_db):
    await _load(empty_db)
    per_unit = Tally(r["unit"] for r in await Response.select(Response.unit))
    assert sum(1 for n in per_unit.values() if n < 10) >= 5
    assert sum(1 for n in per_unit.values() if 10 <= n < 30) >= 2
    dukcapil = await Unit.select(Unit.id).where(Unit.code == "dukcapil-kantor").first()
    assert per_unit[dukcapil["id"]] == max(per_unit.values())


async def test_same_seed_same_organisation(empty_db):
    await _load(empty_db, responses=100, seed=7)
    stored = {c["code"] for c in await Counter.select(Counter.code)}
    planned = [c for a in plan_organisation(7) for u in a.units for c in u.counters]
    assert stored == {c.code for c in planned}
    assert len(stored) == len(planned)
    assert plan_organisation(7) == plan_organisation(7)
    other = {c.code for a in plan_organisation(8) for u in a.units for c in u.counters}
    assert other.isdisjoint(stored)
    secrets = {c["code"]: c["secret"] for c in await Counter.select(Counter.code,
                                                                     Counter.secret)}
    assert secrets == {c.code: c.secret for c in planned}


async def test_loading_twice_raises_and_changes_nothing(empty_db):
    calls: list[int] = []
    summary = await load_demo(responses=300, progress=calls.append)
    assert summary.responses == 300 and sum(calls) == 300
    before = (await Agency.count(), await Unit.count(), await Counter.count(),
              await Response.count(), await UnitDayStats.count())
    with pytest.raises(DemoError, match="empty database"):
        await load_demo(responses=300)
    after = (await Agency.count(), await Unit.count(), await Counter.count(),
             await Response.count(), await UnitDayStats.count())
    assert after == before


async def test_same_seed_same_responses(empty_db):
    async def snapshot():
        await _load(empty_db, responses=300, seed=11)
        return await Response.select(
            Response.unit.code, Response.counter.code, Response.receipt, Response.answers,
            Response.submitted_at, Response.comment, Response.channel, Response.token,
        ).order_by(Response.id)

    first = await snapshot()
    times = [r["submitted_at"] for r in first]
    assert times == sorted(times)  # stored in time order, so ids follow time
    await wipe_rows()
    assert await snapshot() == first


async def test_zero_responses(empty_db):
    summary = await _load(empty_db, responses=0)
    assert summary.responses == 0 and summary.units > 80
    assert await Response.count() == 0 and await UnitDayStats.count() == 0


async def test_bad_argument(empty_db):
    with pytest.raises(ValueError):
        await load_demo(responses=-1)
    assert await Agency.count() == 0


async def test_demo_has_performance_indicators_for_this_and_last_year(empty_db):
    from datetime import UTC, datetime

    from feedback.demo.load import load_demo
    from feedback.performance import periods
    from feedback.performance.scores import engine_inputs
    from feedback.tables import Indicator

    summary = await load_demo(responses=600, seed=5,
                              now=datetime(2026, 11, 28, 3, tzinfo=UTC))
    assert summary.indicators == await Indicator.count() > 150
    _, kpis = await engine_inputs(periods.parse("2026"))
    assert len(kpis) == summary.indicators
    assert any(k.actual is None for k in kpis)  # some units have not reported yet
    assert all(k.previous_actual is not None for k in kpis)  # last year is complete
    assert any(k.target < k.previous_actual for k in kpis if k.direction == "higher")


# ------------------------------------------------------- comments of every kind, stuffing

RECENT = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday 14:00 WITA


@pytest.fixture(scope="module")
def demo_3000():
    """The browser tests' demo (`suara demo --responses 3000 --seed 1`), simulated."""
    from feedback.demo.simulation import simulate

    return simulate(plan_organisation(1), 3000, 1, RECENT)


def test_demo_comments_are_of_every_kind(demo_3000):
    """Every element (and lainnya) with every sentiment, a few urgent comments and every
    kind of personal data; labelled by construction (corpus texts keep their labels)."""
    from feedback.demo.comments import PERSONAL_TEMPLATES
    from scoring.comments import ELEMENT_LABELS, SENTIMENTS, load_corpus

    sim = demo_3000
    commented = [k for k in range(len(sim)) if sim.comment[k] is not None]
    kinds = [sim.comment_kind[k] for k in commented]
    assert all(kind is not None for kind in kinds)
    assert {k[:2] for k in kinds} == {(e, s) for e in ELEMENT_LABELS for s in SENTIMENTS}
    assert 3 <= sum(k[2] for k in kinds) <= 0.05 * len(kinds)
    # a realistic share of the responses carries a comment
    assert 0.06 < len(commented) / len(sim) < 0.10
    texts = [sim.comment[k] for k in commented]
    for template, _, _ in PERSONAL_TEMPLATES:
        assert any(t.startswith(template.split("{")[0]) for t in texts), template
    # corpus texts carry the corpus' labels
    corpus = {(e.text): (e.element, e.sentiment, e.urgent) for e in load_corpus()}
    from_corpus = [(t, k) for t, k in zip(texts, kinds, strict=True) if t in corpus]
    assert len(from_corpus) > 0.8 * len(texts)
    assert all(corpus[t] == k for t, k in from_corpus)
    # the tone follows the respondent's own answers
    mean = {s: [] for s in SENTIMENTS}
    for k, kind in zip(commented, kinds, strict=True):
        row = sim.answers[k]
        mean[kind[1]].append(row[row > 0].mean())
    avg = {s: sum(v) / len(v) for s, v in mean.items()}
    assert avg["negatif"] < avg["netral"] < avg["positif"]


def test_demo_comments_as_the_model_reads_them(demo_3000):
    """The shipped classifier finds every element and sentiment among the demo's comments,
    and some urgent ones."""
    from scoring.comments import ELEMENT_LABELS, SENTIMENTS, corpus_model

    texts = [c for c in demo_3000.comment.tolist() if c is not None]
    labels = corpus_model().classify(texts)
    assert {lab.element for lab in labels} == set(ELEMENT_LABELS)
    assert {lab.sentiment for lab in labels} == set(SENTIMENTS)
    urgent = [t for t, lab in zip(texts, labels, strict=True) if lab.urgent]
    assert 3 <= len(urgent) <= 0.1 * len(texts)


def test_demo_personal_data_is_masked(demo_3000):
    from feedback.comments.masking import mask
    from feedback.demo.comments import PERSONAL_TEMPLATES

    prefixes = [t.split("{")[0] for t, _, _ in PERSONAL_TEMPLATES]
    personal = [c for c in demo_3000.comment.tolist()
                if c is not None and any(c.startswith(p) for p in prefixes)]
    assert personal
    for text in personal:
        masked = mask(text)
        assert "disamarkan]" in masked and "@" not in masked
        assert re.search(r"\d{3}", masked) is None and not re.search(r"DH \d", masked)


def test_demo_stuffing_episode(demo_3000):
    """One episode in the browser tests' demo: 36-44 ratings of all 4s at one counter within
    15 minutes of one clock hour, from three devices, without tokens or comments, 8 to 30
    days back; the total stays the number asked for."""
    sim = demo_3000
    assert len(sim) == 3000
    rows = [k for k in range(len(sim)) if sim.stuffed[k]]
    assert 36 <= len(rows) <= 44
    assert {sim.counter[k] for k in rows} == {sim.counter[rows[0]]}
    assert all((sim.answers[k] == 4).all() for k in rows)
    assert all(sim.token[k] is None and sim.comment[k] is None for k in rows)
    assert len({sim.device[k].tobytes() for k in rows}) == 3
    times = sorted(int(sim.submitted[k]) for k in rows)
    assert times[-1] - times[0] < 15 * 60
    start = datetime.fromtimestamp(times[0], UTC).astimezone(WITA)
    end = datetime.fromtimestamp(times[-1], UTC).astimezone(WITA)
    assert start.hour == end.hour and start.weekday() < 5
    assert 8 <= (RECENT.astimezone(WITA).date() - start.date()).days <= 30
    # small demos have none, large ones two
    from feedback.demo.simulation import simulate

    assert not simulate(plan_organisation(1), 999, 1, RECENT).stuffed.any()
    large = simulate(plan_organisation(1), 20_000, 1, RECENT)
    assert len(large) == 20_000
    assert len({large.counter[k] for k in range(len(large)) if large.stuffed[k]}) == 2


def test_demo_comments_and_stuffing_are_deterministic(demo_3000):
    import numpy as np

    from feedback.demo.simulation import simulate

    again = simulate(plan_organisation(1), 3000, 1, RECENT)
    assert again.comment.tolist() == demo_3000.comment.tolist()
    assert again.comment_kind.tolist() == demo_3000.comment_kind.tolist()
    assert np.array_equal(again.stuffed, demo_3000.stuffed)
    assert np.array_equal(again.device, demo_3000.device)
    assert np.array_equal(again.submitted, demo_3000.submitted)
    other = simulate(plan_organisation(2), 3000, 2, RECENT)
    assert other.comment.tolist() != demo_3000.comment.tolist()


async def test_demo_stuffing_is_flagged_by_the_scan(empty_db, demo_3000):
    """`suara integrity scan --from D --to D` on the stuffing's day flags its counter-hour
    (burst), most anomalous first; the rest of that day is hardly flagged."""
    import json

    from tests.test_cli import suara

    await load_demo(responses=3000, seed=1, now=RECENT)
    sim = demo_3000
    rows = [k for k in range(len(sim)) if sim.stuffed[k]]
    code = sim.counter[rows[0]]
    moment = datetime.fromtimestamp(int(sim.submitted[rows[0]]), UTC).astimezone(WITA)
    day = moment.date().isoformat()
    stored = await Response.select(Response.answers, Response.verified, Response.comment).where(
        (Response.counter.code == code) & (Response.submitted_at >= moment)
        & (Response.submitted_at < moment + timedelta(minutes=15)))
    assert len(stored) >= len(rows)

    done = suara("integrity", "scan", "--from", day, "--to", day)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    top = out["flagged"][0]
    assert top["counter"] == code
    assert top["hour"] == moment.replace(minute=0, second=0).isoformat()
    assert "burst" in top["reasons"]
    assert top["responses"] >= len(rows)
    assert len(out["flagged"]) <= 3
    # a quiet day of the same week is not flagged at that counter
    other = (moment - timedelta(days=7)).date().isoformat()
    done = suara("integrity", "scan", "--from", other, "--to", other)
    assert done.returncode == 0, done.stderr
    assert all(f["counter"] != code for f in json.loads(done.stdout)["flagged"])
