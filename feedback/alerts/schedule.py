"""Alerts inside `suara serve`: every worker runs an `AlertScheduler` that sends the webhook
deliveries due every minute and raises new alerts every SUARA_ALERTS_INTERVAL seconds
(default 300; 0 disables both). Several workers may do so at once: an alert's source key is
unique (a second raise inserts nothing) and a delivery is claimed before it is sent
(`feedback.alerts.webhook`). Errors are logged, never raised: the worker keeps serving."""

from __future__ import annotations

import asyncio
import logging
import time

from feedback import periodic
from feedback.alerts.raising import raise_alerts
from feedback.alerts.webhook import deliver_due

log = logging.getLogger("suara.alerts")
ENV = "SUARA_ALERTS_INTERVAL"
DEFAULT_INTERVAL = 300
DELIVER_TICK = 60.0


def interval_from_env(environ: dict[str, str] | None = None) -> int:
    """SUARA_ALERTS_INTERVAL in whole seconds (0 disables); ValueError when not a number."""
    return periodic.interval_from_env(ENV, DEFAULT_INTERVAL, environ)


class AlertScheduler(periodic.PeriodicTask):
    task_name = "suara-alerts"

    def __init__(self, interval: int) -> None:
        super().__init__(interval, DELIVER_TICK)
        self._last_raise: float | None = None

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
