"""Alerts inside `suara serve`: every worker runs an `AlertScheduler` that sends the webhook
deliveries due every minute and raises new alerts every SUARA_ALERTS_INTERVAL seconds
(default 300; 0 disables both). Several workers may do so at once: an alert's source key is
unique (a second raise inserts nothing) and a delivery is claimed before it is sent
(`feedback.alerts.webhook`). Errors are logged, never raised: the worker keeps serving."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time

from feedback.alerts.raising import raise_alerts
from feedback.alerts.webhook import deliver_due

log = logging.getLogger("suara.alerts")
ENV = "SUARA_ALERTS_INTERVAL"
DEFAULT_INTERVAL = 300
DELIVER_TICK = 60.0


def interval_from_env(environ: dict[str, str] | None = None) -> int:
    """SUARA_ALERTS_INTERVAL in whole seconds (0 disables); ValueError when not a number."""
    raw = (environ if environ is not None else os.environ).get(ENV, "").strip()
    if not raw:
        return DEFAULT_INTERVAL
    if not raw.isdigit():
        raise ValueError(f"{ENV} must be a whole number of seconds (0 disables), got {raw!r}")
    return int(raw)


class AlertScheduler:
    def __init__(self, interval: int) -> None:
        self.interval = interval
        self.tick = min(float(interval), DELIVER_TICK) if interval > 0 else 0.0
        self._last_raise: float | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval <= 0 or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.create_task(self._run(), name="suara-alerts")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> None:
        """Raise (when an interval has passed) and send what is due; errors are logged."""
        try:
            now = time.monotonic()
            if self._last_raise is None or now - self._last_raise >= self.interval:
                self._last_raise = now
                raised = await raise_alerts()
                if raised.total:
                    log.info("alerts raised: %s", raised.as_json())
            sent = await deliver_due()
            if sent.attempted:
                log.info("alert deliveries: %s", sent.as_json())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("alerts: raising or delivering failed")

    async def _run(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self.tick)
