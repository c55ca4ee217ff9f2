"""Reviewers' decisions on flagged counter-hours, in an append-only, hash-chained log.

`decide(flag_id, action, reason, actor, response_ids=None)` records one decision on a flag
(all its responses, or some of them): `exclude` takes those still counted out of the
aggregates (kept, `excluded` with the reason; nothing is deleted), `keep` leaves them
counted. The decision row's `hash` is the SHA-256 of its content (`record_digest`) and of
the previous row's hash, so changing or removing a row breaks the chain; each decision is
also written to the audit log with its hash, which anchors the head of the chain (removing
the newest rows shows too). `verify()` recomputes the chain and names the first record
that was altered or removed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedback.accounts import audit
from feedback.accounts.audit import Actor
from feedback.accounts.tables import AuditLog
from feedback.aggregates import daily as aggregates
from feedback.clock import wita_day
from feedback.engine import is_integrity_error, transaction
from feedback.integrity.tables import IntegrityDecision, IntegrityFlag
from feedback.tables import Counter, Response

ACTIONS = ("exclude", "keep")
GENESIS = "0" * 64
MAX_REASON = 500
AUDIT_ACTION = "integrity.decision"
_ATTEMPTS = 3


class DecisionError(ValueError):
    """A decision that cannot be recorded (a message for people); nothing was written."""


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def record_digest(row: dict[str, Any]) -> str:
    """The hash of a decision row: SHA-256 of its content and its `prev_hash`, as canonical
    JSON (sorted keys, times as UTC ISO 8601 to the second)."""
    ids = row["response_ids"]
    if isinstance(ids, str):
        ids = json.loads(ids)
    content = {
        "id": row["id"], "at": _utc(row["at"]).isoformat(), "actor": row["actor"],
        "actor_id": row["actor_id"], "flag_id": row["flag_id"], "counter": row["counter"],
        "hour": _utc(row["hour"]).isoformat(), "response_ids": [int(i) for i in ids],
        "action": row["action"], "reason": row["reason"], "prev_hash": row["prev_hash"],
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Decision:
    id: int
    hash: str
    action: str
    response_ids: tuple[int, ...]
    excluded: int  # responses taken out of the aggregates by this decision


async def decide(flag_id: int, action: str, reason: str, actor: Actor,
                 response_ids: Sequence[int] | None = None,
                 now: datetime | None = None) -> Decision:
    """Record a decision on a flag (all its responses, or `response_ids` among them), all
    or nothing. Raises DecisionError (nothing written) for an unknown flag, action, an empty
    or too long reason, or responses that are not the flag's."""
    for attempt in range(_ATTEMPTS):
        try:
            return await _decide(flag_id, action, reason, actor, response_ids, now)
        except Exception as exc:  # a concurrent decision took the next link: again
            if not is_integrity_error(exc) or attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def _decide(flag_id: int, action: str, reason: str, actor: Actor,
                  response_ids: Sequence[int] | None, now: datetime | None) -> Decision:
    if action not in ACTIONS:
        raise DecisionError(f"unknown action {action!r}: exclude or keep")
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("give a reason for the decision")
    if len(reason) > MAX_REASON:
        raise DecisionError(f"the reason is longer than {MAX_REASON} characters")
    at = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    async with transaction():
        flags = await IntegrityFlag.select(
            IntegrityFlag.id, IntegrityFlag.hour, IntegrityFlag.response_ids,
            IntegrityFlag.counter).where(IntegrityFlag.id == flag_id).output(load_json=True)
        if not flags:
            raise DecisionError(f"there is no flag {flag_id}")
        flag = flags[0]
        flagged = sorted(int(i) for i in flag["response_ids"])
        chosen = sorted(set(flagged if response_ids is None else response_ids))
        if not chosen:
            raise DecisionError("choose at least one response")
        if not set(chosen) <= set(flagged):
            stray = sorted(set(chosen) - set(flagged))
            raise DecisionError(f"responses {stray} are not in flag {flag_id}")
        code = (await Counter.select(Counter.code).where(Counter.id == flag["counter"])
                )[0]["code"]
        excluded = 0
        if action == "exclude":
            excluded = await _exclude(chosen, f"integrity: {reason}")
        last = await IntegrityDecision.select(IntegrityDecision.id, IntegrityDecision.hash
                                              ).order_by(IntegrityDecision.id,
                                                         ascending=False).limit(1)
        # The id is part of the hashed content, so the row is inserted with it: the next
        # one after the newest (a concurrent decision taking it fails and is retried).
        next_id = last[0]["id"] + 1 if last else 1
        content = {"id": next_id, "at": at, "actor": actor.email[:254], "actor_id": actor.id,
                   "flag_id": flag_id, "counter": code, "hour": _utc(flag["hour"]),
                   "response_ids": chosen, "action": action, "reason": reason,
                   "prev_hash": last[0]["hash"] if last else GENESIS}
        digest = record_digest(content)
        await IntegrityDecision.insert(IntegrityDecision(**content, hash=digest))
        await audit.record(actor, AUDIT_ACTION, "integrity_flag", str(flag_id),
                           new={"decision": next_id, "action": action, "reason": reason,
                                "responses": chosen, "hash": digest}, at=at)
    return Decision(id=next_id, hash=digest, action=action, response_ids=tuple(chosen),
                    excluded=excluded)


async def _exclude(ids: list[int], reason: str) -> int:
    """Exclude the counted, not yet excluded responses among `ids` and take them out of the
    aggregates; returns how many."""
    rows = await Response.select(
        Response.id, Response.unit, Response.counter, Response.service, Response.submitted_at,
        Response.answers, Response.gender, Response.age_band, Response.education,
        Response.occupation).where(Response.id.is_in(ids) & (Response.excluded == False)  # noqa: E712
                                   & (Response.counted == True))  # noqa: E712
    if not rows:
        return 0
    await Response.update({Response.excluded: True, Response.excluded_reason: reason}).where(
        Response.id.is_in([r["id"] for r in rows]))

    def answers(value: Any) -> dict[str, int]:
        return json.loads(value) if isinstance(value, str | bytes) else value

    await aggregates.retract(aggregates.deltas(
        (r["unit"], wita_day(_utc(r["submitted_at"])), answers(r["answers"]),
         aggregates.group_keys(r["counter"], r["service"], r["gender"], r["age_band"],
                               r["education"], r["occupation"])) for r in rows))
    return len(rows)


# ---------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Verification:
    records: int
    ok: bool
    head: str  # the hash of the newest record (GENESIS when there is none)
    problem: str | None = None  # the first problem, naming the record
    record: int | None = None  # the id of the first record altered or removed


async def verify() -> Verification:
    """Recompute the chain from the first record: the first record whose content no longer
    gives its hash was altered; a record whose `prev_hash` is not the previous record's hash
    follows a removed one; and the newest decision in the audit log must still be the head."""
    rows = await IntegrityDecision.select().order_by(IntegrityDecision.id)
    expected_prev, expected_id = GENESIS, None
    for row in rows:
        if expected_id is not None and row["id"] != expected_id:
            return Verification(len(rows), False, expected_prev,
                                f"record {expected_id} was removed (the chain goes from "
                                f"record {expected_id - 1} to record {row['id']})",
                                expected_id)
        if row["prev_hash"] != expected_prev:
            return Verification(len(rows), False, expected_prev,
                                f"record {row['id']} does not follow the record before it: "
                                "a record before it was altered or removed", row["id"])
        if record_digest(row) != row["hash"]:
            return Verification(len(rows), False, expected_prev,
                                f"record {row['id']} was altered (its content no longer "
                                "gives its hash)", row["id"])
        expected_prev, expected_id = row["hash"], row["id"] + 1
    anchors = await AuditLog.select(AuditLog.new).where(
        AuditLog.action == AUDIT_ACTION).order_by(AuditLog.id, ascending=False).limit(1)
    if anchors:
        new = anchors[0]["new"]
        if isinstance(new, str):
            new = json.loads(new)
        last_id = int(new["decision"])
        if not rows or rows[-1]["id"] < last_id:
            first_missing = rows[-1]["id"] + 1 if rows else 1
            return Verification(len(rows), False, expected_prev,
                                f"record {first_missing} was removed (the audit log names "
                                f"decision {last_id} as the newest)", first_missing)
        if rows[-1]["id"] == last_id and rows[-1]["hash"] != new["hash"]:
            return Verification(len(rows), False, expected_prev,
                                f"record {last_id} was altered (its hash differs from the "
                                "audit log's)", last_id)
    return Verification(len(rows), True, expected_prev)
