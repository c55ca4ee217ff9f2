"""One-time ticket tokens: the offline HMAC format, server-minted stubs, use and reuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.survey.tickets import mint_server_tokens
from feedback.survey.tokens import TokenError, mint_offline, normalise, verify_offline
from feedback.tables import Response, TicketToken
from tests.support import FULL, make_client

SECRET = "ab" * 32
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def test_offline_token_round_trip():
    token = mint_offline(SECRET, "LOKET001", NOW - timedelta(minutes=3), 4711)
    assert token.startswith("Q") and len(token) == 25
    parsed = verify_offline(token, SECRET, "LOKET001", NOW, DAY)
    assert parsed.serial == 4711
    assert parsed.issued_at == datetime(2026, 11, 28, 2, 57, tzinfo=UTC)
    # Case, spaces and dashes do not matter (tokens may be printed in groups).
    grouped = "-".join(token[i:i + 5] for i in range(0, 25, 5)).lower()
    assert verify_offline(grouped, SECRET, "LOKET001", NOW, DAY).code == token


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: mint_offline("cd" * 32, "LOKET001", NOW, 1), "token_forged"),
        (lambda: mint_offline(SECRET, "LOKET002", NOW, 1), "token_forged"),
        (lambda: mint_offline(SECRET, "LOKET001", NOW - DAY - timedelta(minutes=1), 1),
         "token_expired"),
        (lambda: mint_offline(SECRET, "LOKET001", NOW + timedelta(minutes=10), 1),
         "token_expired"),
        (lambda: "Q" + "A" * 24, "token_forged"),
        (lambda: "Q" + "1" * 24, "token_invalid"),
        (lambda: "QSHORT", "token_invalid"),
        (lambda: "S" + "A" * 24, "token_invalid"),
    ],
)
def test_offline_token_refusals(make, code):
    with pytest.raises(TokenError) as exc:
        verify_offline(make(), SECRET, "LOKET001", NOW, DAY)
    assert exc.value.code == code


def test_tampered_token_is_refused():
    token = mint_offline(SECRET, "LOKET001", NOW, 99)
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    with pytest.raises(TokenError) as exc:
        verify_offline(flipped, SECRET, "LOKET001", NOW, DAY)
    assert exc.value.code in ("token_forged", "token_invalid")


async def _server_token(org, expires_in=DAY, counter_id=None):
    now = datetime.now(UTC)
    rows = await mint_server_tokens(counter_id or org.counter_id, 1, now, expires_in)
    return rows[0].code


def form(token, key):
    return {**{k: str(v) for k, v in FULL.items()}, "key": key, "lang": "id", "t": token}


async def test_server_token_verifies_a_visit_once(org):
    token = await _server_token(org)
    async with make_client() as client:
        page = await client.get(f"/s/{org.counter}?t={token.lower()}")
        assert "Kode tiket Anda sah" in page.text
        assert f'name="t" value="{token}"' in page.text
        first = await client.post(f"/s/{org.counter}", data=form(token, "a" * 20))
        assert first.status_code == 303
        again_page = await client.get(f"/s/{org.counter}?t={token}")
        reuse = await client.post(f"/s/{org.counter}", data=form(token, "b" * 20))
    assert "sudah pernah dipakai" in again_page.text
    assert 'name="t"' not in again_page.text
    assert reuse.status_code == 422  # the same as the API
    assert "sudah pernah dipakai" in reuse.text
    assert 'name="t"' not in reuse.text  # the citizen can resend without the token
    assert 'value="4" checked' in reuse.text  # and keeps the answers
    rows = await Response.select(Response.verified, Response.channel, Response.token)
    assert rows == [{"verified": True, "channel": "ticket", "token": token}]
    used = await TicketToken.select(TicketToken.used_at, TicketToken.response).first()
    assert used["used_at"] is not None and used["response"] is not None


async def test_verified_visit_is_not_limited_by_device_interval(org):
    tokens = [await _server_token(org) for _ in range(2)]
    async with make_client() as client:
        for i, token in enumerate(tokens):
            r = await client.post(f"/s/{org.counter}", data=form(token, f"key-{i}" * 4))
            assert r.status_code == 303
    assert await Response.count() == 2


@pytest.mark.parametrize("case", ["expired", "other_counter", "unknown", "garbage"])
async def test_bad_server_tokens_are_refused_with_a_message(org, case):
    if case == "expired":
        token = await _server_token(org, expires_in=timedelta(seconds=-1))
        expected = "sudah kedaluwarsa"
    elif case == "other_counter":
        from feedback.tables import Counter

        other = await Counter.select(Counter.id).where(Counter.code == org.other_counter).first()
        token = await _server_token(org, counter_id=other["id"])
        expected = "milik loket lain"
    elif case == "unknown":
        token, expected = "SAAAAAAAAAAAAAAAA", "tidak ditemukan"
    else:
        token, expected = "<script>", "tidak sah"
    async with make_client() as client:
        page = await client.get(f"/s/{org.counter}", params={"t": token})
        post = await client.post(f"/s/{org.counter}", data=form(token, "z" * 20))
    assert page.status_code == 200 and expected in page.text
    assert post.status_code == 422 and expected in post.text
    assert await Response.count() == 0


async def test_offline_token_from_a_queue_machine(org):
    token = mint_offline(org.secret, org.counter, datetime.now(UTC), 17)
    forged = mint_offline("ff" * 32, org.counter, datetime.now(UTC), 18)
    async with make_client() as client:
        ok = await client.post("/api/v1/responses",
                               json={"counter": org.counter, "answers": FULL, "token": token})
        reuse = await client.post("/api/v1/responses",
                                  json={"counter": org.counter, "answers": FULL, "token": token,
                                        "device_id": "other"})
        bad = await client.post("/api/v1/responses",
                                json={"counter": org.counter, "answers": FULL, "token": forged,
                                      "device_id": "third"})
        elsewhere = await client.post(
            "/api/v1/responses",
            json={"counter": org.other_counter, "answers": FULL, "token": token})
    assert ok.status_code == 201 and ok.json()["verified"] is True
    assert reuse.status_code == 422 and reuse.json()["error"] == "token_used"
    assert bad.status_code == 422 and bad.json()["error"] == "token_forged"
    assert elsewhere.status_code == 422 and elsewhere.json()["error"] == "token_forged"
    assert await Response.count() == 1
    stored = await TicketToken.select(TicketToken.code, TicketToken.kind).first()
    assert stored == {"code": normalise(token), "kind": "offline"}


def test_offline_token_documented_test_vector():
    """The example in README.md ("Offline ticket tokens") — vendors test against it."""
    token = mint_offline("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                         "K7QM2XPA", datetime(2026, 11, 28, 1, 30, tzinfo=UTC), 42)
    assert token == "QAHELH6QAAAVEA4NINUE6C6KA"
    readme = (__import__("pathlib").Path(__file__).parent.parent / "README.md").read_text()
    assert token in readme
