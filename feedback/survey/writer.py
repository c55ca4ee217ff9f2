"""Batching concurrent submissions of one process into one transaction per batch."""

from __future__ import annotations

import asyncio
import logging

from feedback.engine import is_integrity_error, is_unavailable
from feedback.survey.outcomes import Conflict, Outcome, Unavailable
from feedback.survey.submit import Pending, Policy, store_batch

log = logging.getLogger("suara.writer")

BATCH_TIMEOUT = 20.0  # seconds for one batch (its transaction), then: Unavailable
CLOSE_TIMEOUT = 5.0  # seconds close() waits for the tasks to finish their batch


class Writer:
    """Groups concurrent submissions of one process into batches: while a batch is being
    written, new submissions queue up and go together in the next one. Under light load a
    batch holds one submission; under heavy load the cost per submission falls. A request
    returns only after its batch has committed, with its outcome; a database integrity error
    is the outcome Conflict, a lost or unreachable database (or a batch past BATCH_TIMEOUT)
    the outcome Unavailable (nothing acknowledged: the same key sent again stores once), any
    other failure is raised.

    A failed batch never stops a task; a task that ends anyway is replaced (at once after an
    error, at the next submission after a stray cancel), and the queue it served is kept.
    Each batch runs in a task of its own (`asyncio.wait_for`), so no per-task database state
    outlives a batch."""

    def __init__(self, policy: Policy, *, max_batch: int = 64, tasks: int = 2,
                 batch_timeout: float = BATCH_TIMEOUT) -> None:
        self.policy = policy
        self.max_batch, self.tasks, self.batch_timeout = max_batch, tasks, batch_timeout
        self._queue: asyncio.Queue[tuple[Pending, asyncio.Future[Outcome]]] | None = None
        self._workers: list[asyncio.Task[None]] = []

    async def submit(self, item: Pending) -> Outcome:
        self._ensure_running()
        assert self._queue is not None
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        return await future

    def state(self) -> str:
        """"idle" (no submission yet in this process), "running", or "dead" (a task ended
        and was not replaced)."""
        if not self._workers:
            return "idle"
        return "dead" if any(w.done() for w in self._workers) else "running"

    def _ensure_running(self) -> None:
        if self._queue is None:
            self._queue = asyncio.Queue()
        self._workers = [w for w in self._workers if not w.done()]
        while len(self._workers) < self.tasks:
            task = asyncio.create_task(self._run(self._queue), name="suara-writer")
            task.add_done_callback(self._ended)
            self._workers.append(task)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if task not in self._workers:
            return  # closed
        if task.cancelled():  # e.g. the loop shutting down: the next submit() replaces it
            log.warning("a submission writer task was cancelled")
            return
        log.error("a submission writer task ended", exc_info=task.exception())
        self._ensure_running()

    async def _run(self, queue: asyncio.Queue[tuple[Pending, asyncio.Future[Outcome]]]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self._write(batch)
            except BaseException as exc:
                # Nothing of these was acknowledged; they may have committed (a loss during
                # COMMIT): sending again with the same key answers the first receipt.
                for _, future in batch:
                    if not future.done():
                        future.set_result(Unavailable())
                if isinstance(exc, asyncio.CancelledError):
                    raise
                log.exception("a submission batch failed")

    async def _store(self, items: list[Pending]) -> list[Outcome]:
        return await asyncio.wait_for(store_batch(items, self.policy), self.batch_timeout)

    async def _write(self, batch: list[tuple[Pending, asyncio.Future[Outcome]]]) -> None:
        items = [item for item, _ in batch]
        outcomes: list[Outcome | Exception]
        try:
            outcomes = list(await self._store(items))
        except Exception as exc:
            if is_unavailable(exc):
                log.warning("database unavailable: %d submissions answered 503 (%s: %s)",
                            len(items), type(exc).__name__, exc)
                outcomes = [exc] * len(items)
            else:  # e.g. a deadlock victim: retry one by one
                outcomes = []
                for item in items:
                    if outcomes and isinstance(outcomes[-1], Exception) and is_unavailable(
                            outcomes[-1]):
                        outcomes.append(outcomes[-1])
                        continue
                    try:
                        outcomes.extend(await self._store([item]))
                    except Exception as single:
                        outcomes.append(single if len(items) > 1 else exc)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, Exception) and is_integrity_error(outcome):
                future.set_result(Conflict())
            elif isinstance(outcome, Exception) and is_unavailable(outcome):
                future.set_result(Unavailable())
            elif isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the tasks, waiting at most `timeout` seconds for a batch in progress (its
        transaction's own waits are bounded too); whatever is still queued is answered
        Unavailable."""
        workers, self._workers = self._workers, []
        for w in workers:
            w.cancel()
        if workers:
            await asyncio.wait(workers, timeout=timeout)
        while self._queue is not None and not self._queue.empty():
            _, future = self._queue.get_nowait()
            if not future.done():
                future.set_result(Unavailable())
