"""The periodic case pass inside `suara serve`: every worker runs a `CaseScheduler` that
calls `case_pass(now)` every SUARA_CASE_INTERVAL seconds (default 60; 0 disables).

One pass runs its steps in order, each on its own: a failing step is logged and the next
one still runs, and the worker keeps serving. Every step is safe when several workers run
it at once (conditional updates, unique keys). Steps:

1. `comments`: open the cases of urgent and negative comments (feedback.cases.opening);
2. `sweep`: escalate overdue cases, auto-close unanswered replies (feedback.cases.work);
3. `notify`: send the new case events (feedback.cases.notify).

Other case features add their step to `case_pass` below (one `await _step(...)` line).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from feedback import periodic
from feedback.cases.notify import notify_pass
from feedback.cases.opening import open_from_comments
from feedback.cases.work import sweep

log = logging.getLogger("suara.cases")
ENV = "SUARA_CASE_INTERVAL"
DEFAULT_INTERVAL = 60
MAX_TICK = 60.0


def interval_from_env(environ: dict[str, str] | None = None) -> int:
    """SUARA_CASE_INTERVAL in whole seconds (0 disables); ValueError when not a number."""
    return periodic.interval_from_env(ENV, DEFAULT_INTERVAL, environ)


async def _step(results: dict[str, Any], name: str,
                run: Callable[[], Awaitable[Any]]) -> None:
    """Run one step of the pass; its result (or "failed") goes in `results[name]`."""
    try:
        result = await run()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("cases: the %s step failed", name)
        results[name] = "failed"
        return
    results[name] = result.as_json() if hasattr(result, "as_json") else result


async def case_pass(now: datetime | None = None) -> dict[str, Any]:
    """One pass of every periodic case step at `now`; {step: its result or "failed"}."""
    now = now or datetime.now(UTC)
    results: dict[str, Any] = {}
    await _step(results, "comments", lambda: open_from_comments(now))  # feedback.cases.opening
    await _step(results, "sweep", lambda: sweep(now))
    await _step(results, "notify", lambda: notify_pass(now))  # feedback.cases.notify
    return results


class CaseScheduler(periodic.PeriodicTask):
    task_name = "suara-cases"

    def __init__(self, interval: int) -> None:
        super().__init__(interval, MAX_TICK)

    async def run_once(self) -> None:
        try:
            results = await case_pass()
        except asyncio.CancelledError:
            raise
        except Exception:  # the pass logs its steps' errors; this is a last resort
            log.exception("cases: the periodic pass failed")
            return
        if any(value == "failed" for value in results.values()):
            log.warning("cases: pass %s", results)
