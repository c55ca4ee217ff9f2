"""The one step between a submission route and `feedback.survey.submit`, shared by the
Litestar handlers (`POST /api/v1/responses`, `POST /s/{counter}`, `POST /k/{counter}`) and
the raw ASGI front that serves their common case (`app.web.front`).

The front decides a submission itself and answers the common outcomes; for every other
outcome it hands the request on to Litestar with the decision in the ASGI scope's state, and
the handler renders that decision instead of submitting again (a submission is stored, rate
counted and device marked once, whoever renders its answer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from litestar import Request

from feedback.survey import submit as submission
from feedback.survey.outcomes import Outcome

# scope["state"] key: (Submission, Outcome or the exception submitting raised), set by the
# front when it passes a decided submission on to the Litestar handler.
DECIDED = "suara.decided"

Decision = tuple[submission.Submission, Outcome | Exception]


async def run(request: Request, sub: submission.Submission) -> Outcome:
    """Submit through this process's batch writer, now."""
    return await submission.submit(sub, request.app.state.writer.submit, datetime.now(UTC))


async def decide(request: Request, build: Callable[[], submission.Submission]
                 ) -> tuple[submission.Submission, Outcome]:
    """The submission and its outcome: decided by the front already (taken from the scope;
    an exception it met is raised here, for the application's error handlers), or built with
    `build` and submitted now."""
    decided: Decision | None = request.scope["state"].pop(DECIDED, None)
    if decided is None:
        sub = build()
        return sub, await run(request, sub)
    sub, result = decided
    if isinstance(result, Exception):
        raise result
    return sub, result
