"""Bring a database up to date: migrations, then the built-in questionnaire."""

from __future__ import annotations

from datetime import UTC, datetime

from piccolo.apps.migrations.commands.forwards import run_forwards

from feedback.survey import skm
from feedback.tables import Questionnaire


async def migrate() -> None:
    result = await run_forwards(app_name="feedback")
    if not result.success:
        raise RuntimeError(f"database migration failed: {result.message}")
    await ensure_builtin_questionnaire()


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
