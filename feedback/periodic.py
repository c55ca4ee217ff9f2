"""Background work inside `suara serve`: a task that runs `run_once` every `tick` seconds
until the app stops, and the one way to read its interval from the environment."""

from __future__ import annotations

import asyncio
import contextlib
import os


def interval_from_env(name: str, default: int, environ: dict[str, str] | None = None) -> int:
    """The environment variable `name` in whole seconds (0 disables; `default` when unset);
    ValueError when it is not a whole number."""
    raw = (environ if environ is not None else os.environ).get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of seconds (0 disables), got {raw!r}")
    return int(raw)


class PeriodicTask:
    """Runs `run_once` every `tick` seconds (at most `max_tick`, never more often than the
    interval) from `start` until `close`; an interval of 0 disables it. Subclasses log their
    own errors in `run_once`: the loop must keep running."""

    task_name = "suara-periodic"

    def __init__(self, interval: int, max_tick: float) -> None:
        self.interval = interval
        self.tick = min(float(interval), max_tick) if interval > 0 else 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.interval <= 0 or self.running:
            return
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> object:
        raise NotImplementedError

    async def _run(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self.tick)
