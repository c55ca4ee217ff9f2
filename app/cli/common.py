"""What the `suara` subcommands share: the console and opening the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console

console = Console(stderr=True)


def run_with_database(job: Callable[[Any], Awaitable[int]]) -> int:
    """Open the configured database, run `job(engine)`, close it."""
    from feedback import engine as db
    from piccolo_conf import DB

    async def main() -> int:
        await db.start(DB)
        try:
            return await job(DB)
        finally:
            await db.stop(DB)

    return asyncio.run(main())


async def migrate_first(engine: Any, announce: bool = False) -> None:
    """Bring the database up to date. One line is printed when migrations were applied (or
    always, with `announce`); Piccolo's own output is not shown."""
    from feedback.setup import migrate

    report = await migrate()
    if announce or report.applied:
        console.print(report.describe(), highlight=False)
