"""Bring a database up to date: migrations, then the built-in questionnaire."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

from feedback.survey import skm
from feedback.tables import Questionnaire

APP = "feedback"


@dataclass(frozen=True)
class MigrationReport:
    applied: int  # migrations run by this call
    total: int  # migrations recorded in the database afterwards

    def describe(self) -> str:
        """One short, true line for the log."""
        if self.applied:
            s = "" if self.applied == 1 else "s"
            return f"Database: {self.applied} migration{s} applied now ({self.total} in all)."
        return f"Database up to date ({self.total} migrations)."


async def migrate() -> MigrationReport:
    """Apply pending migrations. Piccolo's own progress lines (which on a fresh database
    claim that every migration is both complete and not yet run) are captured, and shown
    only when a migration fails."""
    before = await _migrations_which_ran()
    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):
        result = await run_forwards(app_name=APP)
    if not result.success:
        raise RuntimeError(f"database migration failed: {result.message}\n{chatter.getvalue()}")
    after = await _migrations_which_ran()
    await ensure_builtin_questionnaire()
    return MigrationReport(applied=len(after - before), total=len(after))


async def _migrations_which_ran() -> set[str]:
    if not await Migration.table_exists():
        return set()
    return set(await Migration.get_migrations_which_ran(app_name=APP))


async def ensure_builtin_questionnaire() -> None:
    exists = await Questionnaire.exists().where(
        (Questionnaire.code == skm.SKM_CODE) & (Questionnaire.version == skm.SKM_VERSION)
    )
    if not exists:
        await Questionnaire.insert(
            Questionnaire(
                code=skm.SKM_CODE, version=skm.SKM_VERSION,
                definition=skm.skm_2017_definition(), created_at=datetime.now(UTC),
            )
        )
