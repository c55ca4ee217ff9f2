"""Simulated SKM responses for the demo organisation: `simulate(plan, responses, seed, now)`
gives the responses over the DAYS_BACK days before `now`, in WITA office hours, as arrays
(pure: the same arguments give the same responses). About 8% carry a comment
(`feedback.demo.comments`, labels known by construction in `comment_kind`); from 1,000
responses a few of them are simulated ballot stuffing (`feedback.demo.stuffing`, marked in
`stuffed`), in place of as many genuine responses without a comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from feedback.clock import WITA
from feedback.demo.comments import draw_comments
from feedback.demo.organisation import PlannedAgency, PlannedUnit
from feedback.demo.stuffing import plan_stuffing
from feedback.survey import skm
from feedback.survey.receipts import new_receipts
from feedback.survey.tokens import mint_offline
from scoring.ikm import ELEMENTS, min_answered

DAYS_BACK = 365
OFFICE_OPEN_MINUTE = 8 * 60  # 08:00 WITA
WEEKDAY_MINUTES = 7 * 60 + 30  # until 15:30
SATURDAY_MINUTES = 4 * 60  # MPP on Saturday: 08:00-12:00
# Fixed-date national holidays (offices closed). Moving holidays are left out.
HOLIDAYS = ((1, 1), (5, 1), (6, 1), (8, 17), (12, 25))


# Latent mean offsets per element (ELEMENTS order): waiting time and facilities lowest,
# officers' behaviour high. Biaya is mostly decided by whether the service was free.
_ELEMENT_OFFSET = np.array([0.05, 0.0, -0.32, 0.10, 0.05, 0.10, 0.22, -0.12, -0.28])
# How likely an element is left unanswered (relative): complaints handling and fees most.
_SKIP_WEIGHT = np.array([1.0, 1.0, 0.8, 1.6, 1.0, 0.8, 0.6, 2.6, 0.8])
_BASE = 3.22
_RESPONDENT_SD = 0.38
_NOISE_SD = 0.46

_PROFILE_P = 0.60
_COMMENT_P = 0.08

_GENDER = (("L", "P"), (0.47, 0.53))
_AGE = (tuple(skm.AGE_BANDS), (0.05, 0.24, 0.28, 0.22, 0.14, 0.07))
_EDU = (tuple(skm.EDUCATION), (0.08, 0.12, 0.40, 0.12, 0.24, 0.035, 0.005))
_OCC = (tuple(skm.OCCUPATIONS), (0.14, 0.02, 0.02, 0.27, 0.25, 0.30))

def _allocate(units: Sequence[PlannedUnit], total: int, rng: np.random.Generator,
              participation: np.ndarray) -> np.ndarray:
    """Responses per unit: a few units get a fixed small number, the rest share the total
    in proportion to monthly volume times a per-unit participation rate."""
    fixed = np.array([u.fixed_responses or 0 for u in units], dtype=np.int64)
    is_fixed = np.array([u.fixed_responses is not None for u in units])
    if fixed.sum() * 4 > total:  # tiny demos: shrink the fixed ones too
        fixed = np.floor(fixed * total / max(1, 4 * fixed.sum())).astype(np.int64)
    counts = fixed.copy()
    rest = total - int(fixed.sum())
    weights = np.array([u.monthly_volume for u in units], dtype=float) * participation
    weights[is_fixed] = 0.0
    counts += rng.multinomial(rest, weights / weights.sum())
    return counts


def _office_days(now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """WITA dates (as date ordinals) of the weekdays and Saturdays in the window, without
    fixed holidays; the window is the DAYS_BACK whole days up to today (WITA)."""
    today = now.astimezone(WITA).date()
    first = today - timedelta(days=DAYS_BACK - 1)
    weekdays, saturdays = [], []
    for k in range(DAYS_BACK):
        d = first + timedelta(days=k)
        if (d.month, d.day) in HOLIDAYS:
            continue
        if d.weekday() < 5:
            weekdays.append(d.toordinal())
        elif d.weekday() == 5:
            saturdays.append(d.toordinal())
    return np.array(weekdays, dtype=np.int64), np.array(saturdays, dtype=np.int64)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_WITA_OFFSET = 8 * 3600


def _timestamps(n: int, saturday_ok: np.ndarray, now: datetime,
                rng: np.random.Generator) -> np.ndarray:
    """UTC epoch seconds of n visits in WITA office hours within the window, before now."""
    weekdays, saturdays = _office_days(now)
    limit = now.timestamp()
    span = max(1, weekdays[-1] - weekdays[0]) if len(weekdays) else 1

    def day_weights(days: np.ndarray) -> np.ndarray:
        if len(days) == 0:
            return days.astype(float)
        # Uptake grows over the year (a new system); Mondays are busiest, Fridays quieter.
        ramp = 0.55 + 0.65 * (days - days[0]) / span
        dow = np.array([1.25, 1.05, 1.0, 1.0, 0.85, 1.0, 1.0])[(days - 1) % 7]
        w = ramp * dow
        return w / w.sum()

    p_week, p_sat = day_weights(weekdays), day_weights(saturdays)
    # A Saturday morning is about half as busy as a weekday for the desks open then.
    sat_share = 0.5 * len(saturdays) / (len(weekdays) + 0.5 * len(saturdays))
    out = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):
        k = len(todo)
        on_sat = saturday_ok[todo] & (rng.random(k) < sat_share) & (len(saturdays) > 0)
        day = np.where(on_sat, rng.choice(saturdays, size=k, p=p_sat) if len(saturdays)
                       else 0, rng.choice(weekdays, size=k, p=p_week))
        minutes = np.where(
            on_sat,
            np.floor(rng.beta(1.6, 2.2, size=k) * SATURDAY_MINUTES),
            np.floor(rng.beta(1.8, 3.0, size=k) * WEEKDAY_MINUTES),
        ).astype(np.int64)
        seconds = rng.integers(0, 60, size=k)
        wita_midnight_utc = (day - _EPOCH_ORDINAL) * 86400 - _WITA_OFFSET
        ts = wita_midnight_utc + (OFFICE_OPEN_MINUTE + minutes) * 60 + seconds
        out[todo] = ts
        todo = todo[ts >= limit]  # visits later today than now: draw again
    return out


def _answers(unit_idx: np.ndarray, t_frac: np.ndarray, units: Sequence[PlannedUnit],
             quality: np.ndarray, unit_elem: np.ndarray, trend: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """n x 9 answers 1..4, 0 where not answered."""
    n = len(unit_idx)
    e = len(ELEMENTS)
    latent = (
        _BASE + quality[unit_idx, None] + _ELEMENT_OFFSET[None, :] + unit_elem[unit_idx]
        + (trend[unit_idx] * (t_frac - 0.5))[:, None]
        + rng.normal(0.0, _RESPONDENT_SD, size=(n, 1))
        + rng.normal(0.0, _NOISE_SD, size=(n, e))
    )
    answers = np.clip(np.floor(latent + 0.5), 1, 4).astype(np.int8)
    # Biaya: "Gratis" (4) when the service was free for this respondent.
    free = np.array([u.free for u in units])[unit_idx]
    biaya = ELEMENTS.index("biaya")
    answers[:, biaya] = np.where(rng.random(n) < free, 4, answers[:, biaya])
    # Incomplete responses: ~3% skip one or two elements, ~0.5% answer fewer than 7.
    r = rng.random(n)
    n_skip = np.zeros(n, dtype=np.int64)
    few = r < 0.005
    some = (r >= 0.005) & (r < 0.035)
    n_skip[some] = rng.integers(1, 3, size=int(some.sum()))
    # fewer than 7 answered: skip 3..6 (at least 3 answers remain)
    n_skip[few] = rng.integers(e - min_answered() + 1, e - 3 + 1, size=int(few.sum()))
    idx = np.flatnonzero(n_skip)
    if len(idx):
        # Weighted sampling without replacement (Efraimidis-Spirakis keys).
        keys = rng.random((len(idx), e)) ** (1.0 / _SKIP_WEIGHT[None, :])
        order = np.argsort(-keys, axis=1)
        for j, (row, k) in enumerate(zip(idx, n_skip[idx], strict=True)):
            answers[row, order[j, :k]] = 0
    return answers


def _choose(options: tuple[str, ...], p: tuple[float, ...], n: int,
            rng: np.random.Generator) -> np.ndarray:
    p_arr = np.array(p, dtype=float)
    return np.array(options, dtype=object)[rng.choice(len(options), size=n, p=p_arr / p_arr.sum())]


def _codes(n: int, length: int, alphabet: str, rng: np.random.Generator) -> list[str]:
    """n distinct random codes."""
    letters = np.array(list(alphabet))
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        block = letters[rng.integers(0, len(alphabet), size=(n - len(out), length))]
        for chars in block:
            code = "".join(chars)
            if code not in seen:
                seen.add(code)
                out.append(code)
    return out


@dataclass
class Simulation:
    """Simulated responses in time order, as arrays (built before anything is written)."""

    units: tuple[PlannedUnit, ...]
    unit: np.ndarray  # index into units
    counter: np.ndarray  # counter code
    service: np.ndarray  # service code or None
    answers: np.ndarray  # n x 9, ELEMENTS order, 0 = not answered
    submitted: np.ndarray  # UTC epoch seconds
    channel: np.ndarray
    lang: np.ndarray
    profile: dict[str, np.ndarray]  # gender, age_band, education, occupation (or None)
    comment: np.ndarray  # str or None
    comment_kind: np.ndarray  # (element, sentiment, urgent) of the comment, or None
    stuffed: np.ndarray  # bool: a rating of a simulated stuffing episode
    receipt: list[str]
    submission_key: list[str]
    device: np.ndarray  # n x 16 bytes
    token: np.ndarray  # offline ticket token or None
    token_issued: np.ndarray  # UTC epoch seconds the ticket was printed (ticket rows)

    def __len__(self) -> int:
        return len(self.unit)

    def given(self, k: int) -> dict[str, int]:
        return {e: a for e, a in zip(ELEMENTS, self.answers[k].tolist(), strict=True) if a}


def simulate(plan: Sequence[PlannedAgency], responses: int, seed: int,
             now: datetime) -> Simulation:
    """The demo's responses (pure: the same arguments give the same responses)."""
    units = tuple(u for a in plan for u in a.units)
    n_units = len(units)
    # Hidden characteristics of the units: the same for a seed whatever the total.
    hidden = np.random.default_rng([seed, 2])
    quality = hidden.normal(0.0, 0.22, size=n_units)
    for i, u in enumerate(units):
        if u.quality is not None:
            quality[i] = u.quality
    unit_elem = hidden.normal(0.0, 0.15, size=(n_units, len(ELEMENTS)))
    trend = hidden.normal(0.05, 0.18, size=n_units)  # latent change over the year
    participation = hidden.lognormal(0.0, 0.35, size=n_units)

    rng = np.random.default_rng([seed, 3, responses])
    counts = _allocate(units, responses, rng, participation)
    unit_idx = np.repeat(np.arange(n_units), counts)
    n = len(unit_idx)

    saturday_ok = np.array([u.saturday for u in units])[unit_idx]
    ts = _timestamps(n, saturday_ok, now, rng)
    order = np.argsort(ts, kind="stable")
    ts, unit_idx = ts[order], unit_idx[order]
    window_start = now.timestamp() - DAYS_BACK * 86400
    t_frac = np.clip((ts - window_start) / (DAYS_BACK * 86400), 0.0, 1.0)

    answers = _answers(unit_idx, t_frac, units, quality, unit_elem, trend, rng)

    # Counter and service per response.
    counter_of = np.empty(n, dtype=object)
    service_of = np.full(n, None, dtype=object)
    is_kiosk = np.zeros(n, dtype=bool)
    for i, u in enumerate(units):
        rows = np.flatnonzero(unit_idx == i)
        if not len(rows):
            continue
        w = np.array([c.weight for c in u.counters])
        picks = rng.choice(len(u.counters), size=len(rows), p=w / w.sum())
        with_service = rng.random(len(rows)) < 0.88
        for j, c in enumerate(u.counters):
            sel = rows[picks == j]
            counter_of[sel] = c.code
            is_kiosk[sel] = c.is_kiosk
            # Popular services first: weights 1, 1/2, 1/3...
            sw = 1.0 / np.arange(1, len(c.services) + 1)
            chosen = rng.choice(len(c.services), size=len(sel), p=sw / sw.sum())
            named = with_service[picks == j]
            service_of[sel[named]] = np.array(c.services, dtype=object)[chosen[named]]

    queue = np.array([u.queue for u in units])[unit_idx]
    ticket = ~is_kiosk & queue & (rng.random(n) < 0.18)
    channel = np.where(is_kiosk, "kiosk", np.where(ticket, "ticket", "qr"))
    lang = np.where(rng.random(n) < 0.02, "en", "id")

    with_profile = rng.random(n) < _PROFILE_P
    profile = {}
    for name, (options, p) in (("gender", _GENDER), ("age_band", _AGE),
                               ("education", _EDU), ("occupation", _OCC)):
        values = _choose(options, p, n, rng)
        keep = with_profile & (rng.random(n) >= 0.05)
        profile[name] = np.where(keep, values, None)

    comment = np.full(n, None, dtype=object)
    comment_kind = np.full(n, None, dtype=object)
    with_comment = np.flatnonzero(rng.random(n) < _COMMENT_P)
    texts, kinds = draw_comments(
        answers[with_comment], [units[unit_idx[k]].peer_group for k in with_comment],
        np.random.default_rng([seed, 6, responses]))
    for k, text, kind in zip(with_comment.tolist(), texts, kinds, strict=True):
        comment[k], comment_kind[k] = text, kind

    stuffed = np.zeros(n, dtype=bool)
    episodes = plan_stuffing(units, responses, seed, int(now.timestamp()))
    if episodes:
        m = sum(len(e) for e in episodes)
        e_unit = np.concatenate([np.full(len(e), e.unit) for e in episodes])
        e_ts = np.concatenate([e.times for e in episodes])
        e_counter = np.array([e.counter for e in episodes for _ in e.times], dtype=object)
        e_service = np.array([e.service for e in episodes for _ in e.times], dtype=object)
        e_answers = np.full((m, len(ELEMENTS)), 4, dtype=answers.dtype)
        # The stuffing is part of the total: as many genuine responses without a comment,
        # drawn at random, make way for it (the rest is as without stuffing).
        silent = np.flatnonzero(comment == None)  # noqa: E711
        drop = np.random.default_rng([seed, 5, responses]).choice(silent, size=m,
                                                                     replace=False)
        keep = np.setdiff1d(np.arange(n), drop)
        unit_idx = np.concatenate([unit_idx[keep], e_unit])
        ts = np.concatenate([ts[keep], e_ts])
        answers = np.concatenate([answers[keep], e_answers])
        counter_of = np.concatenate([counter_of[keep], e_counter])
        service_of = np.concatenate([service_of[keep], e_service])
        ticket = np.concatenate([ticket[keep], np.zeros(m, dtype=bool)])
        channel = np.concatenate([channel[keep], np.full(m, "qr")])
        lang = np.concatenate([lang[keep], np.full(m, "id")])
        profile = {k: np.concatenate([v[keep], np.full(m, None, dtype=object)])
                   for k, v in profile.items()}
        comment = np.concatenate([comment[keep], np.full(m, None, dtype=object)])
        comment_kind = np.concatenate([comment_kind[keep], np.full(m, None, dtype=object)])
        stuffed = np.concatenate([stuffed[keep], np.ones(m, dtype=bool)])
        order = np.argsort(ts, kind="stable")
        unit_idx, ts, answers, counter_of, service_of = (
            unit_idx[order], ts[order], answers[order], counter_of[order], service_of[order])
        ticket, channel, lang, comment, comment_kind, stuffed = (
            ticket[order], channel[order], lang[order], comment[order], comment_kind[order],
            stuffed[order])
        profile = {k: v[order] for k, v in profile.items()}
        n = len(unit_idx)

    receipts = new_receipts(n, rng)
    keys = _codes(n, 32, "0123456789abcdef", rng)
    devices = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    if episodes:  # the stuffing's few devices, in the order of their ratings
        devices[stuffed] = np.concatenate([e.devices for e in episodes])[
            np.argsort(np.concatenate([e.times for e in episodes]), kind="stable")]

    # Verified responses used an offline ticket token printed by the queue machine
    # 3 minutes to 2 hours before the rating.
    secrets_by_code = {c.code: c.secret for u in units for c in u.counters}
    token = np.full(n, None, dtype=object)
    issued = np.zeros(n, dtype=np.int64)
    seen: set[str] = set()
    for k in np.flatnonzero(ticket):
        issued[k] = ts[k] - int(rng.integers(3, 120)) * 60
        moment = datetime.fromtimestamp(int(issued[k]), UTC)
        while True:
            code = mint_offline(secrets_by_code[counter_of[k]], counter_of[k], moment,
                                int(rng.integers(0, 1 << 24)))
            if code not in seen:
                break
        seen.add(code)
        token[k] = code

    return Simulation(
        units=units, unit=unit_idx, counter=counter_of, service=service_of, answers=answers,
        submitted=ts, channel=channel, lang=lang, profile=profile, comment=comment,
        comment_kind=comment_kind, stuffed=stuffed, receipt=receipts, submission_key=keys,
        device=devices, token=token, token_issued=issued,
    )
