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


async def migrate_first(engine: Any) -> None:
    from feedback.setup import migrate

    await migrate()
