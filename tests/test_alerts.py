"""Alerts (feedback.alerts, /staf/peringatan): the drop rule's arithmetic, one alert per
urgent comment / counter window / flagged counter-hour however often `raise_alerts` runs,
who sees which alert, the count in the staff header, acknowledging (audited, CSRF, 409 the
second time), the role × route matrix and bad input."""

from __future__ import annotations

import math
import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from feedback.accounts.audit import CLI_ACTOR, entries
from feedback.accounts.scope import Scope
from feedback.alerts import raising, reads, rules
from feedback.alerts.tables import Alert, AlertDelivery, AlertDeliveryAttempt, AlertWebhook
from feedback.integrity.tables import IntegrityFlag, IntegrityScan
from feedback.org import scoped
from feedback.survey.skm import current_questionnaire_id
from feedback.tables import Agency, Counter, Response, Unit
from scoring.comments.lexicon import TERMS
from tests.staff_support import audit_mark, make_all_roles, sign_in, signed_in_as
from tests.support import FULL, SECRET_HEX, make_client

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
PAGE = "/staf/peringatan"
COVERED_ROUTES = {("GET", PAGE), ("POST", PAGE + "/1/terima")}

_keys = iter(range(10**9))


async def wipe_alerts() -> None:
    for table in (AlertDeliveryAttempt, AlertDelivery, AlertWebhook, Alert):
        await table.delete(force=True)


@pytest.fixture
async def world(org):
    await wipe_alerts()
    agency = Agency(code="dukcapil", name="Dinas Dukcapil")
    await agency.save()
    capil = Unit(code="capil-pusat", name="Disdukcapil", agency=agency.id,
                 peer_group="capil", kecamatan="Oebobo", monthly_volume=100)
    await capil.save()
    far = Counter(code="CAPIL001", unit=capil.id, name="Loket Capil", is_kiosk=False,
                  secret=SECRET_HEX)
    await far.save()
    own = await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first()
    yield {"org": org, "agency_id": own["agency"], "other_agency": agency.id,
           "other_unit": capil.id, "other_counter": far.id}
    await wipe_alerts()


async def add(counter_id: int, unit_id: int, scores: list[dict], start: datetime,
              step: timedelta, comment: str | None = None) -> list[int]:
    qid = await current_questionnaire_id()
    rows = []
    for i, answers in enumerate(scores):
        k = next(_keys)
        rows.append(Response(
            counter=counter_id, unit=unit_id, questionnaire=qid, answers=answers,
            answered=len(answers), counted=True, comment=comment, channel="qr",
            submitted_at=start + i * step, receipt=f"A{k:09d}", submission_key=f"al-{k}",
            device_hash="d", excluded=False))
    saved = await Response.insert(*rows).returning(Response.id)
    return [r["id"] for r in saved]


def answers_of(value: int) -> dict[str, int]:
    return {e: value for e in FULL}


def scope(role: str, world, unit: int | None = None, agency: int | None = None) -> Scope:
    return Scope(role, unit_id=unit or world["org"].unit_id,
                 agency_id=agency or world["agency_id"])


# The drop rule, by hand -------------------------------------------------------------------

def test_drop_test_is_the_one_sided_z_test_with_a_minimum_drop():
    baseline = [3.0, 3.5, 4.0, 3.5] * 20  # mean 3.5, 80 ratings
    mu = 3.5
    sd = math.sqrt(sum((x - mu) ** 2 for x in baseline) / 79)
    window = [3.0] * 20
    drop = rules.drop_test(window, baseline)
    assert drop is not None
    assert drop.baseline_mean == pytest.approx(3.5)
    assert drop.baseline_sd == pytest.approx(sd)
    assert drop.z == pytest.approx((3.0 - 3.5) / (sd * math.sqrt(1 / 20 + 1 / 80)))
    assert drop.as_json()["ikm_window"] == 75.0 and drop.as_json()["ikm_baseline"] == 87.5
    # A drop smaller than MIN_DROP is no alert, however certain.
    assert rules.drop_test([3.3] * 20, baseline) is None
    # A large drop with a wide spread is no alert when z stays above the limit.
    wide = [1.0, 4.0] * 40
    assert rules.drop_test([2.2] * 20, wide) is None
    # Too few ratings, in the window or the baseline.
    assert rules.drop_test([3.0] * 19, baseline) is None
    assert rules.drop_test(window, baseline[:rules.MIN_BASELINE - 1]) is None
    # A baseline without spread: a drop of MIN_DROP is enough.
    assert rules.drop_test([3.0] * 20, [3.5] * 60) is not None


def test_fee_terms_are_lexicon_terms_and_pungli_is_read_from_them():
    assert set(TERMS) >= rules.FEE_TERMS
    assert rules.is_pungli("Petugas minta uang rokok 50 ribu", "perilaku")
    assert rules.is_pungli("bayar lebih dari tarif", "biaya")
    assert not rules.is_pungli("saya dilecehkan petugas", "perilaku")
    assert not rules.is_pungli("tidak ada pungli di sini", "perilaku")


def simulated_respondent(rng: random.Random, shift: float = 0.0) -> float:
    """A respondent's score: a general level (2, 3 or 4: 8 %, 52 %, 40 %), each of the nine
    answers one off it with probability 0.3 (clipped to 1-4), and lowered by one more with
    probability `shift` (a service getting worse)."""
    level = rng.choices([2, 3, 4], weights=[0.08, 0.52, 0.40])[0]
    answers = []
    for _ in range(9):
        value = level + (rng.choice([-1, 1]) if rng.random() < 0.3 else 0)
        value -= rng.random() < shift
        answers.append(min(4, max(1, value)))
    return sum(answers) / 9


def drop_rates(seed: int = 1) -> dict[str, float]:
    """Measured: the share of clean windows alerted (300 counters with 60, 150 or 400
    baseline ratings, 10 windows each) and the share of windows alerted after a real drop."""
    rng = random.Random(seed)
    clean = alarms = 0
    for _ in range(300):
        baseline = [simulated_respondent(rng) for _ in range(rng.choice([60, 150, 400]))]
        for _ in range(10):
            window = [simulated_respondent(rng) for _ in range(rules.WINDOW)]
            clean += 1
            alarms += rules.drop_test(window, baseline) is not None
    out = {"false_alarms": alarms / clean}
    for shift in (0.3, 0.5, 0.7):
        hits = 0
        for _ in range(300):
            baseline = [simulated_respondent(rng) for _ in range(150)]
            window = [simulated_respondent(rng, shift) for _ in range(rules.WINDOW)]
            hits += rules.drop_test(window, baseline) is not None
        out[f"detected_{shift}"] = hits / 300
    return out


def test_drop_rule_false_alarms_and_detection_measured_on_simulated_ratings():
    rates = drop_rates()
    print(rates)
    assert rates["false_alarms"] <= 0.005
    assert rates["detected_0.5"] >= 0.5 and rates["detected_0.7"] >= 0.9


# Raising -------------------------------------------------------------------------------

async def normal_history(world, days: int = 60, per_day: int = 3) -> None:
    rng = random.Random(7)
    org = world["org"]
    for d in range(days, 0, -1):
        day = NOW - timedelta(days=d)
        await add(org.counter_id, org.unit_id,
                  [answers_of(rng.choice([3, 4, 4])) for _ in range(per_day)], day,
                  timedelta(minutes=20))


async def test_a_sharp_drop_raises_one_alert_per_window(world):
    org = world["org"]
    await normal_history(world)
    assert (await raising.raise_alerts(NOW)).drop == 0  # the normal days: no drop
    await add(org.counter_id, org.unit_id, [answers_of(2)] * 20, NOW - timedelta(hours=5),
              timedelta(minutes=10))
    raised = await raising.raise_alerts(NOW)
    assert raised.drop == 1 and raised.total == 1
    alert = await Alert.select().where(Alert.kind == "drop").output(load_json=True).first()
    assert alert["counter_id"] == org.counter_id and alert["unit_id"] == org.unit_id
    d = alert["details"]
    assert d["window_mean"] == 2.0 and d["baseline_n"] == 180
    assert d["ikm_window"] == 50.0 and d["z"] <= rules.Z_LIMIT
    # Again, and with ten more low ratings (the windows overlap): nothing new.
    assert (await raising.raise_alerts(NOW)).total == 0
    await add(org.counter_id, org.unit_id, [answers_of(2)] * 10, NOW - timedelta(minutes=50),
              timedelta(minutes=1))
    assert (await raising.raise_alerts(NOW)).drop == 0
    # Twenty more after those: a new window that shares nothing → one more.
    await add(org.counter_id, org.unit_id, [answers_of(2)] * 20, NOW - timedelta(minutes=30),
              timedelta(seconds=30))
    assert (await raising.raise_alerts(NOW)).drop == 1
    # A window whose newest rating is older than RECENT_DAYS raises nothing.
    later = NOW + timedelta(days=rules.RECENT_DAYS + 1)
    assert (await raising.raise_alerts(later)).drop == 0


async def test_urgent_comments_raise_one_alert_each_and_pungli_is_marked(world):
    org = world["org"]
    fee = await add(org.counter_id, org.unit_id, [answers_of(3)], NOW - timedelta(hours=2),
                    timedelta(0), comment="Petugas minta uang rokok 50 ribu baru KTP "
                                          "diproses, hubungi saya 0812-3456-7890")
    harassment = await add(org.counter_id, org.unit_id, [answers_of(3)],
                           NOW - timedelta(hours=1), timedelta(0),
                           comment="saya dilecehkan dan diancam petugas loket")
    await add(org.counter_id, org.unit_id, [answers_of(4)], NOW - timedelta(hours=1),
              timedelta(0), comment="Terima kasih, pelayanan cepat dan ramah")
    await add(org.counter_id, org.unit_id, [answers_of(3)], NOW - timedelta(days=10),
              timedelta(0), comment="ada pungli di loket")  # older than the lookback
    raised = await raising.raise_alerts(NOW)
    assert raised.urgent == 2
    rows = {r["response_id"]: r for r in await Alert.select().where(
        Alert.kind == "urgent").output(load_json=True)}
    assert set(rows) == {fee[0], harassment[0]}
    assert rows[fee[0]]["pungli"] and not rows[harassment[0]]["pungli"]
    assert "minta uang" in rows[fee[0]]["details"]["terms"]
    assert (await raising.raise_alerts(NOW)).total == 0  # idempotent

    unit = await reads.list_alerts(scope("unit", world))
    city = await reads.list_alerts(Scope("city"))
    assert {a.comment for a in unit} >= {"saya dilecehkan dan diancam petugas loket"}
    # The city (Inspektorat) gets the pungli comment, not the other urgent one.
    assert [(a.kind, a.pungli) for a in city] == [("urgent", True)]
    assert await reads.count_open(Scope("city")) == 1
    assert await reads.count_open(scope("unit", world)) == 2
    # A longer look back finds the older one (about pungli: the city gets it too).
    assert (await raising.raise_alerts(NOW, comment_days=30)).urgent == 1
    assert await reads.count_open(Scope("city")) == 2


async def flag(world, hour: datetime, counter: int | None = None) -> None:
    scan = IntegrityScan(started_at=NOW, window_from=hour, window_to=hour + timedelta(hours=1),
                         counter_hours=1, flagged=1, training_hours=0, model_version="t",
                         features=[], params={}, trigger="cli")
    await scan.save()
    await IntegrityFlag(scan=scan.id, counter=counter or world["org"].counter_id, hour=hour,
                        reasons=["burst", "fast_repeat"], anomaly_score=0.81, responses=40,
                        features={}, evidence={}, response_ids=[]).save()


async def test_a_flagged_counter_hour_raises_one_alert_however_many_scans(world):
    hour = datetime(2026, 11, 19, 1, 0, tzinfo=UTC)
    await flag(world, hour)
    await flag(world, hour)  # a second scan flags the same counter-hour
    await flag(world, hour, world["other_counter"])
    assert await raising.raise_flag_alerts(NOW) == 2
    assert await raising.raise_flag_alerts(NOW) == 0
    agency = await reads.list_alerts(scope("agency", world))
    assert [(a.kind, a.counter_code) for a in agency] == [("flag", "OESAPA01")]
    assert agency[0].details["reasons"] == ["burst", "fast_repeat"]
    # Unit heads do not get integrity flags; the city gets every one.
    assert await reads.list_alerts(scope("unit", world)) == []
    assert len(await reads.list_alerts(Scope("city"))) == 2
    # Another agency's user sees only its own.
    other = Scope("agency", agency_id=world["other_agency"])
    assert [a.counter_code for a in await reads.list_alerts(other)] == ["CAPIL001"]
    for role in ("officer", "admin"):
        with pytest.raises(scoped.NotAllowed):
            await reads.list_alerts(Scope(role))
        assert await reads.count_open(Scope(role)) is None


async def test_acknowledging_is_once_audited_and_scoped(world):
    await flag(world, datetime(2026, 11, 19, 1, 0, tzinfo=UTC))
    await raising.raise_flag_alerts(NOW)
    alert = await Alert.select(Alert.id).first()
    other = Scope("agency", agency_id=world["other_agency"])
    with pytest.raises(scoped.NotFound):
        await reads.acknowledge(CLI_ACTOR, other, alert["id"])
    with pytest.raises(scoped.NotFound):
        await reads.acknowledge(CLI_ACTOR, scope("unit", world), alert["id"])  # a flag
    with pytest.raises(scoped.NotFound):
        await reads.acknowledge(CLI_ACTOR, Scope("city"), alert["id"] + 999)
    mark = await audit_mark()
    await reads.acknowledge(CLI_ACTOR, scope("agency", world), alert["id"])
    with pytest.raises(reads.AlreadyAcknowledged):
        await reads.acknowledge(CLI_ACTOR, Scope("city"), alert["id"])
    log = [e for e in await entries(object_type="alert") if e["id"] > mark]
    assert [(e["action"], e["object_key"]) for e in log] == [
        ("alert.acknowledge", str(alert["id"]))]
    assert await reads.count_open(Scope("city")) == 0
    done = await reads.list_alerts(Scope("city"), acknowledged=True)
    assert [a.acknowledged_by for a in done] == ["cli"]


# The pages -------------------------------------------------------------------------------

async def two_alerts(world) -> dict[str, int]:
    org = world["org"]
    await flag(world, datetime(2026, 11, 19, 1, 0, tzinfo=UTC))
    await add(org.counter_id, org.unit_id, [answers_of(3)], NOW - timedelta(hours=2),
              timedelta(0), comment="Petugas minta uang rokok, email saya budi@gmail.com")
    await raising.raise_alerts(NOW)
    rows = {r["kind"]: r["id"] for r in await Alert.select(Alert.kind, Alert.id)}
    assert set(rows) == {"flag", "urgent"}
    return rows


async def test_roles_and_the_header_count(world):
    ids = await two_alerts(world)
    await make_all_roles()
    expected = {"officer": 403, "unit": 200, "agency": 200, "city": 200, "admin": 403}
    counts = {"unit": 1, "agency": 2, "city": 2}
    async with make_client() as anonymous:
        page = await anonymous.get(PAGE)
        assert page.status_code in (302, 303) and "/staf/masuk" in page.headers["location"]
    for role, status in expected.items():
        async with make_client() as client:
            await signed_in_as(client, role)
            page = await client.get(PAGE)
            assert page.status_code == status, role
            home = await client.get("/staf", follow_redirects=True)
            if role in counts:
                assert f"Peringatan ({counts[role]})" in home.text, role
                assert page.text.count('class="alert"') == counts[role]
                # Masked comment, no e-mail address.
                assert "budi@gmail.com" not in page.text
                assert "[email disamarkan]" in page.text or "disamarkan]" in page.text
            else:
                assert "/staf/peringatan" not in home.text, role
    # POST: only the readers; anonymous are sent to sign in, wrong roles 403.
    for role in ("officer", "admin"):
        async with make_client() as client:
            token = await signed_in_as(client, role)
            answer = await client.post(f"{PAGE}/{ids['flag']}/terima",
                                       data={"_csrf_token": token})
            assert answer.status_code == 403, role
    assert await reads.count_open(Scope("city")) == 2


async def test_acknowledge_from_the_page(world):
    ids = await two_alerts(world)
    await make_all_roles()
    async with make_client() as client:
        token = await signed_in_as(client, "unit")
        # Without the CSRF token: refused, nothing written.
        answer = await client.post(f"{PAGE}/{ids['urgent']}/terima", data={})
        assert answer.status_code == 403
        # A flag is not the unit's: 404; an unknown id: 404.
        for alert in (ids["flag"], ids["flag"] + ids["urgent"] + 1000):
            answer = await client.post(f"{PAGE}/{alert}/terima", data={"_csrf_token": token})
            assert answer.status_code == 404
        assert await reads.count_open(scope("unit", world)) == 1
        listed = await client.get(PAGE)
        assert 'href="/staf/unit/pkm-oesapa/komentar/tema?urgent=1"' in listed.text
        mark = await audit_mark()
        answer = await client.post(f"{PAGE}/{ids['urgent']}/terima",
                                   data={"_csrf_token": token})
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{PAGE}?done={ids['urgent']}"
        page = await client.get(answer.headers["location"])
        assert "Peringatan (0)" in page.text and "Tidak ada peringatan terbuka." in page.text
        again = await client.post(f"{PAGE}/{ids['urgent']}/terima",
                                  data={"_csrf_token": token})
        assert again.status_code == 409
        assert "sudah" in again.text.lower()
        log = [e for e in await entries(object_type="alert") if e["id"] > mark]
        assert [(e["actor"], e["object_key"]) for e in log] == [
            ("unit@test.id", str(ids["urgent"]))]
        shown = await client.get(PAGE + "?show=acknowledged&lang=en")
        assert "Acknowledged by unit@test.id" in shown.text
        bad = await client.get(PAGE + "?show=everything")
        assert bad.status_code == 400
    async with make_client() as client:
        await sign_in(client, "agency@test.id")
        page = await client.get(PAGE + "?lang=en")
        assert "Alerts (1)" in page.text and "Flagged counter-hour" in page.text
        assert re.search(r"burst</code>, <code>fast_repeat", page.text)
        flag_id = (await IntegrityFlag.select(IntegrityFlag.id).first())["id"]
        assert f'href="/staf/integritas/{flag_id}"' in page.text
        assert 'href="/staf/unit/pkm-oesapa/komentar/tema?urgent=1"' not in page.text  # acked


async def test_a_drop_alerts_figures_on_the_page_are_the_engines_ikm(world):
    import numpy as np

    from app.web.staff.unit_pages import number
    from scoring.ikm import elements_for, official_ikm

    org = world["org"]
    await normal_history(world)
    low = {**answers_of(2), "waktu": 1, "biaya": 3, "sarana": 1}
    await add(org.counter_id, org.unit_id, [low] * 20, NOW - timedelta(hours=5),
              timedelta(minutes=10))
    assert (await raising.raise_alerts(NOW)).drop == 1
    alert = await Alert.select().where(Alert.kind == "drop").output(load_json=True).first()
    d = alert["details"]

    async def engine_ikm(ids: list[int]) -> float:
        rows = await Response.select(Response.answers).where(Response.id.is_in(ids)).output(
            load_json=True)
        codes = elements_for()
        counts = np.zeros((len(codes), 4))
        for r in rows:
            for k, code in enumerate(codes):
                counts[k, r["answers"][code] - 1] += 1
        return official_ikm(counts, len(rows)).ikm

    window_ikm = await engine_ikm(d["response_ids"])
    assert d["ikm_window"] == round(window_ikm, 2)
    baseline_ids = [r["id"] for r in await Response.select(Response.id).where(
        (Response.counter == org.counter_id) & Response.id.not_in(d["response_ids"]))]
    assert d["ikm_baseline"] == round(await engine_ikm(baseline_ids), 2)
    await make_all_roles()
    async with make_client() as client:
        await signed_in_as(client, "unit")
        page = await client.get(PAGE + "?lang=en")
    expected = (f"The last 20 ratings give an index of {number(d['ikm_window'], 2, 'en')} "
                f"against {number(d['ikm_baseline'], 2, 'en')} over the "
                f"{number(d['baseline_n'], 0, 'en')} ratings of the previous 90 days")
    assert expected in page.text
    assert 'href="/staf/unit/pkm-oesapa"' in page.text
