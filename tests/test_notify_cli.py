"""`suara notify run` and `suara notify test` (app/cli/notify.py), the real entry point in a
subprocess, against the real local SMTP server of tests/test_case_notify.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from app.cli.main import main as cli_main
from feedback.alerts.tables import Alert
from feedback.cases.tables import CaseEvent
from tests.test_case_notify import SENDER, free_port, smtp, world  # noqa: F401
from tests.test_comments_cli import ENTRY_POINT, ROOT, TEST_DATABASE_URL


def suara(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SUARA_SMTP_")}
    full.update(DATABASE_URL=TEST_DATABASE_URL, SUARA_SECRET="test-secret", **env)
    return subprocess.run([sys.executable, "-c", ENTRY_POINT, *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=300)


def smtp_env(port: int) -> dict[str, str]:
    return {"SUARA_SMTP_HOST": "127.0.0.1", "SUARA_SMTP_PORT": str(port),
            "SUARA_SMTP_SECURITY": "none", "SUARA_SMTP_FROM": SENDER,
            "SUARA_PUBLIC_URL": "https://suara.example.id"}


async def test_run_notifies_the_due_events_and_prints_the_report(world, smtp):  # noqa: F811
    done = suara("notify", "run", **smtp_env(smtp.port))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"events": 1, "alerts": 1, "mails": 2, "retrying": 0,
                                       "failed": 0, "waiting": 0}
    assert sorted(g["to"][0] for g in smtp.got) == ["kepala2@test.id", "unit@test.id"]
    assert "https://suara.example.id/staf/kasus/" in smtp.got[0]["body"]
    assert await CaseEvent.count().where(CaseEvent.notified_at.is_null()) == 0
    assert await Alert.count().where(Alert.kind == "case") == 1
    again = suara("notify", "run", **smtp_env(smtp.port))
    assert json.loads(again.stdout)["events"] == 0 and len(smtp.got) == 2


async def test_run_without_smtp_raises_the_alerts_only(world, smtp):  # noqa: F811
    done = suara("notify", "run", "--at", "2026-11-24T10:05+08:00")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["alerts"] == 1 and smtp.got == []


def test_bad_options_and_settings_are_one_line(capsys):
    assert cli_main(["notify", "run", "--at", "tomorrow"]) == 2
    assert cli_main(["notify", "run", "--at", "2026-11-24T10:00"]) == 2
    assert cli_main(["notify", "test", "not-an-address"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3
    assert err[0].startswith("suara notify run: --at must be an ISO 8601 moment")
    assert err[2] == "suara notify test: the address must be one e-mail address, got " \
                     "'not-an-address'"
    bad = suara("notify", "run", SUARA_SMTP_HOST="smtp.example", SUARA_SMTP_FROM=SENDER,
                SUARA_SMTP_SECURITY="ssl")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == ("suara notify run: SUARA_SMTP_SECURITY must be one of "
                                  "starttls, tls, none, got 'ssl'")


def test_test_sends_one_message_or_says_why_not(smtp):  # noqa: F811
    done = suara("notify", "test", "admin@kupangkota.example", **smtp_env(smtp.port))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("Test e-mail sent to admin@kupangkota.example through "
                                   f"127.0.0.1:{smtp.port} (none).")
    assert [g["to"] for g in smtp.got] == [["admin@kupangkota.example"]]
    assert smtp.got[0]["subject"] == "[Suara Layanan] Uji pengiriman e-mail (test e-mail)"
    unset = suara("notify", "test", "admin@kupangkota.example")
    assert unset.returncode == 2
    assert unset.stderr.strip() == "suara notify test: SUARA_SMTP_HOST is not set: no " \
                                   "e-mail is sent."
    down = suara("notify", "test", "admin@kupangkota.example", **smtp_env(free_port()))
    assert down.returncode == 1 and len(down.stderr.strip().splitlines()) == 1
    assert down.stderr.startswith("suara notify test: not sent through 127.0.0.1:")
