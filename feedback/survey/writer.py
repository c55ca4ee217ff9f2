"""Batching concurrent submissions of one process into one transaction per batch."""

from __future__ import annotations

import asyncio

from feedback.engine import is_integrity_error
from feedback.survey.outcomes import Conflict, Outcome
from feedback.survey.submit import Pending, Policy, store_batch


class Writer:
    """Groups concurrent submissions of one process into batches: while a batch is being
    written, new submissions queue up and go together in the next one. Under light load a
    batch holds one submission; under heavy load the cost per submission falls. A request
    returns only after its batch has committed, with its outcome; a database integrity error
    is the outcome Conflict, any other failure is raised."""

    def __init__(self, policy: Policy, *, max_batch: int = 64, tasks: int = 2) -> None:
        self.policy = policy
        self.max_batch, self.tasks = max_batch, tasks
        self._queue: asyncio.Queue[tuple[Pending, asyncio.Future[Outcome]]] | None = None
        self._workers: list[asyncio.Task[None]] = []

    async def submit(self, item: Pending) -> Outcome:
        if not self._workers or any(w.done() for w in self._workers):
            self._start()
        assert self._queue is not None
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        return await future

    def _start(self) -> None:
        for w in self._workers:
            w.cancel()
        self._queue = asyncio.Queue()
        self._workers = [asyncio.create_task(self._run()) for _ in range(self.tasks)]

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            items = [item for item, _ in batch]
            outcomes: list[Outcome | Exception]
            try:
                outcomes = list(await store_batch(items, self.policy))
            except Exception as exc:  # e.g. a deadlock victim: retry one by one
                outcomes = []
                for item in items:
                    try:
                        outcomes.extend(await store_batch([item], self.policy))
                    except Exception as single:
                        outcomes.append(single if len(items) > 1 else exc)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, Exception) and is_integrity_error(outcome):
                    future.set_result(Conflict())
                elif isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def close(self) -> None:
        for w in self._workers:
            w.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
